"""Companies: isolation between realms, CompanyInfo and Preferences, locale and time zone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from qbo.emulator import Emulator, EmulatorConfig
from tests.conftest import Api
from tests.emulator.bodies import World
from tests.emulator.conftest import client_for
from tests.emulator.helpers import (
    BODY_TIME,
    META_TIME,
    body,
    check_entity,
    check_envelope,
    fault_of,
)

pytestmark = pytest.mark.anyio


async def _other_realm(api: Api, **settings: str) -> Api:
    """A second realm on the same emulator and client, created through the control plane."""
    response = await api.client.post("/_emulator/realms", json={"seed": "empty", **settings})
    assert response.status_code == 201, response.text
    return Api(api.client, api.emulator, response.json()["realmId"])


async def test_realms_are_isolated(api: Api) -> None:
    other = await _other_realm(api)
    mine = await api.create("Customer", {"DisplayName": "Isolated Ltd"})
    theirs = await other.create(
        "Customer", {"DisplayName": "Isolated Ltd"}
    )  # no 6240 across realms
    assert mine["Id"] == theirs["Id"]  # ids restart per realm
    await other.ok(
        "POST",
        "customer",
        {"Id": theirs["Id"], "SyncToken": "0", "sparse": True, "Notes": "theirs"},
    )
    assert "Notes" not in await api.read("Customer", mine["Id"])
    world = await World.load(api)
    invoice = await api.create(
        "Invoice", {"CustomerRef": {"value": mine["Id"]}, "Line": [await world.sales_line()]}
    )
    error = fault_of(await other.get(f"invoice/{invoice['Id']}"))
    assert error["code"] == "610"
    error = fault_of(
        await other.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete")
    )
    assert error["code"] == "610"
    assert (await api.read("Invoice", invoice["Id"]))["SyncToken"] == "0"


async def test_a_realm_cannot_reference_another_realms_objects(local: Api) -> None:
    other = await _other_realm(local)
    theirs = await other.create("Vendor", {"DisplayName": "Their Vendor"})
    await local.create("Vendor", {"DisplayName": "Padding"})  # so the id is not free here either
    bill = {
        "VendorRef": {"value": str(int(theirs["Id"]) + 1)},
        "Line": [
            {
                "Amount": 5,
                "DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "1"}},
            }
        ],
    }
    error = fault_of(await local.post("bill", bill))
    assert error["code"] == "2500"


async def test_company_info(api: Api) -> None:
    data = body(await api.get(f"companyinfo/{api.realm}"))
    info = check_envelope(data, "CompanyInfo", "America/Los_Angeles")
    check_entity(info, "0", "America/Los_Angeles")
    assert info["Country"] == "US"
    assert info["CompanyName"]
    assert info["DefaultTimeZone"] == "America/Los_Angeles"
    # sparse update: only what is sent changes
    updated = await api.ok(
        "POST",
        "companyinfo",
        {"Id": info["Id"], "SyncToken": "0", "sparse": True, "CompanyName": "Renamed Co"},
    )
    doc = updated["CompanyInfo"]
    check_entity(doc, "1", "America/Los_Angeles")
    assert doc["CompanyName"] == "Renamed Co"
    assert doc["LegalName"] == info["LegalName"]
    assert doc["CompanyAddr"] == info["CompanyAddr"]
    assert (await api.ok("GET", f"companyinfo/{api.realm}"))["CompanyInfo"] == doc
    # another realm's id is not this company
    other = await _other_realm(api)
    error = fault_of(await api.get(f"companyinfo/{other.realm}"))
    assert error["code"] == "610"
    error = fault_of(
        await api.post("companyinfo", {"SyncToken": "0", "sparse": True, "CompanyName": "Stale"})
    )
    assert error["code"] == "5010"


async def test_preferences(db_api: Api) -> None:
    api = db_api
    prefs = check_envelope(body(await api.get("preferences")), "Preferences", "America/Los_Angeles")
    check_entity(prefs, "0", "America/Los_Angeles")
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "USD"
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    updated = await api.ok(
        "POST",
        "preferences",
        {"SyncToken": "0", "sparse": True, "SalesFormsPrefs": {"CustomTxnNumbers": True}},
    )
    doc = updated["Preferences"]
    check_entity(doc, "1", "America/Los_Angeles")
    assert doc["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    # a sparse update of one preference keeps its siblings and the other sections
    assert doc["SalesFormsPrefs"]["DefaultTerms"] == prefs["SalesFormsPrefs"]["DefaultTerms"]
    assert doc["CurrencyPrefs"] == prefs["CurrencyPrefs"]
    assert (await api.ok("GET", "preferences"))["Preferences"] == doc
    error = fault_of(
        await api.post(
            "preferences", {"SyncToken": "0", "sparse": True, "TaxPrefs": {"UsingSalesTax": False}}
        )
    )
    assert error["code"] == "5010"
    error = fault_of(
        await api.post("preferences", {"SyncToken": "1", "sparse": True, "Colour": "blue"})
    )
    assert (error["code"], error["element"]) == ("2010", "Colour")
    error = fault_of(
        await api.post(
            "preferences", {"SyncToken": "1", "sparse": True, "SalesFormsPrefs": {"Colour": 1}}
        )
    )
    assert (error["code"], error["element"]) == ("2010", "SalesFormsPrefs.Colour")


async def test_preferences_and_company_info_are_per_realm(local: Api) -> None:
    other = await _other_realm(local, companyName="Other Books")
    await local.ok(
        "POST",
        "preferences",
        {"SyncToken": "0", "sparse": True, "SalesFormsPrefs": {"CustomTxnNumbers": True}},
    )
    theirs = (await other.ok("GET", "preferences"))["Preferences"]
    assert theirs["SyncToken"] == "0" and theirs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    info = (await other.ok("GET", f"companyinfo/{other.realm}"))["CompanyInfo"]
    assert info["CompanyName"] == "Other Books"


async def test_realm_defaults(local: Api) -> None:
    response = await local.client.post("/_emulator/realms", json={})
    assert response.status_code == 201, response.text
    realm = response.json()
    assert (realm["country"], realm["currency"], realm["timezone"]) == (
        "US",
        "USD",
        "America/Los_Angeles",
    )
    assert realm["seed"] == "empty"


async def test_realm_country_and_currency(local: Api) -> None:
    other = await _other_realm(local, country="CA", currency="CAD", timezone="America/Toronto")
    info = (await other.ok("GET", f"companyinfo/{other.realm}"))["CompanyInfo"]
    assert info["Country"] == "CA"
    prefs = (await other.ok("GET", "preferences"))["Preferences"]
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "CAD"
    customer = await other.create("Customer", {"DisplayName": "Maple Inc"})
    assert customer["CurrencyRef"] == {"value": "CAD", "name": "Canadian Dollar"}


@pytest.fixture(scope="module")
def clock_emulator() -> Iterator[Emulator]:
    """An emulator of this module's own: its tests set the clock, and each sets it first."""
    emu = Emulator.open(EmulatorConfig(db=":memory:", seed="empty"))
    yield emu
    emu.close()


