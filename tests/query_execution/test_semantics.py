"""Hand-picked edges of the query semantics, on both databases, with explicit answers.

The property test finds disagreements between the emulator and the reference evaluator;
these pin down what both answer where the guide leaves the choice to us (the choices are
written in ``qbo.emulator.querying`` and ``qbo.query.evaluator``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from qbo.emulator import Emulator
from qbo.emulator.domain import crud
from qbo.emulator.querying import run_query, successor
from qbo.emulator.seeds.empty import create
from qbo.emulator.store.session import Realm
from qbo.emulator.store.tables import id_text
from qbo.query import evaluate, id_key, parse_and_validate
from qbo.schema import catalogue
from qbo.schema.faults import Fault

NAMES = ["Zed", "zebra", "Ábaco", "a_b", "axb", "a%b", "back\\slash", "Straße", "\U0010ffffz"]


@pytest.fixture(scope="module")
def realm(qx_emulator: Emulator) -> Iterator[Realm]:
    realm = qx_emulator.realms.create("empty", timezone="Asia/Kolkata")
    with qx_emulator.realms.session(realm, write=True) as s:
        for name in NAMES:
            create(s, "Customer", {"DisplayName": name})
    # Customer 1 is updated ten times: SyncToken "10" must sort after "9".
    for _ in range(10):
        qx_emulator.clock.advance(1)
        with qx_emulator.realms.session(realm, write=True) as s:
            doc = s.get("Customer", "1")
            assert doc is not None
            patch = {"Id": "1", "SyncToken": doc["SyncToken"], "sparse": True, "Notes": "x"}
            crud.update(s, catalogue().entity("Customer"), patch, sparse=True)
    yield realm


def both(emulator: Emulator, realm: Realm, text: str) -> Any:
    """The emulator's answer, after checking the reference evaluator gives the same."""
    validated = parse_and_validate(text)
    with emulator.realms.session(realm, write=False) as s:
        got = run_query(s, text)
        rows = s.all(validated.entity_name)
    want = evaluate(validated, rows, zone=ZoneInfo(realm.timezone))
    assert got == want.query_response(validated.entity.json_key), text
    return got


def names(answer: dict[str, Any]) -> list[str]:
    return [row["DisplayName"] for row in answer.get("Customer", [])]


def ids(answer: dict[str, Any]) -> list[str]:
    return [row["Id"] for row in answer.get("Customer", [])]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("SyncToken = '10'", ["1"]),
        ("SyncToken > '9'", ["1"]),  # numerically, not as text
        ("SyncToken = 10", ["1"]),
        ("Id = '0009'", ["9"]),  # leading zeros name the same id
        ("Id IN ('2', '99999999999999999999999999', 'abc')", ["2"]),
        ("Id < 'abc'", [str(n) for n in range(1, 10)]),  # digits sort before any text
        ("Id > '99999999999999999999999999'", []),
        ("Id >= '9223372036854775808'", []),  # past BIGINT: matches nothing, no overflow
    ],
)
def test_ids_and_sync_tokens_compare_numerically(
    qx_emulator: Emulator, realm: Realm, where: str, expected: list[str]
) -> None:
    text = f"SELECT * FROM Customer WHERE {where}"
    assert ids(both(qx_emulator, realm, text)) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("a_b", ["a_b"]),  # _ is a character, not a wildcard
        ("a%b", ["a_b", "axb", "a%b"]),
        ("%\\\\%", ["back\\slash"]),  # a backslash, escaped for the query text
        ("STRASSE", ["Straße"]),  # case folding: ß folds to ss
        ("ába%", ["Ábaco"]),
        ("\U0010ffff%", ["\U0010ffffz"]),  # a prefix with no successor character
        ("z%", ["Zed", "zebra"]),
    ],
)
def test_like(qx_emulator: Emulator, realm: Realm, pattern: str, expected: list[str]) -> None:
    quoted = pattern.replace("'", "\\'")
    answer = both(qx_emulator, realm, f"SELECT * FROM Customer WHERE DisplayName LIKE '{quoted}'")
    assert sorted(names(answer)) == sorted(expected)


