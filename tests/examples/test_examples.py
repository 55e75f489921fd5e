"""Every script in examples/ runs, as a user would run it, against a real emulator.

Each script gets a company of its own (a fresh demo realm) on an emulator served over a
socket, and is run with the project's Python in a temporary folder. A new script must be
listed here (a test fails otherwise), so no example can rot unseen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from qbo.client.webhooks import sign
from qbo.emulator import AuthMode, Emulator, EmulatorConfig, create_app
from qbo.testing import ServerThread
from tests.cli.test_processes import Lines

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: Script -> a piece of what it prints when it worked.
PLAIN = {
    "list_all_customers.py": "customers",
    "create_and_email_invoice.py": "EmailSent",
    "apply_payment_to_several_invoices.py": "-> 0.00",
    "download_invoice_pdf.py": "bytes)",
    "upload_attachment.py": "byte for byte",
    "profit_and_loss_to_csv.py": "net income",
    "batch_100_creates.py": "100 created, 0 failed",
    "multicurrency_invoice.py": "in the home currency",
    "customer_lifecycle.py": "a plain query now finds 0",
    "changes_with_cdc_and_batch.py": "CDC request",
    "incremental_sync.py": "invoices fully paid since the last run",
}
SPECIAL = {
    "connect_and_store_tokens.py",
    "webhook_receiver_starlette.py",
    "webhook_receiver_flask.py",
}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBO_")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def open_emulator() -> Iterator[str]:
    """An emulator that accepts any bearer token (auth none), over a socket."""
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="empty"))
    with ServerThread(create_app(emulator)) as url:
        yield url
    emulator.close()


def _demo_realm(base_url: str) -> str:
    made = httpx.post(f"{base_url}/_emulator/realms", json={"seed": "demo"}, timeout=60)
    assert made.status_code == 201, made.text
    return str(made.json()["realmId"])


def test_every_example_is_exercised() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(PLAIN) | SPECIAL


@pytest.mark.parametrize("script", sorted(PLAIN))
def test_example_runs(script: str, open_emulator: str, tmp_path: Path) -> None:
    env = _env(
        QBO_BASE_URL=open_emulator, QBO_REALM=_demo_realm(open_emulator), QBO_ACCESS_TOKEN="t"
    )
    ran = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert PLAIN[script] in ran.stdout, ran.stdout


def test_connect_and_store_tokens(tmp_path: Path) -> None:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="empty", auth=AuthMode.OAUTH))
    redirect = "http://localhost:8765/callback"
    with ServerThread(create_app(emulator)) as url:
        app = httpx.post(
            f"{url}/_emulator/apps",
            json={"name": "Example", "redirect_uris": [redirect], "auto_approve": True},
        ).json()
        proc = subprocess.Popen(
            [sys.executable, str(EXAMPLES / "connect_and_store_tokens.py")],
            cwd=tmp_path,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(
                QBO_BASE_URL=url,
                QBO_CLIENT_ID=app["client_id"],
                QBO_CLIENT_SECRET=app["client_secret"],
                QBO_REDIRECT_URI=redirect,
            ),
        )
        assert proc.stdout is not None and proc.stdin is not None
        out = Lines(proc.stdout)
        authorize = out.wait_for(r"^(http://\S+/connect/oauth2\?\S+)$").group(1)
        landed = httpx.get(authorize, follow_redirects=False).headers["location"]
        proc.stdin.write(landed + "\n")
        proc.stdin.flush()
        try:
            assert proc.wait(60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        out.wait_for(r"^company: ")
    emulator.close()
    tokens = tmp_path / "qbo-tokens.enc"
    assert tokens.exists() and oct(tokens.stat().st_mode & 0o777) == "0o600"
    assert app["client_secret"] not in tokens.read_text(errors="replace")


@pytest.mark.parametrize("script", ["webhook_receiver_starlette.py", "webhook_receiver_flask.py"])
def test_webhook_receivers(script: str, tmp_path: Path, unused_port: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / script)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(QBO_WEBHOOK_VERIFIER_TOKEN="verifier-1", PORT=str(unused_port)),
    )
    try:
        assert proc.stdout is not None
        out = Lines(proc.stdout)
        url = out.wait_for(r"listening on (\S+)").group(1)
        body = json.dumps(
            {
                "eventNotifications": [
                    {
                        "realmId": "123",
                        "dataChangeEvent": {
                            "entities": [
                                {
                                    "name": "Invoice",
                                    "id": "77",
                                    "operation": "Create",
                                    "lastUpdated": "2026-12-01T10:00:00.000Z",
                                }
                            ]
                        },
                    }
                ]
            }
        ).encode()
        answer = None
        for _ in range(100):  # the server prints its address just before it listens
            try:
                answer = httpx.post(
                    url, content=body, headers={"intuit-signature": sign(body, "verifier-1")}
                )
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200
        out.wait_for(r"123 Invoice 77 Create")
        forged = httpx.post(url, content=body, headers={"intuit-signature": sign(body, "other")})
        assert forged.status_code == 401
    finally:
        proc.kill()
        proc.wait(10)


def test_testing_with_the_pytest_plugin(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLES / "testing")],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "2 passed" in ran.stdout
