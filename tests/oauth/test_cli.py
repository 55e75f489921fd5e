"""End to end through the shell: ``qbo emulator serve`` (OAuth by default) and
``qbo emulator apps``, with the server's whole stderr checked for secrets afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from qbo.emulator.oauth import DEFAULT_EMAIL, DEFAULT_PASSWORD

pytestmark = pytest.mark.slow

QBO = [sys.executable, "-m", "qbo.cli.main"]
REDIRECT = "http://localhost:9999/callback"


class Served:
    """A ``qbo emulator serve`` process and everything it wrote to stderr."""

    def __init__(self, db: Path) -> None:
        cmd = [
            *QBO,
            "emulator",
            "serve",
            "--port",
            "0",
            "--db",
            str(db),
            "--seed",
            "empty",
            "--access-log",
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(self.proc.stderr,), daemon=True)
        self._reader.start()
        line = self.proc.stdout.readline()
        assert line, "the emulator did not start: " + "".join(self.stderr)
        info = json.loads(line)
        self.base_url: str = info["base_url"]
        self.realm: str = info["realms"][0]

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.stderr.append(line)

    def wait_for_log(self, needle: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.stderr):
                if needle in line:
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no log line with {needle!r}: {''.join(self.stderr)}")

    def stop(self) -> str:
        self.proc.terminate()
        self.proc.wait(15)
        self._reader.join(5)
        return "".join(self.stderr)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = Served(tmp_path / "cli.db")
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


def qbo(*args: str) -> str:
    done = subprocess.run([*QBO, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_serve_defaults_to_oauth_and_a_script_can_connect(served: Served) -> None:
    banner = served.wait_for_log("OAuth:")
    assert DEFAULT_EMAIL in banner and DEFAULT_PASSWORD in banner
    created = json.loads(
        qbo(
            "emulator",
            "apps",
            "create",
            "--url",
            served.base_url,
            "--name",
            "CLI app",
            "--redirect-uri",
            REDIRECT,
            "--auto-approve",
            "--webhook-url",
            "https://hooks.example/in",
        )
    )
    assert {"client_id", "client_secret", "verifier_token"} <= set(created)
    assert created["auto_approve"] is True and created["webhook_format"] == "cloudevents"
    listed = json.loads(qbo("emulator", "apps", "list", "--url", served.base_url))
    assert [a["client_id"] for a in listed] == [created["client_id"]]
    assert created["client_secret"] not in json.dumps(listed)

    # What a script does: authorize (auto-approved), exchange the code, call the API.
    with httpx.Client(base_url=served.base_url, timeout=30) as http:
        api = f"/v3/company/{served.realm}/companyinfo/{served.realm}"
        assert http.get(api).status_code == 401  # OAuth is on by default
        redirect = http.get(
            "/connect/oauth2",
            params={
                "client_id": created["client_id"],
                "redirect_uri": REDIRECT,
                "response_type": "code",
                "scope": "com.intuit.quickbooks.accounting openid email",
                "state": "cli-state",
            },
        )
        assert redirect.status_code == 302
        params = {
            k: v[0] for k, v in parse_qs(urlsplit(redirect.headers["location"]).query).items()
        }
        assert params["state"] == "cli-state" and params["realmId"] == served.realm
        tokens = http.post(
            "/oauth2/v1/tokens/bearer",
            data={
                "grant_type": "authorization_code",
                "code": params["code"],
                "redirect_uri": REDIRECT,
            },
            auth=(created["client_id"], created["client_secret"]),
        ).json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert http.get(api, headers=bearer).status_code == 200
        bad = http.post(
            "/oauth2/v1/tokens/bearer",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"] + "x"},
            auth=(created["client_id"], created["client_secret"]),
        )
        assert bad.status_code == 400
        assert (
            http.post(
                "/v2/oauth2/tokens/revoke",
                json={"token": tokens["refresh_token"]},
                auth=(created["client_id"], created["client_secret"]),
            ).status_code
            == 200
        )
        assert http.get(api, headers=bearer).status_code == 401

    _errors_go_to_stderr(served)
    log = served.stop()
    assert "GET /connect/oauth2" in log  # the access log was on
    for secret in (
        created["client_secret"],
        created["verifier_token"],
        params["code"],
        tokens["access_token"],
        tokens["refresh_token"],
        tokens["id_token"],
    ):
        assert secret not in log


def _errors_go_to_stderr(served: Served) -> None:
    done = subprocess.run(
        [
            *QBO,
            "emulator",
            "apps",
            "create",
            "--url",
            served.base_url,
            "--name",
            "x",
            "--redirect-uri",
            "not-a-url",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "redirect_uri" in done.stderr and done.stdout == ""
    unreachable = subprocess.run(
        [*QBO, "emulator", "apps", "list", "--url", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unreachable.returncode == 1 and "cannot reach" in unreachable.stderr
