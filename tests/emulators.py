"""Emulators of a test's own, and helpers, for the conditions and operations tests.

The fixtures are registered by ``tests/conditions/conftest.py`` and
``tests/operations/conftest.py``.

``private`` opens an emulator of the test's own (in-memory SQLite) with a given
configuration, reachable in-process (``client``) or over a real loopback socket
(``serve``), so tests that switch throttling or inject faults never disturb the shared
emulators of other tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from typing import Any

import httpx
import pytest

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.emulator.store.session import Realm, Session
from qbo.schema import jsoncodec
from tests.conftest import Api, ServerThread


def in_process(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://emulator.test", timeout=30)


class Private:
    """A private emulator, its realm, and ways to reach one app built on it."""

    def __init__(self, stack: ExitStack, **config: Any) -> None:
        self.stack = stack
        self.emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="empty", **config))
        stack.callback(self.emulator.close)
        self.realm: Realm = self.emulator.realms.list()[0]
        self.app = create_app(self.emulator)

    def serve(self) -> str:
        """Serve ``self.app`` on a loopback port; the base URL."""
        server: AbstractContextManager[str] = ServerThread(self.app)
        return self.stack.enter_context(server)

    def path(self, rest: str) -> str:
        return f"/v3/company/{self.realm.realm_id}/{rest.lstrip('/')}"

    def api(self, client: httpx.AsyncClient) -> Api:
        return Api(client, self.emulator, self.realm.realm_id)

    def session(self, write: bool = False) -> AbstractContextManager[Session]:
        return self.emulator.realms.session(self.realm, write=write)


MakePrivate = Callable[..., Private]


@pytest.fixture
def private() -> Iterator[MakePrivate]:
    with ExitStack() as stack:
        yield lambda **config: Private(stack, **config)


@pytest.fixture
async def local_api(emulator: Emulator) -> AsyncIterator[Api]:
    """A fresh realm on the shared emulators (SQLite and PostgreSQL), in-process only."""
    realm = emulator.realms.create("empty")
    async with in_process(create_app(emulator)) as client:
        yield Api(client, emulator, realm.realm_id)
    emulator.reset_conditions()  # fault rules and throttle settings belong to the emulator


def decode(response: httpx.Response) -> Any:
    assert "Traceback" not in response.text, response.text
    return jsoncodec.loads(response.text)


def account_id(api: Api, name: str) -> str:
    realm = api.emulator.realms.get(api.realm)
    assert realm is not None
    with api.emulator.realms.session(realm, write=False) as s:
        for account in s.all("Account"):
            if account["Name"] == name:
                return str(account["Id"])
    raise AssertionError(f"no account {name}")


async def service_item(api: Api, name: str = "Consulting") -> str:
    item = await api.create(
        "Item",
        {
            "Name": name,
            "Type": "Service",
            "IncomeAccountRef": {"value": account_id(api, "Services")},
        },
    )
    return str(item["Id"])


def invoice_body(customer: str, item: str, amount: int = 100) -> dict[str, Any]:
    return {
        "CustomerRef": {"value": customer},
        "Line": [
            {
                "Amount": amount,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": 1, "UnitPrice": amount},
            }
        ],
    }
