"""The control plane (``/_emulator/...``): realms, reset, the clock, who may call it, and
the JSON answers for paths that do not exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from qbo.emulator import Emulator
from qbo.schema import catalogue
from tests.conftest import Api
from tests.emulator.conftest import MakeEmulator, client_for
from tests.emulator.helpers import count, fault_of

pytestmark = pytest.mark.anyio


def _error(response: httpx.Response, status: int) -> str:
    """The control plane's error shape: ``{"error": message}`` with a 4xx status."""
    assert response.status_code == status, response.text
    assert response.headers.get("intuit_tid")
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"error"} and isinstance(data["error"], str) and data["error"], data
    assert "Traceback" not in response.text
    message: str = data["error"]
    return message


async def test_list_and_create_realms(api: Api) -> None:
    response = await api.client.post(
        "/_emulator/realms",
        json={
            "seed": "empty",
            "companyName": "Control Co",
            "country": "GB",
            "currency": "GBP",
            "timezone": "Europe/London",
        },
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    created = response.json()
    assert created == {
        "realmId": created["realmId"],
        "companyName": "Control Co",
        "country": "GB",
        "currency": "GBP",
        "timezone": "Europe/London",
        "seed": "empty",
    }
    listed = await api.client.get("/_emulator/realms")
    assert listed.status_code == 200 and listed.headers.get("intuit_tid")
    realms = {r["realmId"]: r for r in listed.json()}
    assert realms[created["realmId"]] == created
    assert api.realm in realms
    other = Api(api.client, api.emulator, created["realmId"])
    info = (await other.ok("GET", f"companyinfo/{other.realm}"))["CompanyInfo"]
    assert info["CompanyName"] == "Control Co" and info["Country"] == "GB"


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"seed": "huge"}, "seed"),
        ({"seed": "large:0"}, "seed"),
        ({"seed": "large:abc"}, "seed"),
        ({"seed": "large:"}, "seed"),
        ({"country": "XX"}, "country"),
        ({"currency": "ZZZ"}, "currency"),
        ({"timezone": "Mars/Olympus_Mons"}, "time zone"),
        ({"timezone": "../../etc/passwd"}, "time zone"),
        ({"companyName": ""}, "companyName"),
        ({"companyName": "x" * 101}, "companyName"),
        ({"colour": "blue"}, "colour"),
        ({"seed": 5}, "seed"),
        ({"timezone": None}, "timezone"),
    ],
)
async def test_bad_realm_requests(local: Api, payload: dict[str, Any], words: str) -> None:
    before = len((await local.client.get("/_emulator/realms")).json())
    message = _error(await local.client.post("/_emulator/realms", json=payload), 400)
    assert words in message, message
    assert len((await local.client.get("/_emulator/realms")).json()) == before


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"demo"', b"\xff\xfe"])
async def test_realm_request_that_is_not_an_object(local: Api, raw: bytes) -> None:
    _error(await local.client.post("/_emulator/realms", content=raw), 400)


async def test_large_seed_realm(local: Api) -> None:
    response = await local.client.post("/_emulator/realms", json={"seed": "large:10"})
    assert response.status_code == 201, response.text
    big = Api(local.client, local.emulator, response.json()["realmId"])
    assert count(big, "Customer") + count(big, "Invoice") == 10


async def test_reset(api: Api) -> None:
    fresh_accounts = count(api, "Account")
    customer = await api.create("Customer", {"DisplayName": "Before Reset"})
    await api.create("Customer", {"DisplayName": "Also Before"})
    await api.ok("POST", "account", {"Name": "Extra", "AccountType": "Bank"})
    await api.ok(
        "POST",
        "preferences",
        {"SyncToken": "0", "sparse": True, "SalesFormsPrefs": {"CustomTxnNumbers": True}},
    )
    await api.post("customer", {"DisplayName": "Logged"}, requestid="rid-before-reset")

    response = await api.client.post(f"/_emulator/realms/{api.realm}/reset")
    assert response.status_code == 200, response.text
    assert response.json()["realmId"] == api.realm

    assert fault_of(await api.get(f"customer/{customer['Id']}"))["code"] == "610"
    assert count(api, "Customer") == 0
    assert count(api, "Account") == fresh_accounts
    prefs = (await api.ok("GET", "preferences"))["Preferences"]
    assert prefs["SyncToken"] == "0" and prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    again = await api.create("Customer", {"DisplayName": "After Reset"})
    assert again["Id"] == customer["Id"]  # ids restart
    replay = await api.post("customer", {"DisplayName": "Logged"}, requestid="rid-before-reset")
    assert replay.status_code == 200 and replay.json()["Customer"]["DisplayName"] == "Logged"
    assert count(api, "Customer") == 2  # the request log went with the objects


