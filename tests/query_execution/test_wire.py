"""The query endpoint's wire contract, on every backend and transport.

These run through the 4-way ``api`` fixture (SQLite and PostgreSQL, in-process and over a
socket) and assert exact shapes: pages, empty answers, counts, projections, the name-list
Active rule, case-insensitivity, escapes, quoted numbers, references, both request forms,
and the faults for OR, JOIN, unknown properties and paging limits.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from qbo.emulator.seeds.empty import create
from qbo.emulator.store.session import Realm
from qbo.schema import jsoncodec
from tests.conftest import Api

pytestmark = pytest.mark.anyio


async def query(api: Api, text: str, via: str = "get") -> httpx.Response:
    if via == "get":
        return await api.get("query", query=text)
    return await api.client.post(
        api.path("query"), content=text.encode(), headers={"Content-Type": "application/text"}
    )


async def answer(api: Api, text: str, via: str = "get") -> dict[str, Any]:
    response = await query(api, text, via)
    assert response.status_code == 200, response.text
    body = jsoncodec.loads(response.text)
    assert set(body) == {"QueryResponse", "time"}
    result: dict[str, Any] = body["QueryResponse"]
    return result


def names(result: dict[str, Any], key: str = "Customer") -> list[str]:
    return [row.get("DisplayName", row.get("Name")) for row in result.get(key, [])]


async def people(api: Api) -> dict[str, dict[str, Any]]:
    """Alpha, beta, O'Brien (active) and Gone (inactive), created in that order."""
    made = {}
    for name in ("Alpha", "beta", "O'Brien", "Gone"):
        made[name] = await api.create("Customer", {"DisplayName": name})
    gone = made["Gone"]
    made["Gone"] = await api.create(
        "Customer",
        {"Id": gone["Id"], "SyncToken": gone["SyncToken"], "sparse": True, "Active": False},
    )
    return made


async def test_pages_empty_answers_counts_and_the_active_rule(api: Api) -> None:
    await people(api)
    everyone = await answer(api, "SELECT * FROM Customer")
    assert names(everyone) == ["Alpha", "beta", "O'Brien"]  # active only, ascending Id
    assert everyone["startPosition"] == 1
    assert everyone["maxResults"] == 3  # the number of rows returned
    assert set(everyone) == {"Customer", "startPosition", "maxResults"}
    page = await answer(api, "SELECT * FROM Customer STARTPOSITION 2 MAXRESULTS 1")
    assert (names(page), page["startPosition"], page["maxResults"]) == (["beta"], 2, 1)
    assert await answer(api, "SELECT * FROM Customer WHERE DisplayName = 'nobody'") == {}
    assert await answer(api, "SELECT * FROM Customer STARTPOSITION 4") == {}
    assert await answer(api, "SELECT count(*) FROM Customer") == {"totalCount": 3}
    assert await answer(api, "SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)") == {
        "totalCount": 4
    }
    assert await answer(api, "SELECT count(*) FROM Customer WHERE DisplayName = 'x'") == {
        "totalCount": 0
    }
    both = await answer(api, "SELECT * FROM Customer WHERE Active IN (true, false)")
    assert names(both) == ["Alpha", "beta", "O'Brien", "Gone"]
    inactive = await answer(api, "SELECT * FROM Customer WHERE Active = false")
    assert names(inactive) == ["Gone"]
    assert names(await answer(api, "SELECT * FROM Customer WHERE Active = true")) == [
        "Alpha",
        "beta",
        "O'Brien",
    ]


async def test_case_insensitivity_escapes_quoted_numbers_and_references(api: Api) -> None:
    made = await people(api)
    text = "sElEcT * fRoM customer wHeRe displayname = 'ALPHA' OrderBy DisplayName dEsC"
    assert names(await answer(api, text)) == ["Alpha"]
    assert names(
        await answer(api, "select * from Customer where DisplayName >= 'B' orderby DisplayName")
    ) == [
        "beta",
        "O'Brien",
    ]
    assert names(await answer(api, r"SELECT * FROM Customer WHERE DisplayName = 'o\'brien'")) == [
        "O'Brien"
    ]
    assert names(await answer(api, r"SELECT * FROM Customer WHERE DisplayName LIKE '%\'B%'")) == [
        "O'Brien"
    ]
    assert names(await answer(api, "SELECT * FROM Customer WHERE DisplayName LIKE 'b_ta'")) == []
    accounts = await answer(api, "SELECT * FROM Account WHERE Name = 'Services'")
    item = await api.create(
        "Item",
        {
            "Name": "Work",
            "Type": "Service",
            "IncomeAccountRef": {"value": accounts["Account"][0]["Id"]},
        },
    )
    invoices = []
    for who, amount in (("Alpha", 300), ("beta", 12.5), ("Alpha", 40)):
        line = {
            "DetailType": "SalesItemLineDetail",
            "Amount": amount,
            "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
        }
        body = {"CustomerRef": {"value": made[who]["Id"]}, "Line": [line]}
        invoices.append(await api.create("Invoice", body))
    ids = [i["Id"] for i in invoices]

    async def invoice_ids(where: str) -> list[str]:
        result = await answer(api, f"SELECT * FROM Invoice WHERE {where}")
        return [row["Id"] for row in result.get("Invoice", [])]

    assert await invoice_ids("TotalAmt > '299.99'") == [ids[0]]
    assert await invoice_ids("TotalAmt = '300.00'") == [ids[0]]
    assert await invoice_ids("TotalAmt = 300") == [ids[0]]
    assert await invoice_ids("TotalAmt <= 40") == [ids[1], ids[2]]
    alpha = made["Alpha"]["Id"]
    assert await invoice_ids(f"CustomerRef = '{alpha}'") == [ids[0], ids[2]]
    assert await invoice_ids(f"CustomerRef = {alpha}") == [ids[0], ids[2]]
    assert await invoice_ids(f"CustomerRef IN ('{made['beta']['Id']}', '999')") == [ids[1]]
    assert await invoice_ids("CustomerRef = '999'") == []


