"""``qbo sync connect | worker | fleet`` through the command line, on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qbo.cli.main import app
from tests.conftest import PG_URL
from tests.sync.fleet.conftest import FleetWorld

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_connect_work_and_show_the_fleet(
    fleet_world: FleetWorld,
    fleet_schema: str,
    token_key: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QBO_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("QBO_CLIENT_ID", "QBO_CLIENT_SECRET", "QBO_FLEET_DATABASE", "QBO_MIRROR"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    realm_id = fleet_world.realm("demo")
    base = ["--base-url", fleet_world.url]
    where = ["--mirror", PG_URL, "--mirror-schema", fleet_schema]

    login = runner.invoke(app, [*base, "auth", "login", "--register-app", "--realm", realm_id])
    assert login.exit_code == 0, login.stderr
    joined = runner.invoke(app, [*base, "sync", "connect", *where])
    assert joined.exit_code == 0, joined.stderr
    assert f"company {realm_id} joined the fleet" in joined.stderr
    worked = runner.invoke(app, [*base, "sync", "worker", *where, "--until-idle"])
    assert worked.exit_code == 0, worked.stderr
    shown = runner.invoke(app, [*base, "sync", "fleet", *where, "-o", "json"])
    assert shown.exit_code == 0, shown.stderr
    (row,) = json.loads(shown.stdout)
    assert row["realm"] == realm_id and row["state"] == "active"
    assert row["lag_s"] is not None and row["failed"] == 0

    mirrored = runner.invoke(app, [*base, "sync", "status", *where, "-o", "json"])
    assert mirrored.exit_code == 0, mirrored.stderr
    customers = next(r for r in json.loads(mirrored.stdout) if r["entity"] == "Customer")
    assert customers["rows"] > 20
    table = runner.invoke(app, [*base, "sync", "status", *where, "-o", "table"])
    assert table.exit_code == 0, table.stderr
    assert "mirror status" in table.stdout and "worker(s) alive" in table.stdout


def test_the_fleet_says_what_it_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QBO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("QBO_CLIENT_ID", "id")
    monkeypatch.setenv("QBO_CLIENT_SECRET", "secret")
    for name in ("QBO_FLEET_DATABASE", "QBO_MIRROR"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    missing = runner.invoke(app, ["sync", "worker"])
    assert missing.exit_code == 3 and "--mirror postgresql+psycopg://" in missing.stderr
    sqlite = runner.invoke(app, ["sync", "worker", "--mirror", f"sqlite:///{tmp_path}/m.db"])
    assert sqlite.exit_code == 3 and "the fleet needs PostgreSQL" in sqlite.stderr