async def test_reset_unknown_realm(local: Api) -> None:
    message = _error(await local.client.post("/_emulator/realms/123/reset"), 404)
    assert "123" in message


async def test_reset_keeps_other_realms(local: Api) -> None:
    response = await local.client.post("/_emulator/realms", json={"seed": "empty"})
    other = Api(local.client, local.emulator, response.json()["realmId"])
    await other.create("Customer", {"DisplayName": "Survivor"})
    await local.create("Customer", {"DisplayName": "Casualty"})
    assert (await local.client.post(f"/_emulator/realms/{local.realm}/reset")).status_code == 200
    assert count(other, "Customer") == 1 and count(local, "Customer") == 0


async def test_reset_demo_realm_restores_the_seed(local_emulator: Emulator) -> None:
    emu = local_emulator
    realm = emu.realms.create("demo").realm_id
    async with client_for(emu) as client:
        api = Api(client, emu, realm)
        counts = {name: count(api, name) for name in ("Customer", "Invoice", "Vendor", "Item")}
        first = await api.read("Customer", "1")
        await api.ok(
            "POST",
            "customer",
            {"Id": "1", "SyncToken": first["SyncToken"], "sparse": True, "Notes": "changed"},
        )
        await api.create("Vendor", {"DisplayName": "Newcomer"})
        assert (await client.post(f"/_emulator/realms/{realm}/reset")).status_code == 200
        assert {name: count(api, name) for name in counts} == counts
        restored = await api.read("Customer", "1")
        assert {k: v for k, v in restored.items() if k != "MetaData"} == {
            k: v for k, v in first.items() if k != "MetaData"
        }


