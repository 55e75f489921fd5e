"""Every catalogue entity over the wire: create, read, full and sparse update, delete or
inactivate, void, and the Unsupported Operation fault for what the operations matrix
 does not give it. Envelopes, SyncToken, MetaData and ``time`` exactly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from qbo.schema import EntityKind, Operation, catalogue
from tests.conftest import Api
from tests.emulator.bodies import CHANGE, CREATE, World
from tests.emulator.helpers import (
    body,
    check_entity,
    check_envelope,
    count,
    create,
    fault_of,
    read,
    realm_of,
    snapshot,
)

pytestmark = pytest.mark.anyio

CAT = catalogue()
CREATABLE = sorted(
    e.name for e in CAT.entities.values() if e.allows(Operation.CREATE) and e.create_path is None
)
ZONE = "America/Los_Angeles"
#: Fields a full update that leaves them out resets to a default rather than to nothing.
OMITTED_DEFAULT: dict[str, Any] = {"CompanyCurrency": True}


def test_every_creatable_entity_has_a_body() -> None:
    """The table covers the catalogue: a new entity cannot slip past the round trip."""
    assert set(CREATE) == set(CREATABLE)
    via_taxservice = {e.name for e in CAT.entities.values() if e.create_path is not None}
    assert via_taxservice == {"TaxCode", "TaxRate"}
    no_create = {e.name for e in CAT.entities.values() if not e.allows(Operation.CREATE)}
    assert no_create == {"CompanyInfo", "Preferences", "ExchangeRate", "CustomerType"}


@pytest.mark.parametrize("entity", CREATABLE)
async def test_round_trip(db_api: Api, entity: str) -> None:
    """Every entity on both databases (in-process)."""
    await _round_trip(db_api, entity)


@pytest.mark.parametrize("entity", ["Invoice", "CreditCardPaymentTxn"])
async def test_round_trip_over_every_transport(api: Api, entity: str) -> None:
    """A transaction and an entity served at a path other than its name, over a socket too."""
    await _round_trip(api, entity)


async def _round_trip(api: Api, entity: str) -> None:
    """Create, read, sparse update, full update, then delete (transactions) or inactivate."""
    definition = CAT.entity(entity)
    key = definition.json_key
    world = await World.load(api)
    create_body = await world.body(entity)
    before = count(api, entity)

    response = await api.post(definition.path, create_body, minorversion="75")
    assert response.status_code == 200, response.text
    created = check_envelope(body(response), key, ZONE)
    check_entity(created, "0", ZONE)
    assert created["MetaData"]["CreateTime"] == created["MetaData"]["LastUpdatedTime"]
    assert count(api, entity) == before + 1

    fetched = check_envelope(body(await api.get(f"{definition.path}/{created['Id']}")), key, ZONE)
    assert fetched == created

    if not definition.allows(Operation.UPDATE):
        response = await api.post(
            definition.path, {"Id": created["Id"], "SyncToken": "0", "sparse": True}
        )
        error = fault_of(response)
        assert error["code"] == "500" and error["Message"] == "Unsupported Operation"
        assert await read(api, entity, created["Id"]) == created
    else:
        prop, value = CHANGE[entity]
        sparse = {"Id": created["Id"], "SyncToken": "0", "sparse": True, prop: value}
        response = await api.post(definition.path, sparse)
        assert response.status_code == 200, response.text
        updated = check_envelope(body(response), key, ZONE)
        check_entity(updated, "1", ZONE)
        assert updated[prop] == value
        # a sparse update changes only what it sends
        unchanged = {
            k: v
            for k, v in created.items()
            if k not in (prop, "SyncToken", "MetaData", "FullyQualifiedName")
        }
        assert {k: updated.get(k) for k in unchanged} == unchanged
        assert updated["MetaData"]["CreateTime"] == created["MetaData"]["CreateTime"]

        # full update: the whole object; a writable field left out becomes empty
        full = dict(updated)
        if prop in create_body:
            full[prop] = create_body[prop]
        else:
            del full[prop]
        response = await api.post(definition.path, full)
        assert response.status_code == 200, response.text
        replaced = check_envelope(body(response), key, ZONE)
        check_entity(replaced, "2", ZONE)
        if prop in create_body:
            assert replaced[prop] == create_body[prop]
        elif entity in OMITTED_DEFAULT:
            assert replaced[prop] == OMITTED_DEFAULT[entity]
        else:
            assert prop not in replaced
        assert await read(api, entity, created["Id"]) == replaced
        created = replaced

    if definition.allows(Operation.DELETE):
        token = created["SyncToken"]
        response = await api.post(
            definition.path, {"Id": created["Id"], "SyncToken": token}, operation="delete"
        )
        assert response.status_code == 200, response.text
        deleted = check_envelope(body(response), key, ZONE)
        assert deleted == {"domain": "QBO", "status": "Deleted", "Id": created["Id"]}
        error = fault_of(await api.get(f"{definition.path}/{created['Id']}"))
        assert error["code"] == "610" and error["Message"] == "Object Not Found"
        assert count(api, entity) == before
    else:
        response = await api.post(
            definition.path,
            {"Id": created["Id"], "SyncToken": created["SyncToken"]},
            operation="delete",
        )
        error = fault_of(response)
        assert (error["code"], error["Message"]) == ("500", "Unsupported Operation")
        if definition.kind is EntityKind.NAME_LIST and definition.allows(Operation.SPARSE_UPDATE):
            token = str(int(created["SyncToken"]) + 1)
            inactive = await api.ok(
                "POST",
                definition.path,
                {
                    "Id": created["Id"],
                    "SyncToken": created["SyncToken"],
                    "sparse": True,
                    "Active": False,
                },
            )
            doc = inactive[key]
            check_entity(doc, token, ZONE)
            assert doc["Active"] is False
            if entity == "Account":
                assert doc["Name"] == created["Name"] + " (deleted)"
            assert await read(api, entity, created["Id"]) == doc
        assert count(api, entity) == before + 1


async def test_account_reactivation_drops_the_deleted_suffix(local: Api) -> None:
    account = await local.create("Account", {"Name": "Float", "AccountType": "Bank"})
    gone = await local.ok(
        "POST", "account", {"Id": account["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    )
    assert gone["Account"]["Name"] == "Float (deleted)"
    back = await local.ok(
        "POST", "account", {"Id": account["Id"], "SyncToken": "1", "sparse": True, "Active": True}
    )
    assert back["Account"]["Name"] == "Float"
    assert back["Account"]["FullyQualifiedName"] == "Float"


async def test_taxservice_creates_tax_code_and_rate(api: Api) -> None:
    agency = await api.create("TaxAgency", {"DisplayName": "City Tax Office"})
    response = await api.post(
        "taxservice/taxcode",
        {
            "TaxCode": "City Sales",
            "TaxRateDetails": [
                {
                    "TaxRateName": "City 2.5",
                    "RateValue": "2.5",
                    "TaxAgencyId": agency["Id"],
                    "TaxApplicableOn": "Sales",
                }
            ],
        },
    )
    assert response.status_code == 200, response.text
    data = check_envelope(body(response), "TaxService", ZONE)
    assert data["TaxCode"] == "City Sales"
    (detail,) = data["TaxRateDetails"]
    assert detail["TaxRateName"] == "City 2.5" and detail["RateValue"] == 2.5
    code = await api.read("TaxCode", data["TaxCodeId"])
    check_entity(code, "0", ZONE)
    assert code["Name"] == "City Sales" and code["Active"] is True
    rate_ref = code["SalesTaxRateList"]["TaxRateDetail"][0]["TaxRateRef"]
    assert rate_ref["value"] == detail["TaxRateId"]
    rate = await api.read("TaxRate", detail["TaxRateId"])
    check_entity(rate, "0", ZONE)
    assert rate["RateValue"] == 2.5 and rate["AgencyRef"]["value"] == agency["Id"]
    # tax codes and rates are never created at their own paths, updated or deleted
    for path in ("taxcode", "taxrate"):
        error = fault_of(await api.post(path, {"Name": "Nope"}))
        assert error["code"] == "500", error
    error = fault_of(
        await api.post(
            "taxcode", {"Id": code["Id"], "SyncToken": "0", "sparse": True, "Description": "x"}
        )
    )
    assert error["code"] == "500"
    error = fault_of(
        await api.post("taxrate", {"Id": rate["Id"], "SyncToken": "0"}, operation="delete")
    )
    assert error["code"] == "500"


async def test_builtin_tax_codes(db_api: Api) -> None:
    api = db_api
    tax = check_envelope(body(await api.get("taxcode/TAX")), "TaxCode", ZONE)
    assert tax["Id"] == "TAX" and tax["Taxable"] is True
    non = await api.read("TaxCode", "NON")
    assert non["Id"] == "NON" and non["Taxable"] is False


@pytest.mark.parametrize("entity", ["CompanyInfo", "Preferences", "CustomerType"])
async def test_entities_without_create(local: Api, entity: str) -> None:
    definition = CAT.entity(entity)
    bodies = {
        "CompanyInfo": {"CompanyName": "Another"},
        "Preferences": {"TaxPrefs": {"UsingSalesTax": False}},
        "CustomerType": {"Name": "Wholesale"},
    }
    before = count(local, entity)
    response = await local.post(definition.path, bodies[entity], operation="create")
    error = fault_of(response)
    assert (error["code"], error["Message"], error["type"]) == (
        "500",
        "Unsupported Operation",
        "ValidationFault",
    )
    assert count(local, entity) == before


async def _voidable(api: Api, world: World, entity: str) -> dict[str, Any]:
    return await create(api, entity, await world.body(entity))


@pytest.mark.parametrize(
    ("entity", "params"),
    [
        ("Invoice", {"operation": "void"}),
        ("Payment", {"operation": "update", "include": "void"}),
        ("SalesReceipt", {"operation": "update", "include": "void"}),
        ("BillPayment", {"operation": "update", "include": "void"}),
    ],
)
async def test_void(db_api: Api, entity: str, params: dict[str, str]) -> None:
    api = db_api
    world = await World.load(api)
    doc = await _voidable(api, world, entity)
    definition = CAT.entity(entity)
    response = await api.post(
        definition.path, {"Id": doc["Id"], "SyncToken": doc["SyncToken"], "sparse": True}, **params
    )
    assert response.status_code == 200, response.text
    voided = check_envelope(body(response), definition.json_key, ZONE)
    check_entity(voided, str(int(doc["SyncToken"]) + 1), ZONE)
    assert voided["TotalAmt"] == 0
    assert "Voided" in voided["PrivateNote"]
    if entity == "Payment":
        assert voided["Line"] == []
    for line in voided.get("Line", []):
        assert line["Amount"] == 0
    assert await read(api, entity, doc["Id"]) == voided


@pytest.mark.parametrize(
    "entity",
    sorted(
        e.name
        for e in CAT.entities.values()
        if not e.allows(Operation.VOID) and e.allows(Operation.CREATE) and e.create_path is None
    ),
)
async def test_void_unsupported(local: Api, entity: str) -> None:
    world = await World.load(local)
    doc = await create(local, entity, await world.body(entity))
    path = CAT.entity(entity).path
    for params in ({"operation": "void"}, {"operation": "update", "include": "void"}):
        response = await local.post(
            path, {"Id": doc["Id"], "SyncToken": doc["SyncToken"], "sparse": True}, **params
        )
        error = fault_of(response)
        assert error["code"] == "500", (entity, params, error)
    assert await read(local, entity, doc["Id"]) == doc


async def test_void_with_the_wrong_operation_form(local: Api) -> None:
    world = await World.load(local)
    invoice = await local.create("Invoice", await world.body("Invoice"))
    payment = await local.create("Payment", await world.body("Payment"))
    stub = {"SyncToken": "0", "sparse": True}
    error = fault_of(
        await local.post(
            "invoice", {**stub, "Id": invoice["Id"]}, operation="update", include="void"
        )
    )
    assert error["code"] == "500"
    error = fault_of(await local.post("payment", {**stub, "Id": payment["Id"]}, operation="void"))
    assert error["code"] == "500"
    assert await local.read("Invoice", invoice["Id"]) == invoice


async def test_unknown_operation(local: Api) -> None:
    customer = await local.create("Customer", {"DisplayName": "Op Test"})
    error = fault_of(
        await local.post("customer", {"Id": customer["Id"], "SyncToken": "0"}, operation="merge")
    )
    assert error["code"] == "500"


@pytest.mark.parametrize("minorversion", ["1", "40", "75", "999", "abc"])
async def test_minorversion_is_accepted(local: Api, minorversion: str) -> None:
    created = await local.ok(
        "POST", "customer", {"DisplayName": f"Minor {minorversion}"}, minorversion=minorversion
    )
    fetched = await local.ok(
        "GET", f"customer/{created['Customer']['Id']}", minorversion=minorversion
    )
    assert fetched["Customer"] == created["Customer"]


async def test_sync_token_increments_on_every_change(local: Api) -> None:
    customer = await local.create("Customer", {"DisplayName": "Counter"})
    for step in range(1, 6):
        doc = await local.ok(
            "POST",
            "customer",
            {"Id": customer["Id"], "SyncToken": str(step - 1), "sparse": True, "Notes": f"n{step}"},
        )
        assert doc["Customer"]["SyncToken"] == str(step)
    assert (await local.read("Customer", customer["Id"]))["SyncToken"] == "5"


async def test_id_and_synctoken_are_strings_even_when_sent_as_numbers(local: Api) -> None:
    customer = await local.create("Customer", {"DisplayName": "Numbers"})
    doc = await local.ok(
        "POST",
        "customer",
        {"Id": int(customer["Id"]), "SyncToken": 0, "sparse": True, "Notes": "x"},
    )
    assert doc["Customer"]["Id"] == customer["Id"] and doc["Customer"]["SyncToken"] == "1"


async def test_realm_offset_in_every_timestamp(local: Api) -> None:
    """A realm's MetaData and ``time`` carry its own zone's offset (checked against zoneinfo)."""
    zone = realm_of(local).timezone
    assert zone == ZONE
    data = body(await local.post("customer", {"DisplayName": "Offsets"}))
    check_entity(check_envelope(data, "Customer", zone), "0", zone)


def _matrix_cases() -> list[tuple[str, str]]:
    """(entity, operation) for every write the operations matrix does not give an entity."""
    cases = []
    for e in CAT.entities.values():
        if not e.allows(Operation.CREATE) or e.create_path is not None:
            cases.append((e.name, "create"))
        if not e.allows(Operation.UPDATE) and not e.allows(Operation.SPARSE_UPDATE):
            cases.append((e.name, "update"))
        if not e.allows(Operation.DELETE):
            cases.append((e.name, "delete"))
        if not e.allows(Operation.VOID):
            cases.append((e.name, "void"))
    return sorted(cases)


MATRIX_REQUESTS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "create": ({"Name": "New"}, {"operation": "create"}),
    "update": ({"Id": "1", "SyncToken": "0", "sparse": True}, {"operation": "update"}),
    "delete": ({"Id": "1", "SyncToken": "0"}, {"operation": "delete"}),
    "void": ({"Id": "1", "SyncToken": "0", "sparse": True}, {"operation": "void"}),
}


@pytest.mark.parametrize(("entity", "operation"), _matrix_cases())
async def test_operations_outside_the_matrix(local: Api, entity: str, operation: str) -> None:
    """Unsupported Operation (code 500, HTTP 400), decided before the object is even looked up."""
    payload, params = MATRIX_REQUESTS[operation]
    before = snapshot(local)
    error = fault_of(await local.post(CAT.entity(entity).path, payload, **params))
    assert (error["code"], error["Message"]) == ("500", "Unsupported Operation"), (
        entity,
        operation,
        error,
    )
    assert snapshot(local) == before


async def test_exchange_rate_read_and_update(local: Api) -> None:
    """ExchangeRate has no create: ``POST /exchangerate`` sets (updates) a day's rate."""
    await local.ok(
        "POST",
        "preferences",
        {"SyncToken": "0", "sparse": True, "CurrencyPrefs": {"MultiCurrencyEnabled": True}},
    )
    rate = {"SourceCurrencyCode": "EUR", "Rate": 1.1, "AsOfDate": "2026-01-05"}
    first = check_envelope(body(await local.post("exchangerate", rate)), "ExchangeRate", ZONE)
    check_entity(first, "0", ZONE)
    assert first["TargetCurrencyCode"] == "USD"
    read_back = await local.ok(
        "GET", "exchangerate", sourcecurrencycode="EUR", asofdate="2026-01-10"
    )
    assert read_back["ExchangeRate"] == first
    second = await local.ok("POST", "exchangerate", {**rate, "Rate": 1.2, "SyncToken": "0"})
    check_entity(second["ExchangeRate"], "1", ZONE)
    assert second["ExchangeRate"]["Rate"] == Decimal("1.2")
    stale = fault_of(await local.post("exchangerate", {**rate, "Rate": 1.3, "SyncToken": "0"}))
    assert stale["code"] == "5010"
    assert (await local.ok("GET", f"exchangerate/{first['Id']}"))["ExchangeRate"] == second[
        "ExchangeRate"
    ]
