"""``qbo sync`` end to end: the CLI against the OAuth emulator on a socket, logged in with
``qbo auth login`` like a user; and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qbo.sync.schema_version import head
from tests.cli.conftest import Cli, cli, config_home, emulator_url, logged_in

__all__ = ["cli", "config_home", "emulator_url", "logged_in"]  # fixtures used below


@pytest.fixture
def mirror_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mirror.db'}"


def test_init_run_status_and_reset(logged_in: Cli, mirror_url: str) -> None:
    init = logged_in("sync", "init", "--mirror", mirror_url)
    assert init.code == 0 and f"revision {head()}" in init.out, init

    first = logged_in("sync", "run", "--mirror", mirror_url, "-o", "json")
    assert first.code == 0, first
    [summary] = json.loads(first.out)
    assert summary["created"] > 100 and summary["loaded"] > 30 and summary["errors"] == ""
    assert "Customer" in first.err  # the progress bars

    second = logged_in("sync", "run", "--mirror", mirror_url, "--no-progress", "-o", "json")
    assert second.code == 0 and json.loads(second.out)[0]["created"] == 0, second

    status = logged_in("sync", "status", "--mirror", mirror_url, "-o", "json")
    rows = {r["entity"]: r for r in json.loads(status.out)}
    assert rows["Customer"]["rows"] > 0 and rows["Customer"]["phase"] == "incremental"
    assert rows["Customer"]["state"] == "active" and rows["Customer"]["last_error"] is None

    reset = logged_in("sync", "reset", "--mirror", mirror_url, "--yes")
    assert reset.code == 0 and "objects removed" in reset.out, reset
    empty = logged_in("sync", "status", "--mirror", mirror_url, "-o", "json")
    assert json.loads(empty.out) == []


def test_watch_sweeps_and_stops_after_its_passes(logged_in: Cli, mirror_url: str) -> None:
    result = logged_in(
        "sync", "watch", "--mirror", mirror_url, "--interval", "0.1", "--passes", "2"
    )
    assert result.code == 0, result
    assert "sweep 1:" in result.err and "sweep 2:" in result.err


def test_without_a_login_it_says_how_to_log_in(cli: Cli, mirror_url: str) -> None:
    result = cli("sync", "run", "--mirror", mirror_url)
    assert result.code == 3 and "run qbo auth login" in result.err, result


def test_an_unreachable_mirror_is_one_line_without_the_password(logged_in: Cli) -> None:
    url = "postgresql+psycopg://someone:s3cret@127.0.0.1:1/nowhere"
    result = logged_in("sync", "run", "--mirror", url)
    assert result.code == 4, result
    assert result.err.startswith("error: cannot open the mirror") and "s3cret" not in result.err
    bad = logged_in("sync", "init", "--mirror", "not a url")
    assert bad.code == 3 and "not a database URL" in bad.err, bad


def test_a_bad_realm_stops_with_a_clear_error(logged_in: Cli, mirror_url: str) -> None:
    result = logged_in("--realm", "123", "sync", "run", "--mirror", mirror_url, "--no-progress")
    assert result.code == 1, result
    assert "realm 123 stopped" in result.err, result
    status = logged_in("sync", "status", "--mirror", mirror_url, "-o", "json")
    assert {r["state"] for r in json.loads(status.out)} == {"stopped"}