def test_ordering_is_case_insensitive_by_code_point(qx_emulator: Emulator, realm: Realm) -> None:
    answer = both(qx_emulator, realm, "SELECT * FROM Customer ORDERBY DisplayName")
    assert names(answer) == sorted(NAMES, key=str.casefold)


def test_datetimes_compare_as_instants_at_any_precision(
    qx_emulator: Emulator, realm: Realm
) -> None:
    with qx_emulator.realms.session(realm, write=False) as s:
        created = s.get("Customer", "2")
    assert created is not None
    stamp = created["MetaData"]["CreateTime"]  # whole seconds, +05:30
    base = stamp[:19]
    texts = {
        "=": f"MetaData.CreateTime = '{stamp}'",
        "naive": f"MetaData.CreateTime = '{base}'",  # read in the company's zone
        "micro_after": f"MetaData.CreateTime < '{base}.000001+05:30'",
        "micro_before": f"MetaData.CreateTime > '{base}.999999+05:30'",
        "not_equal": f"MetaData.CreateTime = '{base}.0005+05:30'",
    }
    answers = {
        k: ids(both(qx_emulator, realm, f"SELECT * FROM Customer WHERE {w}"))
        for k, w in texts.items()
    }
    assert "2" in answers["="] and answers["="] == answers["naive"]
    assert "2" in answers["micro_after"]
    assert "2" not in answers["micro_before"]
    assert answers["not_equal"] == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SELECT * FROM Customer WHERE Id LIKE '1%'", "4001"),  # Ids are not strings
        ("SELECT * FROM Customer WHERE SyncToken LIKE '1%'", "4001"),
        ("SELECT * FROM RecurringTransaction WHERE Invoice.TxnDate > '2026-01-01'", "4001"),
        ("SELECT * FROM Customer WHERE DisplayName = 'a\x00b'", "4000"),
        ("SELECT * FROM Customer WHERE Id IN (" + ", ".join(["'1'"] * 1001) + ")", "4001"),
        ("SELECT * FROM Customer WHERE " + " AND ".join(["Active = true"] * 101), "4001"),
        ("SELECT * FROM Customer ORDERBY " + ", ".join(["Id"] * 21), "4001"),
    ],
)
def test_emulator_limits_and_refusals(
    qx_emulator: Emulator, realm: Realm, text: str, code: str
) -> None:
    with qx_emulator.realms.session(realm, write=False) as s, pytest.raises(Fault) as raised:
        run_query(s, text)
    assert raised.value.code == code


def test_builtin_tax_codes_are_answered_with_the_stored_ones(
    qx_emulator: Emulator, realm: Realm
) -> None:
    with qx_emulator.realms.session(realm, write=False) as s:
        answer = run_query(s, "SELECT * FROM TaxCode")
        # ascending Id: no stored codes in a new US company, then NON before TAX as text
        assert [row["Id"] for row in answer["TaxCode"]] == ["NON", "TAX"]
        assert run_query(s, "SELECT count(*) FROM TaxCode WHERE Taxable = true") == {
            "totalCount": 1
        }
        assert run_query(s, "SELECT Name FROM TaxCode WHERE Id = 'TAX'")["TaxCode"] == [
            {"Id": "TAX", "Name": "TAX", "sparse": True}
        ]


def test_id_encodings_keep_numeric_order() -> None:
    values = [
        "0",
        "7",
        "007",
        "9",
        "10",
        "99999999999999999999",
        "100000000000000000000",
        "USD",
        "abc",
    ]
    assert sorted(values, key=id_key) == sorted(values, key=id_text)
    assert id_text("007") == id_text("7")
    assert id_key("1" * 5000) > id_key("9" * 4999)  # no int conversion of client text


def test_successor_bounds_every_prefix() -> None:
    assert successor("ab") == "ac"
    assert successor("a\U0010ffff") == "b"
    assert successor("\U0010ffff") is None
    assert successor("\ud7ff") == "\ue000"  # surrogates are skipped
