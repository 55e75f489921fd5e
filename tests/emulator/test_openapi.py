"""The OpenAPI description: valid OpenAPI 3.1, complete, and true of the emulator's answers.

Completeness is checked against the same tables the server routes by (the /v3 route table,
the Starlette routes, the catalogue); truth by validating real answers of an emulator
(create, read, query, batch, CDC, report, faults) against the described schemas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.routing import Route
from typer.testing import CliRunner

from qbo.cli.main import app as cli_app
from qbo.emulator.http import routes
from qbo.emulator.http.app import served_routes
from qbo.emulator.http.inputs import ApiRequest
from qbo.emulator.http.openapi import document
from qbo.emulator.http.openapi.served_routes import BODIES, openapi_path
from qbo.schema import catalogue, jsoncodec
from tests.conftest import Api
from tests.emulator.conftest import client_for

BASE = "http://127.0.0.1:8555"
V3 = "/v3/company/{realmId}/"
DOC_URI = "urn:qbo:openapi"
BODY_TIME = "2026-11-26T09:01:18.141-08:00"

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document(served_routes(), BASE)


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    validate_spec(doc)


def _concrete(path: str) -> list[str]:
    """A /v3 path's segments after the realm, placeholders filled in."""
    filled = path.removeprefix(V3).replace("{id}", "7").replace("{name}", "ProfitAndLoss")
    return filled.split("/")


def test_every_api_route_is_described_and_each_path_goes_to_its_route(
    doc: dict[str, Any],
) -> None:
    described: set[str] = set()
    for path, methods in doc["paths"].items():
        if not path.startswith(V3):
            continue
        for method, op in methods.items():
            request = ApiRequest(method.upper(), _concrete(path), {}, b"")
            route, _ = routes.route_for(request)  # the route the server would pick
            assert op["x-qbo-route"] == f"{route.method} {route.pattern}", (method, path)
            described.add(op["x-qbo-route"])
    assert described == {f"{r.method} {r.pattern}" for r in routes.ROUTES}


def test_every_served_route_and_method_is_described(doc: dict[str, Any]) -> None:
    served = [r for r in served_routes() if isinstance(r, Route)]
    for route in served:
        if route.path.startswith("/v3/"):
            continue
        path = openapi_path(route.path)
        for method in (route.methods or set()) - {"HEAD"}:
            assert method.lower() in doc["paths"].get(path, {}), (method, path)
    assert "/_emulator/openapi.json" in doc["paths"]
    served_keys = {(m, openapi_path(r.path)) for r in served for m in (r.methods or set())}
    assert set(BODIES) <= served_keys  # no detail kept for a route that is gone