async def test_clock(make_emulator: MakeEmulator) -> None:
    emu = make_emulator()
    realm = emu.realms.list()[0].realm_id
    async with client_for(emu) as client:
        api = Api(client, emu, realm)
        now = await client.get("/_emulator/clock")
        assert now.status_code == 200
        real = datetime.fromisoformat(now.json()["now"])
        assert abs((real - datetime.now(UTC)).total_seconds()) < 60

        response = await client.post("/_emulator/clock", json={"set": "2027-05-01T10:00:00+00:00"})
        assert response.status_code == 200, response.text
        assert datetime.fromisoformat(response.json()["now"]) == datetime(
            2027, 5, 1, 10, tzinfo=UTC
        )
        created = await api.create("Customer", {"DisplayName": "Clockwork"})
        assert created["MetaData"]["CreateTime"] == "2027-05-01T03:00:00-07:00"

        response = await client.post("/_emulator/clock", json={"advance": 86400})
        assert response.status_code == 200, response.text
        moved = datetime.fromisoformat(response.json()["now"])
        assert (
            timedelta(days=1)
            <= moved - datetime(2027, 5, 1, 10, tzinfo=UTC)
            < timedelta(days=1, minutes=1)
        )
        updated = await api.ok(
            "POST",
            "customer",
            {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Notes": "later"},
        )
        meta = updated["Customer"]["MetaData"]
        assert meta["CreateTime"] == "2027-05-01T03:00:00-07:00"
        assert meta["LastUpdatedTime"].startswith("2027-05-02T03:0")
        got = datetime.fromisoformat((await client.get("/_emulator/clock")).json()["now"])
        assert got >= moved

        response = await client.post("/_emulator/clock", json={"set": "2027-05-01T12:00:00Z"})
        assert response.status_code == 200, response.text
        assert datetime.fromisoformat(response.json()["now"]) == datetime(
            2027, 5, 1, 12, tzinfo=UTC
        )


BAD_CLOCK_REQUESTS: list[Any] = [
    {"advance": -5},
    {"advance": "soon"},
    {"advance": True},
    {"advance": None},
    {"advance": 1e300},
    {"set": "yesterday"},
    {"set": "2027-05-01T10:00:00"},  # no offset
    {"set": 12},
    {"set": "2027-05-01T10:00:00Z", "advance": 5},
    {},
    {"rewind": 5},
    [1],
]


async def test_bad_clock_requests(make_emulator: MakeEmulator) -> None:
    emu = make_emulator()
    async with client_for(emu) as client:
        for payload in BAD_CLOCK_REQUESTS:
            before = datetime.fromisoformat((await client.get("/_emulator/clock")).json()["now"])
            _error(await client.post("/_emulator/clock", json=payload), 400)
            after = datetime.fromisoformat((await client.get("/_emulator/clock")).json()["now"])
            assert timedelta(0) <= after - before < timedelta(seconds=30), payload


CONTROL_CALLS = [
    ("GET", "/_emulator/realms", None),
    ("POST", "/_emulator/realms", {"seed": "empty"}),
    ("GET", "/_emulator/clock", None),
    ("POST", "/_emulator/clock", {"advance": 1}),
    ("GET", "/_emulator/health", None),
]


async def _call(
    client: httpx.AsyncClient, method: str, path: str, payload: Any, **headers: str
) -> httpx.Response:
    return await client.request(method, path, json=payload, headers=headers)


@pytest.mark.parametrize(("method", "path", "payload"), CONTROL_CALLS)
async def test_control_plane_refuses_remote_callers(
    local_emulator: Emulator, method: str, path: str, payload: Any
) -> None:
    before = len(local_emulator.realms.list())
    async with client_for(local_emulator, client=("10.0.0.5", 1234)) as remote:
        message = _error(await _call(remote, method, path, payload), 403)
        assert "loopback" in message
        # the QBO API itself is not restricted
        realm = local_emulator.realms.list()[0].realm_id
        assert (await remote.get(f"/v3/company/{realm}/preferences")).status_code == 200
    assert len(local_emulator.realms.list()) == before
    async with client_for(local_emulator, client=("::1", 1234)) as ipv6_loopback:
        assert (await ipv6_loopback.get("/_emulator/realms")).status_code == 200


async def test_reset_refused_for_remote_callers(local: Api) -> None:
    await local.create("Customer", {"DisplayName": "Keep Me"})
    async with client_for(local.emulator, client=("192.168.1.20", 5555)) as remote:
        _error(await remote.post(f"/_emulator/realms/{local.realm}/reset"), 403)
    assert count(local, "Customer") == 1


async def test_admin_token(make_emulator: MakeEmulator) -> None:
    secret = "s3cret-admin-token"
    emu = make_emulator(admin_token=secret)
    wrong: tuple[dict[str, str], ...] = (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": secret},
        {"Authorization": f"Basic {secret}"},
    )
    async with client_for(emu, client=("10.0.0.5", 1234)) as remote, client_for(emu) as loopback:
        for method, path, payload in CONTROL_CALLS:
            for client in (remote, loopback):
                for headers in wrong:
                    response = await _call(client, method, path, payload, **headers)
                    message = _error(response, 401)
                    assert secret not in response.text and secret not in message
                allowed = await _call(
                    client, method, path, payload, Authorization=f"Bearer {secret}"
                )
                assert allowed.status_code in (200, 201), allowed.text


async def test_unknown_paths_answer_json(local: Api) -> None:
    for method, path in (
        ("GET", "/nothing/here"),
        ("POST", "/v2/company/1/customer"),
        ("GET", "/_emulator/nothing"),
        ("GET", "/"),
    ):
        response = await local.client.request(method, path)
        message = _error(response, 404)
        assert path in message
    response = await local.client.request("DELETE", f"/v3/company/{local.realm}/customer/1")
    _error(response, 405)
    response = await local.client.request("PUT", "/_emulator/realms")
    _error(response, 405)


async def _identities(emu: Emulator) -> dict[str, Any]:
    realm = emu.realms.list()[0]
    result: dict[str, Any] = {"realm": realm.realm_id}
    with emu.realms.session(realm, write=False) as s:
        for name in catalogue().entities:
            result[name] = [
                (
                    doc["Id"],
                    doc.get("DisplayName") or doc.get("Name") or doc.get("DocNumber"),
                    doc.get("TotalAmt"),
                )
                for doc in s.all(name)
            ]
    return result


@pytest.mark.slow
async def test_ids_are_deterministic(make_emulator: MakeEmulator) -> None:
    first = await _identities(make_emulator(seed="demo"))
    second = await _identities(make_emulator(seed="demo"))
    assert first == second
    assert len(first["Customer"]) >= 25
