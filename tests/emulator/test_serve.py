"""``qbo emulator serve`` as a real process: the startup line, logs, durability, bad arguments."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow

COMMAND = [sys.executable, "-m", "qbo.cli.main", "emulator", "serve"]
STARTUP_TIMEOUT = 60.0


def _first_line(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    """The first stdout line, or a failure naming what the process said instead."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    data = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (proc.poll() is not None and not selector.select(0)):
            break
        if selector.select(min(remaining, 0.5)):
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            data += chunk
    selector.close()
    assert b"\n" in data, f"no startup line (exit={proc.poll()}): {data!r}"
    line, _, rest = data.partition(b"\n")
    assert rest == b"", f"more than one line on stdout: {rest!r}"
    return line


@contextmanager
def serving(
    tmp_path: Path, *args: str
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, Any], Path]]:
    """Run the server; yield the process, its startup JSON and its stderr log file."""
    log_path = tmp_path / f"stderr-{time.monotonic_ns()}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*COMMAND, "--port", "0", "--auth", "none", *args],
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=tmp_path,
        )
    try:
        try:
            info = json.loads(_first_line(proc, STARTUP_TIMEOUT))
        except AssertionError as exc:
            raise AssertionError(f"{exc}; stderr: {log_path.read_text()[-2000:]}") from None
        yield proc, info, log_path
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


def _wait_ready(base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            httpx.get(f"{base_url}/_emulator/health", timeout=5)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_serve_persists_across_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "books.db"
    with serving(tmp_path, "--db", str(db), "--seed", "empty") as (proc, info, log_path):
        assert set(info) == {"base_url", "realms"}
        assert info["base_url"].startswith("http://127.0.0.1:") and not info["base_url"].endswith(
            ":0"
        )
        (realm,) = info["realms"]
        _wait_ready(info["base_url"])
        api = f"{info['base_url']}/v3/company/{realm}"
        response = httpx.post(
            f"{api}/customer",
            json={"DisplayName": "Durable Goods"},
            params={"requestid": "durable-1"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert response.headers.get("intuit_tid")
        created = response.json()["Customer"]
        admin = httpx.get(f"{info['base_url']}/_emulator/realms", timeout=30)
        assert admin.status_code == 200 and admin.json()[0]["realmId"] == realm
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        said = log_path.read_text()
        assert "listening" in said, said  # logs go to stderr, not stdout

    with serving(tmp_path, "--db", str(db), "--seed", "demo") as (_proc, info, _log):
        assert info["realms"] == [realm]  # the existing database is used, not reseeded
        _wait_ready(info["base_url"])
        api = f"{info['base_url']}/v3/company/{realm}"
        again = httpx.get(f"{api}/customer/{created['Id']}", timeout=30)
        assert again.status_code == 200, again.text
        assert again.json()["Customer"] == created
        replay = httpx.post(
            f"{api}/customer",
            json={"DisplayName": "Durable Goods"},
            params={"requestid": "durable-1"},
            timeout=30,
        )
        assert replay.json()["Customer"] == created  # the request log survived too


BAD_ARGUMENTS = [
    (["--seed", "large:0"], "seed"),
    (["--seed", "Demo"], "seed"),
    (["--port", "70000"], "port"),
    (["--port", "abc"], "port"),
    (["--auth", "sometimes"], "sometimes"),
    (["--colour", "blue"], "colour"),
]


def test_bad_seed_exits_2(tmp_path: Path) -> None:
    """A real process: a clear message on stderr, nothing on stdout, exit code 2."""
    result = subprocess.run(
        [*COMMAND, "--db", str(tmp_path / "never.db"), "--seed", "huge"],
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2, result
    assert result.stdout == b""
    message = " ".join(result.stderr.decode().split())
    assert "unknown seed 'huge'" in message and "empty, demo or large:N" in message, message
    assert "Traceback" not in message
    assert not (tmp_path / "never.db").exists()


@pytest.mark.parametrize(("args", "words"), BAD_ARGUMENTS)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    """The same command line parsing in-process (a process per case costs seconds)."""
    from typer.testing import CliRunner

    from qbo.cli.main import app

    db = tmp_path / "never.db"
    result = CliRunner().invoke(app, ["emulator", "serve", "--db", str(db), *args])
    assert result.exit_code == 2, (result.output, result.exception)
    message = " ".join(result.output.split())
    assert words in message, message
    assert "Traceback" not in message
    assert not db.exists()