def test_every_catalogue_entity_and_type_has_a_schema(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    cat = catalogue()
    for entity in cat.entities.values():
        schema = schemas[entity.json_key]
        assert set(schema["properties"]) == set(entity.fields), entity.name
    assert set(cat.types) <= set(schemas)
    customer = schemas["Customer"]["properties"]
    assert customer["DisplayName"] == {"type": "string", "maxLength": 500}
    assert customer["MetaData"] == {
        "$ref": "#/components/schemas/ModificationMetaData",
        "readOnly": True,
    }
    assert customer["PrimaryEmailAddr"] == {"$ref": "#/components/schemas/EmailAddress"}
    assert schemas["Invoice"]["properties"]["Line"]["type"] == "array"


def test_entity_paths_follow_the_operations_each_entity_allows(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    assert "get" in paths[V3 + "invoice/{id}/pdf"]
    assert V3 + "bill/{id}/pdf" not in paths  # bills have no PDF
    assert V3 + "taxcode" not in paths  # tax codes are created through TaxService
    assert V3 + "creditcardpayment" in paths  # the entity's path, not its name
    write = paths[V3 + "invoice"]["post"]
    operation = next(p for p in write["parameters"] if p["name"] == "operation")
    assert operation["schema"]["enum"] == ["create", "update", "delete", "void"]
    names = {p["name"] for p in write["parameters"]}
    assert {"realmId", "minorversion", "requestid", "include", "operation"} <= names
    assert write["security"] == [{"bearer": []}, {"oauth2": ["com.intuit.quickbooks.accounting"]}]
    batch = paths[V3 + "batch"]["post"]["parameters"]
    assert next(p for p in batch if p["name"] == "requestid")["schema"]["maxLength"] == 36


async def test_the_emulator_serves_its_description(local: Api, doc: dict[str, Any]) -> None:
    response = await local.client.get("/_emulator/openapi.json")
    assert response.status_code == 200
    served = response.json()
    assert served["servers"] == [{"url": "http://emulator.test"}]
    assert served["paths"] == json.loads(json.dumps(doc["paths"]))


def test_the_cli_writes_the_same_description(tmp_path: Path, doc: dict[str, Any]) -> None:
    out = tmp_path / "openapi.json"
    result = CliRunner().invoke(cli_app, ["emulator", "openapi", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == json.loads(json.dumps(doc))
    printed = CliRunner().invoke(cli_app, ["emulator", "openapi", "--base-url", "http://x:1"])
    assert json.loads(printed.stdout)["servers"] == [{"url": "http://x:1"}]


# -- real answers against the described schemas ---------------------------------------


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def check_answer(doc: dict[str, Any], path: str, method: str, status: int, body: Any) -> None:
    """Validate ``body`` against the schema the description gives for that answer."""
    responses = doc["paths"][path][method]["responses"]
    key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
    pointer = "/".join(
        _escape(p)
        for p in ("paths", path, method, "responses", key, "content", "application/json", "schema")
    )
    registry = Registry().with_resource(
        DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator(
        {"$ref": f"{DOC_URI}#/{pointer}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, (method, path, status, errors[:5])


async def _answer(
    local: Api, method: str, rest: str, body: Any = None, **params: str
) -> tuple[int, Any]:
    if method == "GET":
        response = await local.get(rest, **params)
    else:
        response = await local.post(rest, body, **params)
    return response.status_code, jsoncodec.loads(response.text)


async def test_real_answers_match_the_description(local: Api, doc: dict[str, Any]) -> None:
    customer = {"DisplayName": "Ada", "PrimaryEmailAddr": {"Address": "ada@example.com"}}
    status, created = await _answer(local, "POST", "customer", customer)
    assert status == 200
    check_answer(doc, V3 + "customer", "post", status, created)
    item_id = created["Customer"]["Id"]

    status, read = await _answer(local, "GET", f"customer/{item_id}")
    check_answer(doc, V3 + "customer/{id}", "get", status, read)

    status, rows = await _answer(local, "GET", "query", query="select * from Customer")
    assert rows["QueryResponse"]["Customer"]
    check_answer(doc, V3 + "query", "get", status, rows)

    batch = {
        "BatchItemRequest": [
            {"bId": "1", "operation": "create", "Customer": {"DisplayName": "Grace"}},
            {"bId": "2", "Query": "select count(*) from Customer"},
            {"bId": "3", "operation": "create", "Customer": {"DisplayName": "Ada"}},  # 6240
            {"bId": "4", "CDCQuery": {"Entities": "Customer", "ChangedSince": "2000-01-01"}},
        ]
    }
    status, answered = await _answer(local, "POST", "batch", batch)
    assert status == 200 and "Fault" in answered["BatchItemResponse"][2]
    check_answer(doc, V3 + "batch", "post", status, answered)

    since = created["Customer"]["MetaData"]["CreateTime"]
    status, changes = await _answer(
        local, "GET", "cdc", entities="Customer,Invoice", changedSince=since
    )
    check_answer(doc, V3 + "cdc", "get", status, changes)

    status, report = await _answer(local, "GET", "reports/ProfitAndLoss")
    check_answer(doc, V3 + "reports/{name}", "get", status, report)


async def test_faults_match_the_description(local: Api, doc: dict[str, Any]) -> None:
    status, missing = await _answer(local, "GET", "invoice/999")
    assert status == 400 and missing["Fault"]["Error"][0]["code"] == "610"
    check_answer(doc, V3 + "invoice/{id}", "get", status, missing)

    status, bad_query = await _answer(local, "GET", "query", query="select * from Nothing")
    assert status == 400 and "element" not in bad_query["Fault"]["Error"][0]
    check_answer(doc, V3 + "query", "get", status, bad_query)

    status, unknown = await _answer(local, "POST", "customer", {"DisplayName": "X", "Nope": 1})
    assert status == 400 and unknown["Fault"]["Error"][0]["code"] == "2010"
    check_answer(doc, V3 + "customer", "post", status, unknown)


async def test_gateway_faults_match_the_description(
    make_emulator: Any, doc: dict[str, Any]
) -> None:
    from qbo.emulator import AuthMode

    emulator = make_emulator(auth=AuthMode.OAUTH)
    realm = emulator.realms.create("empty")
    async with client_for(emulator) as client:
        response = await client.get(f"/v3/company/{realm.realm_id}/customer/1")
    assert response.status_code == 401
    check_answer(doc, V3 + "customer/{id}", "get", 401, response.json())


def test_the_check_rejects_answers_unlike_the_description(doc: dict[str, Any]) -> None:
    """The schemas have teeth: a wrong type deep inside, or a stray envelope key, fails."""
    path = V3 + "customer/{id}"
    good = {"Customer": {"Id": "1", "PrimaryEmailAddr": {"Address": "a@b.c"}}, "time": BODY_TIME}
    check_answer(doc, path, "get", 200, good)
    wrong_type = {"Customer": {"PrimaryEmailAddr": {"Address": 5}}, "time": BODY_TIME}
    stray_key = {**good, "extra": 1}
    bad_fault = {
        "Fault": {"Error": [{"Message": "m", "Detail": "d"}], "type": "X"},
        "time": BODY_TIME,
    }
    for body, status in ((wrong_type, 200), (stray_key, 200), (bad_fault, 400)):
        with pytest.raises(AssertionError):
            check_answer(doc, path, "get", status, body)
