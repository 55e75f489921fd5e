"""The installed ``qbo`` command as real processes: login in Chromium, scripts, webhooks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from qbo.client.webhooks import sign
from qbo.emulator.oauth import DEFAULT_EMAIL, DEFAULT_PASSWORD

pytestmark = pytest.mark.slow

REALM = "9341453000000001"
QBO = shutil.which("qbo", path=str(Path(sys.executable).parent)) or "qbo"


def _env(config_home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBO_")}
    return {**env, "QBO_CONFIG_DIR": str(config_home), "COLUMNS": "100", **extra}


def run(config_home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [QBO, *args], capture_output=True, text=True, timeout=60, env=_env(config_home, **extra)
    )


class Lines:
    """Reads a process's stream in a thread, so a test can wait for a line with a timeout."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        regex = re.compile(pattern)
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(regex.search(x) for x in self.lines), timeout
            )
            assert found, f"no line matched {pattern!r}: {self.lines}"
            match = next(m for m in map(regex.search, self.lines) if m)
        return match


@pytest.fixture
def process_home(tmp_path: Path) -> Path:
    return tmp_path / "config"


def test_scripted_session_in_real_processes(emulator_url: str, process_home: Path) -> None:
    base = ["--base-url", emulator_url]
    assert run(process_home, "--version").stdout.startswith("qbo ")
    login = run(process_home, *base, "auth", "login", "--register-app")
    assert login.returncode == 0, login.stderr
    piped = run(process_home, *base, "query", "select * from Invoice", "--limit", "5")
    assert piped.returncode == 0, piped.stderr
    assert len(json.loads(piped.stdout)) == 5  # JSON when piped
    broken = run(process_home, *base, "query", "select from")
    assert broken.returncode == 1
    assert broken.stderr.startswith("error: 4000") and "Traceback" not in broken.stderr


def test_login_in_chromium_through_the_consent_page(
    browser: Any, emulator_url: str, process_home: Path, unused_port: int
) -> None:
    redirect = f"http://localhost:{unused_port}/callback"
    app = httpx.post(
        f"{emulator_url}/_emulator/apps",
        json={"name": "CLI Browser App", "redirect_uris": [redirect]},
    ).json()
    login = subprocess.Popen(
        [
            QBO,
            "--base-url",
            emulator_url,
            "auth",
            "login",
            "--no-browser",
            "--port",
            str(unused_port),
            "--client-id",
            app["client_id"],
            "--timeout",
            "60",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(process_home, QBO_CLIENT_SECRET=app["client_secret"]),
    )
    try:
        assert login.stderr is not None
        err = Lines(login.stderr)
        url = err.wait_for(r"^(http://\S+/connect/oauth2\?\S+)$").group(1)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        try:
            page.goto(url)
            page.fill("#email", DEFAULT_EMAIL)
            page.fill("#password", DEFAULT_PASSWORD)
            page.click("#signin")
            page.check(f"input[name=realm][value='{REALM}']")
            page.click("#approve")
            page.wait_for_url(f"{redirect}**")
            assert "qbo is connected" in page.inner_text("h1")
        finally:
            page.close()
        assert login.wait(30) == 0, err.lines
    finally:
        if login.poll() is None:
            login.kill()
    status = run(process_home, "auth", "status")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["realm"] == REALM
    assert app["client_secret"] not in status.stdout + status.stderr


@pytest.fixture
def listener(process_home: Path) -> Iterator[tuple[subprocess.Popen[str], Lines, str]]:
    proc = subprocess.Popen(
        [QBO, "webhooks", "listen", "--port", "0", "--count", "2", "-o", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(process_home, QBO_WEBHOOK_VERIFIER_TOKEN="verifier-123"),
    )
    assert proc.stdout is not None and proc.stderr is not None
    url = Lines(proc.stderr).wait_for(r"listening on (\S+)").group(1)
    try:
        yield proc, Lines(proc.stdout), url
    finally:
        if proc.poll() is None:
            proc.kill()


def test_webhooks_listen_prints_verified_events_only(
    listener: tuple[subprocess.Popen[str], Lines, str],
) -> None:
    proc, out, url = listener
    body = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": REALM,
                    "dataChangeEvent": {
                        "entities": [
                            {
                                "name": "Customer",
                                "id": "7",
                                "operation": "Update",
                                "lastUpdated": "2026-12-01T10:00:00.000Z",
                            },
                            {
                                "name": "Invoice",
                                "id": "9",
                                "operation": "Create",
                                "lastUpdated": "2026-12-01T10:00:01.000Z",
                            },
                        ]
                    },
                }
            ]
        }
    ).encode()
    tampered = httpx.post(
        url, content=body, headers={"intuit-signature": sign(b"other", "verifier-123")}
    )
    assert tampered.status_code == 401
    good = httpx.post(url, content=body, headers={"intuit-signature": sign(body, "verifier-123")})
    assert good.status_code == 200
    assert proc.wait(30) == 0  # --count 2: stops after the two events
    out.wait_for(r'"Invoice"')
    events = [json.loads(line) for line in out.lines]
    assert [(e["entity"], e["id"], e["operation"]) for e in events] == [
        ("Customer", "7", "Update"),
        ("Invoice", "9", "Create"),
    ]
