"""Hostile input over the wire: huge, malformed, unstorable and out-of-range values.

Every request gets QBO's fault (or the control plane's JSON error), never a 500 or a
stack trace, and leaves the realm exactly as it was. These run on both databases, since
what a database refuses (a NUL byte in PostgreSQL text) differs between them.
"""

from __future__ import annotations

import pytest

from qbo.schema import jsoncodec
from tests.conftest import Api
from tests.emulator.bodies import World
from tests.emulator.helpers import body, fault_of, snapshot

pytestmark = pytest.mark.anyio

MB = 1024 * 1024


async def _rejected(
    api: Api, path: str, raw: str | bytes, code: str, element: str | None = None, **params: str
) -> dict[str, str]:
    before = snapshot(api)
    response = await api.post(path, raw, **params)
    error = fault_of(response)
    assert error["code"] == code, error
    if element is not None:
        assert error["element"] == element, error
    assert snapshot(api) == before
    return error


async def test_one_megabyte_display_name(api: Api) -> None:
    error = await _rejected(
        api, "customer", jsoncodec.dumps({"DisplayName": "x" * MB}), "2050", "DisplayName"
    )
    assert "Max Length:500" in error["Detail"] and str(MB) in error["Detail"]
    assert len(error["Detail"]) < 500  # the value is not echoed back


async def test_body_over_the_size_cap(api: Api) -> None:
    cap = api.emulator.config.max_body_bytes
    raw = jsoncodec.dumps({"DisplayName": "Big", "Notes": "n" * cap})
    error = await _rejected(api, "customer", raw, "6000")
    assert str(cap) in error["Detail"]
    just_under = jsoncodec.dumps({"DisplayName": "Big enough", "Notes": "n" * 1000})
    assert (await api.post("customer", just_under)).status_code == 200


async def test_many_lines(db_api: Api) -> None:
    """A large but valid body is served, not refused."""
    api = db_api
    world = await World.load(api)
    lines = [await world.sales_line(2) for _ in range(300)]
    invoice = await api.create("Invoice", {"CustomerRef": await world.customer(), "Line": lines})
    assert invoice["TotalAmt"] == 600 and len(invoice["Line"]) == 301


@pytest.mark.parametrize(
    ("raw", "element"),
    [
        ('{"DisplayName": "nul\\u0000inside"}', "DisplayName"),
        ('{"DisplayName": "bell\\u0007"}', "DisplayName"),
        ('{"DisplayName": "half \\ud800 surrogate"}', "DisplayName"),
        ('{"DisplayName": "ok", "BillAddr": {"City": "a\\u0000b"}}', "BillAddr.City"),
        ('{"DisplayName": "ok", "ParentRef": {"value": "1\\u0000"}}', "ParentRef.value"),
        ('{"DisplayName": "ok", "nul\\u0000key": 1}', None),
        ('{"DisplayName": "ok", "\\udfff": 1}', None),
    ],
)
async def test_unstorable_characters(db_api: Api, raw: str, element: str | None) -> None:
    api = db_api
    error = await _rejected(api, "customer", raw, "2010", element)
    assert "\x00" not in error["element"]


async def test_tabs_and_newlines_are_text(db_api: Api) -> None:
    api = db_api
    customer = await api.create(
        "Customer", {"DisplayName": "Tabbed", "Notes": "line one\n\tline two\r\n"}
    )
    assert customer["Notes"] == "line one\n\tline two\r\n"
    unicode = await api.create("Customer", {"DisplayName": "Café Zürich 東京 🌿"})
    assert (await api.read("Customer", unicode["Id"]))["DisplayName"] == "Café Zürich 東京 🌿"


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"DisplayName": "deep", "BillAddr": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}",
        '{"DisplayName": NaN}',
        '{"DisplayName": "x", "Taxable": Infinity}',
        b'{"DisplayName": "\xff\xfe"}',
        "null",
        "42",
        '"just a string"',
        '{"DisplayName": "trailing"} garbage',
    ],
)
async def test_bodies_that_are_not_entities(db_api: Api, raw: str | bytes) -> None:
    api = db_api
    await _rejected(api, "customer", raw, "2010")


