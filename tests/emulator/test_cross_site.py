"""A web page in the user's browser cannot drive the emulator: Host, Origin, Content-Type."""

from __future__ import annotations

import httpx
import pytest

from qbo.emulator import create_app
from qbo.emulator.http.crosssite import host_allowed
from qbo.testing import ServerThread
from tests.conftest import Api
from tests.emulator.bodies import World
from tests.emulator.conftest import MakeEmulator, client_for
from tests.emulator.helpers import count

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("host", "served"),
    [
        ("localhost:8555", True),
        ("127.0.0.1:8555", True),
        ("[::1]:8555", True),
        ("10.1.2.3", True),
        ("app.localhost", True),
        ("emulator", True),  # a container's name
        ("emulator.test", True),
        ("attacker.com", False),
        ("127.0.0.1.nip.io:8555", False),
        ("", False),
    ],
)
def test_hosts_served(host: str, served: bool) -> None:
    assert host_allowed(host, ()) is served
    assert host_allowed(host, ("attacker.com", "127.0.0.1.nip.io")) is (host != "")


async def test_a_rebound_host_reads_and_writes_nothing(local: Api) -> None:
    rebound = {"Host": "attacker.com:8555"}
    apps = await local.client.get("/_emulator/apps", headers=rebound)
    assert apps.status_code == 403 and "--allowed-host attacker.com" in apps.json()["error"]
    read = await local.client.get(local.path("companyinfo/" + local.realm), headers=rebound)
    assert read.status_code == 403 and "Fault" in read.json()
    write = await local.client.post(
        local.path("customer"),
        json={"DisplayName": "Rebound"},
        headers=rebound,
    )
    assert write.status_code == 403
    assert count(local, "Customer") == 0


async def test_a_configured_host_is_served(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(allowed_hosts=("qbo.corp.example.com",))
    async with client_for(emulator) as client:
        answer = await client.get("/_emulator/realms", headers={"Host": "qbo.corp.example.com"})
        assert answer.status_code == 200, answer.text


async def test_a_foreign_origin_cannot_reset_a_realm(local: Api) -> None:
    await local.create("Customer", {"DisplayName": "Survivor"})
    reset = f"/_emulator/realms/{local.realm}/reset"
    for origin in ("http://attacker.com", "null", "http://localhost:3000"):
        refused = await local.client.post(reset, headers={"Origin": origin})
        assert refused.status_code == 403, (origin, refused.text)
        assert "cross-origin" in refused.json()["error"]
    assert count(local, "Customer") == 1
    own = await local.client.post(reset, headers={"Origin": "http://emulator.test"})
    assert own.status_code == 200, own.text
    assert count(local, "Customer") == 0


async def test_text_plain_writes_are_refused(local: Api) -> None:
    """What a page may send without asking: text/plain JSON, to the data and control planes."""
    plain = {"Content-Type": "text/plain"}
    create = await local.client.post(
        local.path("customer"), content=b'{"DisplayName": "Forged"}', headers=plain
    )
    assert create.status_code == 415 and "application/json" in create.text
    fault = await local.client.post(
        "/_emulator/faults", content=b'{"status": 500, "times": 9}', headers=plain
    )
    assert fault.status_code == 415
    assert (await local.client.get("/_emulator/faults")).json() in ([], {"faults": []})
    assert count(local, "Customer") == 0


async def test_the_types_qbo_takes_are_served(local: Api) -> None:
    query = await local.client.post(
        local.path("query"),
        content=b"select * from Customer",
        headers={"Content-Type": "application/text"},
    )
    assert query.status_code == 200, query.text
    created = await local.client.post(
        local.path("customer"),
        content=b'{"DisplayName": "Charset"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert created.status_code == 200, created.text
    world = await World.load(local)
    body = {"CustomerRef": await world.customer(), "Line": [await world.sales_line()]}
    invoice = await local.create("Invoice", body)
    for declared in ("application/octet-stream", "application/x-www-form-urlencoded"):
        sent = await local.client.post(
            local.path(f"invoice/{invoice['Id']}/send"),
            params={"sendTo": "a@example.com"},
            headers={"Content-Type": declared},
        )
        assert sent.status_code == 200, (declared, sent.text)
        assert sent.json()["Invoice"]["EmailStatus"] == "EmailSent"


def test_a_rebound_host_over_a_socket(make_emulator: MakeEmulator) -> None:
    with ServerThread(create_app(make_emulator())) as url:
        refused = httpx.get(f"{url}/_emulator/apps", headers={"Host": "attacker.com"})
        served = httpx.get(f"{url}/_emulator/apps")
    assert refused.status_code == 403
    assert served.status_code == 200
