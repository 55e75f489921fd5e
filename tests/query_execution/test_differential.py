"""The emulator's SQL answers every query exactly as the reference evaluator does.

Random companies (``company.py``) and random valid queries (``queries.py``) on SQLite and
PostgreSQL: the same rows, in the same order, the same pages, counts and projections as
:func:`qbo.query.evaluate` over the same objects read back from the emulator. Queries go
through HTTP in-process (GET and POST forms) or straight to ``run_query``.
"""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbo.emulator import Emulator, create_app
from qbo.emulator.querying import run_query
from qbo.query import Query, evaluate, parse_and_validate, to_text
from qbo.schema import jsoncodec
from qbo.schema.faults import Fault

from .company import Company, build, plans
from .queries import ENTITIES, queries

QUERIES_PER_COMPANY = 24
#: Companies per backend; raise it for a deeper local run (QBO_QUERYEXEC_EXAMPLES=300).
EXAMPLES = int(os.environ.get("QBO_QUERYEXEC_EXAMPLES", "40"))


def expected(company: Company, docs: dict[str, list[dict[str, Any]]], text: str) -> Any:
    """What the reference evaluator answers: a QueryResponse, or a fault code."""
    try:
        validated = parse_and_validate(text)
    except Fault as fault:
        return ("fault", fault.code)
    zone = ZoneInfo(company.realm.timezone)
    result = evaluate(validated, docs[validated.entity_name], zone=zone)
    return result.query_response(validated.entity.json_key)


async def actual(company: Company, client: httpx.AsyncClient, text: str, via: str) -> Any:
    """What the emulator answers, through ``via`` (direct, get or post)."""
    if via == "direct":
        emulator = company.emulator
        try:
            with emulator.realms.session(company.realm, write=False) as s:
                return run_query(s, text)
        except Fault as fault:
            return ("fault", fault.code)
    path = f"/v3/company/{company.realm.realm_id}/query"
    if via == "get":
        response = await client.get(path, params={"query": text})
    else:
        response = await client.post(
            path, content=text.encode(), headers={"Content-Type": "application/text"}
        )
    body = jsoncodec.loads(response.text)
    if response.status_code == 400:
        return ("fault", body["Fault"]["Error"][0]["code"])
    assert response.status_code == 200, response.text
    return body["QueryResponse"]


async def compare_all(company: Company, drawn: list[tuple[Query, str]]) -> None:
    docs = {name: company.docs(name) for name in ENTITIES}
    transport = httpx.ASGITransport(app=create_app(company.emulator))
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
        for query, via in drawn:
            text = to_text(query)
            want = expected(company, docs, text)
            got = await actual(company, client, text, via)
            assert got == want, f"{via}: {text}\n  emulator: {got}\n  reference: {want}"


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(plan=plans(), data=st.data())
def test_emulator_agrees_with_the_reference_evaluator(
    qx_emulator: Emulator, plan: dict[str, Any], data: st.DataObject
) -> None:
    company = build(qx_emulator, plan)
    docs = {name: company.docs(name) for name in ENTITIES}
    drawn: list[tuple[Query, str]] = []
    for _ in range(QUERIES_PER_COMPANY):
        entity = data.draw(st.sampled_from(ENTITIES), label="entity")
        query = data.draw(queries(entity, docs[entity]), label="query")
        via = data.draw(st.sampled_from(["direct", "direct", "get", "post"]), label="via")
        drawn.append((query, via))
    asyncio.run(compare_all(company, drawn))


def test_the_generated_companies_are_not_trivial(qx_emulator: Emulator) -> None:
    """A guard on the generator: a fixed plan yields rows of every kind the test needs."""
    plan = {
        "zone": "Pacific/Chatham",
        "steps": [
            {"kind": "customer", "gap": 5, "pick": 0, "name": "Ácme 100%", "given": "Zoë",
             "company": None, "notes": "it's"},
            {"kind": "subcustomer", "gap": 70, "pick": 0, "name": "acme_sub", "given": None,
             "company": "ACME", "notes": None},
            {"kind": "item", "gap": 0, "pick": 0, "name": "O'Brien", "price": None, "sku": "a%b"},
            {"kind": "invoice", "gap": 3, "pick": 1, "date": None, "due": None, "doc": "10",
             "lines": [Decimal("12.34")], "note": None},
            {"kind": "inactivate", "gap": 1, "pick": 1, "entity": "Customer"},
        ],
    }  # fmt: skip
    company = build(qx_emulator, plan)
    assert company.skipped == 0
    customers = company.docs("Customer")
    assert [c["Active"] for c in customers] == [True, False]
    assert customers[1]["ParentRef"]["value"] == customers[0]["Id"]
    invoices = company.docs("Invoice")
    assert invoices[0]["CustomerRef"]["value"] == customers[1]["Id"]
    times = {c["MetaData"]["LastUpdatedTime"] for c in customers}
    assert len(times) == 2
