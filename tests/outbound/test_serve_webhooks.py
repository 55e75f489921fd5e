"""``qbo emulator serve`` delivers webhooks on its own (the dispatcher starts with it)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from qbo.emulator.webhooks import verify
from tests.outbound.conftest import Receiver, connect
from tests.outbound.world import Books

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_served_emulator_sends_webhooks(tmp_path: Path, receiver: Receiver) -> None:
    command = [
        sys.executable,
        "-m",
        "qbo.cli.main",
        "emulator",
        "serve",
        "--port",
        "0",
        "--auth",
        "none",
        "--seed",
        "empty",
        "--db",
        str(tmp_path / "served.db"),
        "--webhook-window",
        "0.2",
    ]
    with (tmp_path / "stderr.log").open("wb") as log:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
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
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
