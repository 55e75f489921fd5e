"""``qbo emulator serve`` delivers webhooks on its own (the dispatcher starts with it)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest

from qbo.emulator.webhooks import verify
from qbo.testing import EmulatorProcess
from tests.delivery.conftest import Receiver, connect
from tests.delivery.world import Books

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_served_emulator_sends_webhooks(tmp_path: Path, receiver: Receiver) -> None:
    with (
        (tmp_path / "stderr.log").open("wb") as log,
        EmulatorProcess(
            "--auth",
            "none",
            "--seed",
            "empty",
            "--db",
            str(tmp_path / "served.db"),
            "--webhook-window",
            "0.2",
            stderr=log,
            cwd=tmp_path,
        ) as served,
    ):
        info = served.info
        async with httpx.AsyncClient(base_url=info["base_url"], timeout=30) as client:
            realm = info["realms"][0]
            app = await connect(client, realm, receiver.url, "legacy")
            customer = await Books(client, realm).customer()
            deadline = time.monotonic() + 20
            while not receiver.received:
                assert time.monotonic() < deadline, (tmp_path / "stderr.log").read_text()
                await asyncio.sleep(0.05)
        (request,) = receiver.received
        assert verify(app.verifier_token, request.body, request.headers["intuit-signature"])
        entity = json.loads(request.body)["eventNotifications"][0]["dataChangeEvent"]["entities"][0]
        assert (entity["name"], entity["id"], entity["operation"]) == (
            "Customer",
            customer["Id"],
            "Create",
        )
