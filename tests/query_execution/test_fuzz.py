"""Hostile query text against the HTTP endpoint: never a 500, never another realm's rows.

Random text, mutated valid queries and random bytes (POST bodies) must be answered 200 or
400 with fault 4000/4001. Two realms hold distinguishable data (every name in realm B
carries a marker): no answer in realm A may contain it, however the query guesses at Ids
and references. Injection attempts are plain values: afterwards every table is still
there and neither realm changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbo.emulator import Emulator, create_app
from qbo.emulator.querying import run_query
from qbo.emulator.seeds.empty import create
from qbo.emulator.store.session import Realm
from qbo.schema import jsoncodec

MARKER = "zqxbravo"  # in every name of realm B; never generated below
ENTITIES = ["Customer", "Vendor", "Item", "Account", "Invoice", "CompanyInfo", "TaxCode"]

VALID = [
    "SELECT * FROM Customer",
    "select * from Customer where DisplayName LIKE 'Al%' orderby DisplayName desc",
    "SELECT count(*) FROM Invoice WHERE TotalAmt > '10.00'",
    "SELECT Id, DisplayName FROM Customer WHERE Active IN (true, false) STARTPOSITION 2 MAXRESULTS 3",
    "SELECT * FROM Invoice WHERE CustomerRef = '1' AND TxnDate >= '2026-01-01'",
    "SELECT * FROM Invoice WHERE Id IN ('1', '2', '7', '12') ORDERBY TxnDate, Id DESC",
    "SELECT * FROM Account WHERE MetaData.LastUpdatedTime > '2020-01-01T00:00:00-08:00'",
    "SELECT * FROM Item WHERE Name = 'O\\'Brien' AND Active = false",
    "SELECT * FROM Customer WHERE Id = '12'",
    "SELECT * FROM Invoice WHERE CustomerRef IN ('9', '10', '11', '12')",
    "SELECT * FROM CompanyInfo",
    "SELECT * FROM TaxCode WHERE Id = 'TAX'",
]
INJECTIONS = [
    "' OR 1=1 --",
    "'; DROP TABLE ent_customer; --",
    "\\'",
    "\\",
    "\u2018 OR \u20181\u2019=\u20181",
    "\u201cx\u201d OR 1=1",
    "' OR realm_id <> '",
    "%' OR '1'='1",
    "') UNION SELECT doc FROM ent_customer --",
    "1; DELETE FROM realms",
    "\u02bc OR 1=1",
    "\uff07 OR 1=1",
]
TOKENS = [
    "'", "\\'", "\\", " OR ", " or ", " JOIN ", " AND ", "(", ")", ",", "%", "--", ";", "1=1",
    " DROP TABLE x", "\u2018", "\u2019", "\u201c", "\u201d", "\u2028", "\u00a0", "😀", "*", "=", "<", ">=", " IN ",
    " LIKE ", " ORDERBY ", " STARTPOSITION ", " MAXRESULTS 1001", " MAXRESULTS 0",
    " STARTPOSITION -1", "count(*)", "MetaData.", ".", "Id", "' '", "true", "99999999999999999999999",
    "1e5", "-0", " GROUP BY Id", " UNION SELECT * FROM Customer", "\t", "\n", "\r\n", " ",
    "select", "from", "where", "SyncToken", "Invoice.TxnDate", "\x00", "\x7f", "\ufeff",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["insert", "delete", "replace", "case", "duplicate"]))
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 12)))
        if action == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS + INJECTIONS)) + text[i:]
        elif action == "delete":
            text = text[:i] + text[j:]
        elif action == "replace":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[j:]
        elif action == "case":
            text = text[:i] + text[i:j].swapcase() + text[j:]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


def _in_value(template: str, payload: str) -> str:
    quoted = payload.replace("\\", "\\\\").replace("'", "\\'")
    return template.format(quoted)


injected = st.builds(
    _in_value,
    st.sampled_from(
        [
            "SELECT * FROM Customer WHERE DisplayName = '{}'",
            "SELECT * FROM Customer WHERE DisplayName LIKE '%{}%'",
            "SELECT * FROM Invoice WHERE CustomerRef = '{}'",
            "SELECT * FROM Invoice WHERE DocNumber IN ('{}', 'x')",
            "SELECT * FROM Customer WHERE Id = '{}'",
        ]
    ),
    st.sampled_from(INJECTIONS) | st.text(max_size=12),
)

texts = st.one_of(mutated(), mutated(), injected, st.text(max_size=80)).filter(
    lambda t: MARKER not in t.lower()
)


@dataclass
class Realms:
    emulator: Emulator
    a: Realm
    b: Realm


def _fill(emulator: Emulator, realm: Realm, prefix: str, customers: int) -> None:
    with emulator.realms.session(realm, write=True) as s:
        accounts = {a["Name"]: a["Id"] for a in s.all("Account")}
        item = create(
            s,
            "Item",
            {
                "Name": f"{prefix} Item",
                "Type": "Service",
                "IncomeAccountRef": {"value": accounts["Services"]},
            },
        )
        create(s, "Vendor", {"DisplayName": f"{prefix} Vendor"})
        create(s, "Account", {"Name": f"{prefix} Account", "AccountType": "Expense"})
        for n in range(customers):
            customer = create(s, "Customer", {"DisplayName": f"{prefix} O'Customer {n}"})
            create(
                s,
                "Invoice",
                {
                    "CustomerRef": {"value": customer["Id"]},
                    "DocNumber": f"{prefix[:8]}{n}",
                    "PrivateNote": f"{prefix} note",
                    "Line": [
                        {
                            "DetailType": "SalesItemLineDetail",
                            "Amount": 10 + n,
                            "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
                        }
                    ],
                },
            )


@pytest.fixture(scope="module")
def realms(qx_emulator: Emulator) -> Iterator[Realms]:
    """Realm A (a few objects) and realm B (more, all marked), on the same database."""
    a = qx_emulator.realms.create("empty", company_name="Alpha Books")
    b = qx_emulator.realms.create("empty", company_name=f"{MARKER} Books")
    _fill(qx_emulator, a, "Alpha", 3)
    _fill(qx_emulator, b, MARKER, 14)
    yield Realms(qx_emulator, a, b)


def snapshot(emulator: Emulator, realm: Realm) -> dict[str, list[dict[str, Any]]]:
    with emulator.realms.session(realm, write=False) as s:
        return {name: s.all(name) for name in ENTITIES if name != "TaxCode"}


def check(response: httpx.Response, what: str) -> None:
    assert response.status_code in (200, 400), (
        f"{what}: {response.status_code} {response.text[:300]}"
    )
    body = jsoncodec.loads(response.text)
    if response.status_code == 400:
        assert set(body) == {"Fault", "time"}, what
        assert body["Fault"]["Error"][0]["code"] in ("4000", "4001"), f"{what}: {body}"
        assert "Traceback" not in response.text
    else:
        assert set(body) == {"QueryResponse", "time"}, what
    assert MARKER not in response.text.lower(), (
        f"{what}: realm B leaked into realm A: {response.text[:500]}"
    )


async def send(realms: Realms, texts: list[str], bodies: list[bytes]) -> None:
    transport = httpx.ASGITransport(app=create_app(realms.emulator))
    path = f"/v3/company/{realms.a.realm_id}/query"
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
        for text in texts:
            check(await client.get(path, params={"query": text}), f"GET {text!r}")
            posted = await client.post(
                path, content=text.encode(), headers={"Content-Type": "application/text"}
            )
            check(posted, f"POST {text!r}")
        for body in bodies:
            posted = await client.post(
                path, content=body, headers={"Content-Type": "application/text"}
            )
            check(posted, f"POST bytes {body!r}")


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    batch=st.lists(texts, min_size=1, max_size=8),
    bodies=st.lists(st.binary(max_size=60), max_size=3),
)
def test_hostile_queries_get_4000_or_4001_and_stay_in_their_realm(
    realms: Realms, batch: list[str], bodies: list[bytes]
) -> None:
    asyncio.run(send(realms, batch, bodies))


def test_guessing_ids_and_references_finds_only_the_own_realm(realms: Realms) -> None:
    """Realm B's ids go further than A's; every guess answers from A only (or nothing)."""
    texts = []
    for n in range(0, 40):
        texts += [
            f"SELECT * FROM Customer WHERE Id = '{n}'",
            f"SELECT * FROM Invoice WHERE CustomerRef = '{n}'",
            f"SELECT * FROM Invoice WHERE Id IN ('{n}', '{n + 1}') ORDERBY Id DESC",
        ]
    texts += [
        "SELECT * FROM Customer WHERE Active IN (true, false) MAXRESULTS 1000",
        "SELECT * FROM Invoice WHERE Id > '0' MAXRESULTS 1000",
        "SELECT count(*) FROM Invoice",
        f"SELECT * FROM Customer WHERE DisplayName LIKE '%{MARKER[:4]}%'",
        "SELECT * FROM Customer STARTPOSITION 4",
    ]
    asyncio.run(send(realms, texts, []))
    with realms.emulator.realms.session(realms.a, write=False) as s:
        assert run_query(s, "SELECT count(*) FROM Invoice") == {"totalCount": 3}
        assert run_query(s, "SELECT * FROM Customer STARTPOSITION 4") == {}


def test_injection_attempts_are_plain_values_and_change_nothing(realms: Realms) -> None:
    emulator = realms.emulator
    before = (snapshot(emulator, realms.a), snapshot(emulator, realms.b))
    tables_before = set(sqlalchemy.inspect(emulator.store.engine).get_table_names())
    texts = [_in_value(t, p) for p in INJECTIONS for t in (
        "SELECT * FROM Customer WHERE DisplayName = '{}'",
        "SELECT * FROM Customer WHERE DisplayName LIKE '{}%'",
        "SELECT * FROM Invoice WHERE DocNumber IN ('{}')",
    )] + [f"SELECT * FROM Customer WHERE DisplayName = {p}" for p in INJECTIONS]  # fmt: skip
    asyncio.run(send(realms, texts, [p.encode() for p in INJECTIONS]))
    assert set(sqlalchemy.inspect(emulator.store.engine).get_table_names()) == tables_before
    assert (snapshot(emulator, realms.a), snapshot(emulator, realms.b)) == before


def test_a_stored_attack_is_found_as_a_plain_value(qx_emulator: Emulator) -> None:
    realm = qx_emulator.realms.create("empty")
    names = [
        "'; DROP TABLE ent_customer; --",
        "\\' OR 1=1 --",
        "\u2018 OR \u20181\u2019=\u20181",
        "100%_x",
    ]
    with qx_emulator.realms.session(realm, write=True) as s:
        for name in names:
            create(s, "Customer", {"DisplayName": name})
    with qx_emulator.realms.session(realm, write=False) as s:
        for name in names:
            found = run_query(s, _in_value("SELECT * FROM Customer WHERE DisplayName = '{}'", name))
            assert [c["DisplayName"] for c in found["Customer"]] == [name]
            like = run_query(
                s, _in_value("SELECT * FROM Customer WHERE DisplayName LIKE '{}%'", name)
            )
            assert [c["DisplayName"] for c in like["Customer"]] == [name]
        # a look-alike of a quote is a character, not a quote
        assert (
            run_query(
                s, "SELECT * FROM Customer WHERE DisplayName = '\u2019 OR \u20181\u2019=\u20181'"
            )
            == {}
        )
        assert run_query(s, "SELECT count(*) FROM Customer") == {"totalCount": len(names)}