async def test_timestamps_in_another_zone(clock_emulator: Emulator) -> None:
    """Asia/Kolkata is +05:30 all year: MetaData and ``time`` say so."""
    emu = clock_emulator
    async with client_for(emu) as client:
        response = await client.post("/_emulator/realms", json={"timezone": "Asia/Kolkata"})
        assert response.status_code == 201, response.text
        realm = response.json()["realmId"]
        await client.post("/_emulator/clock", json={"set": "2026-03-01T00:00:00Z"})
        api = Api(client, emu, realm)
        data = body(await api.post("customer", {"DisplayName": "Mumbai Traders"}))
        doc = check_envelope(data, "Customer", "Asia/Kolkata")
        check_entity(doc, "0", "Asia/Kolkata")
        assert doc["MetaData"]["CreateTime"] == "2026-03-01T05:30:00+05:30"
        assert data["time"].startswith("2026-03-01T05:30:0") and data["time"].endswith("+05:30")
        error = fault_of(await api.get("customer/999"))
        assert error["code"] == "610"
        fault_time = body(await api.get("customer/999"))["time"]
        assert fault_time.endswith("+05:30")
        info = (await api.ok("GET", f"companyinfo/{realm}"))["CompanyInfo"]
        assert info["DefaultTimeZone"] == "Asia/Kolkata"
        check_entity(info, "0", "Asia/Kolkata")
        # the built-in tax codes are shown in the company's zone too
        check_entity((await api.ok("GET", "taxcode/TAX"))["TaxCode"], "0", "Asia/Kolkata")


@pytest.mark.parametrize(
    ("instant", "local_time"),
    [
        ("2026-07-15T19:00:00Z", "2026-07-15T12:00:00-07:00"),  # Pacific daylight time
        ("2026-01-15T20:00:00Z", "2026-01-15T12:00:00-08:00"),  # Pacific standard time
        ("2026-03-08T09:59:59Z", "2026-03-08T01:59:59-08:00"),  # a second before the spring change
        ("2026-03-08T10:00:00Z", "2026-03-08T03:00:00-07:00"),  # the change itself
    ],
)
async def test_daylight_saving(clock_emulator: Emulator, instant: str, local_time: str) -> None:
    emu = clock_emulator
    realm = emu.realms.create("empty").realm_id
    async with client_for(emu) as client:
        set_response = await client.post("/_emulator/clock", json={"set": instant})
        assert set_response.status_code == 200, set_response.text
        api = Api(client, emu, realm)
        data = body(await api.post("customer", {"DisplayName": "Daylight"}))
        doc: dict[str, Any] = data["Customer"]
        assert doc["MetaData"]["CreateTime"] == local_time
        assert META_TIME.match(doc["MetaData"]["LastUpdatedTime"])
        assert BODY_TIME.match(data["time"]) and data["time"].endswith(local_time[-6:])
        # TxnDate defaults to the company's calendar date, not UTC's
        world = await World.load(api)
        invoice = await api.create(
            "Invoice", {"CustomerRef": {"value": doc["Id"]}, "Line": [await world.sales_line()]}
        )
        assert invoice["TxnDate"] == local_time[:10]