@pytest.mark.parametrize(
    "object_id", [" 1", "01", "+1", "1.0", "-1", "0", "\uff11", 10**20, "1e3", "", "null"]
)
async def test_non_canonical_ids_name_nothing(db_api: Api, object_id: object) -> None:
    api = db_api
    customer = await api.create("Customer", {"DisplayName": "Canonical"})
    assert customer["Id"] == "1"
    before = snapshot(api)
    update = {"Id": object_id, "SyncToken": "0", "sparse": True, "Notes": "sneaky"}
    error = fault_of(await api.post("customer", update))
    assert error["code"] in ("610", "2020"), error
    assert snapshot(api) == before


@pytest.mark.parametrize(
    "object_id",
    # %0A: a newline, which the router once stopped at (a bare 404 instead of QBO's fault)
    ["%201", "01", "abc", "99999999999999999999999", "1%00", "-1", "1%0A", "a%0Ab"],
)
async def test_reads_of_odd_ids(db_api: Api, object_id: str) -> None:
    api = db_api
    await api.create("Customer", {"DisplayName": "Read Me"})
    error = fault_of(await api.get(f"customer/{object_id}"))
    assert error["code"] == "610"


@pytest.mark.parametrize(
    "token", ["99999999999999999999999", "-1", "1.0", " 0", "abc", 10**30, True]
)
async def test_odd_sync_tokens_are_stale(db_api: Api, token: object) -> None:
    api = db_api
    customer = await api.create("Customer", {"DisplayName": "Tokens"})
    before = snapshot(api)
    error = fault_of(
        await api.post(
            "customer", {"Id": customer["Id"], "SyncToken": token, "sparse": True, "Notes": "x"}
        )
    )
    assert error["code"] in ("5010", "2010"), error
    assert snapshot(api) == before


async def test_odd_request_ids(db_api: Api) -> None:
    api = db_api
    before = snapshot(api)
    for request_id in ("a\x00b", "tab\there", " ", "\u2028"):
        error = fault_of(await api.post("customer", {"DisplayName": "Rid"}, requestid=request_id))
        assert error["code"] == "6000" and error["element"] == "requestid", error
    assert snapshot(api) == before


async def test_unknown_resource_paths(api: Api) -> None:
    before = snapshot(api)
    for path in (
        "nosuchentity",
        "customer/1/sub",
        "nosuch%ED%A0%80",
        "taxservice/taxrate",
        "_emulator/realms",
    ):
        error = fault_of(await api.post(path, {"Name": "x"}, requestid=f"rid-{len(path)}"))
        assert error["code"] == "6000", (path, error)
        assert "not part of the API" in error["Detail"]
    error = fault_of(await api.get("nosuchentity/1"))
    assert error["code"] == "6000"
    assert snapshot(api) == before


async def test_unknown_realm_ids(db_api: Api) -> None:
    api = db_api
    for realm in ("0", "abc", "1%00", "9" * 40):
        response = await api.client.get(f"/v3/company/{realm}/customer/1")
        assert response.status_code == 403, response.text
        assert body(response)["fault"]["error"][0]["code"] == "3100"


async def test_control_plane_hostile_values(db_api: Api) -> None:
    api = db_api
    before = len((await api.client.get("/_emulator/realms")).json())
    for payload in (
        {"companyName": "nul\x00name"},
        {"companyName": "\u2028"},
        {"timezone": "Europe/\x00"},
        {"country": "U\x00S"},
        {"seed": "demo\x00"},
    ):
        response = await api.client.post("/_emulator/realms", content=jsoncodec.dumps(payload))
        assert response.status_code == 400, response.text
        assert set(response.json()) == {"error"}
    nested = "[" * 100_000 + "]" * 100_000
    response = await api.client.post("/_emulator/realms", content=nested)
    assert response.status_code == 400 and set(response.json()) == {"error"}
    response = await api.client.post("/_emulator/realms/1%00/reset")
    assert response.status_code == 404 and set(response.json()) == {"error"}
    assert len((await api.client.get("/_emulator/realms")).json()) == before


async def test_tax_service_refuses_unstorable_names(db_api: Api) -> None:
    api = db_api
    agency = await api.create("TaxAgency", {"DisplayName": "Nul Agency"})
    detail = {"TaxRateName": "r", "RateValue": 1, "TaxAgencyId": agency["Id"]}
    await _rejected(
        api,
        "taxservice/taxcode",
        jsoncodec.dumps({"TaxCode": "a\x00b", "TaxRateDetails": [detail]}),
        "2010",
    )