async def test_projections_are_sparse_and_carry_the_id(api: Api) -> None:
    await people(api)
    result = await answer(api, "SELECT DisplayName, MetaData.CreateTime FROM Customer MAXRESULTS 2")
    assert result["maxResults"] == 2
    for row in result["Customer"]:
        assert set(row) == {"Id", "DisplayName", "MetaData", "sparse"}
        assert row["sparse"] is True
        assert set(row["MetaData"]) == {"CreateTime"}
    assert names(result) == ["Alpha", "beta"]


async def test_get_and_post_forms_answer_alike(api: Api) -> None:
    await people(api)
    text = "SELECT * FROM Customer WHERE DisplayName LIKE '%a%' ORDERBY DisplayName DESC"
    got = await answer(api, text, "get")
    posted = await answer(api, text, "post")
    assert got == posted
    assert names(got) == ["beta", "Alpha"]
    empty = await query(api, "", "post")
    assert (await api.fault(empty))["code"] == "4000"
    missing = await api.get("query")
    assert (await api.fault(missing))["code"] == "4000"


FAULTS = [
    (
        "SELECT * FROM Customer WHERE DisplayName = 'a' OR Active = true",
        "4000",
        'Encountered " <IDENTIFIER> "OR "" at line 1, column 48',
    ),
    (
        "select * from Invoice JOIN Customer",
        "4000",
        'Encountered " <IDENTIFIER> "JOIN "" at line 1, column 23',
    ),
    (
        "SELECT * FROM Customer WHERE Nonsense = '1'",
        "4001",
        "Property Nonsense not found for Entity Customer",
    ),
    (
        "SELECT * FROM Customer WHERE PrimaryEmailAddr = 'a@b.c'",
        "4001",
        "property 'PrimaryEmailAddr' is not queryable",
    ),
    ("SELECT * FROM Customer ORDERBY BillAddr", "4001", "property 'BillAddr' is not sortable"),
    ("SELECT * FROM Customer MAXRESULTS 1001", "4001", "MAXRESULTS must be between 1 and 1000"),
    ("SELECT * FROM Nothing", "4001", "entity 'Nothing' is not found"),
]


async def test_faults(api: Api) -> None:
    for text, code, detail in FAULTS:
        for via in ("get", "post"):
            error = await api.fault(await query(api, text, via))
            assert error["code"] == code, text
            assert error["Message"] == (
                "Error parsing query" if code == "4000" else "Invalid query"
            )
            assert detail in error["Detail"], error


async def test_default_page_is_100_rows_in_numeric_id_order(api: Api) -> None:
    realm = api.emulator.realms.get(api.realm)
    assert isinstance(realm, Realm)
    with api.emulator.realms.session(realm, write=True) as s:  # fast: no HTTP per object
        for n in range(105):
            create(s, "Customer", {"DisplayName": f"Person {104 - n:03d}"})
    first = await answer(api, "SELECT * FROM Customer")
    ids = [int(row["Id"]) for row in first["Customer"]]
    assert ids == list(range(1, 101))  # numeric: 9 before 10 before 100
    assert (first["startPosition"], first["maxResults"]) == (1, 100)
    rest = await answer(api, "SELECT * FROM Customer STARTPOSITION 101")
    assert [int(row["Id"]) for row in rest["Customer"]] == [101, 102, 103, 104, 105]
    assert (rest["startPosition"], rest["maxResults"]) == (101, 5)
    ordered = await answer(api, "SELECT Id FROM Customer ORDERBY DisplayName MAXRESULTS 3")
    assert [row["Id"] for row in ordered["Customer"]] == ["105", "104", "103"]
