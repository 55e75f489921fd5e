"""``qbo emulator faults add|list|clear`` against a served emulator."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from qbo.cli.main import app
from tests.emulators import MakePrivate


def test_add_list_clear(private: MakePrivate) -> None:
    url = private().serve()
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "emulator",
            "faults",
            "add",
            "--url",
            url,
            "--kind",
            "status",
            "--status",
            "503",
            "--when",
            "after_commit",
            "--method",
            "POST",
            "--path-prefix",
            "invoice",
            "--probability",
            "0.5",
            "--count",
            "2",
        ],
    )
    assert added.exit_code == 0, added.output
    rule = json.loads(added.output)
    assert rule["status"] == 503 and rule["when"] == "after_commit"
    assert rule["match"] == {"method": "POST", "path_prefix": "invoice"}
    listed = runner.invoke(app, ["emulator", "faults", "list", "--url", url, "--json"])
    assert [r["id"] for r in json.loads(listed.output)] == [rule["id"]]
    table = runner.invoke(app, ["emulator", "faults", "list", "--url", url])
    assert rule["id"] in table.output and "503" in table.output
    bad = runner.invoke(app, ["emulator", "faults", "add", "--url", url, "--kind", "status"])
    assert bad.exit_code == 1 and "status" in bad.output
    cleared = runner.invoke(app, ["emulator", "faults", "clear", "--url", url, rule["id"]])
    assert json.loads(cleared.output) == {"deleted": 1}
    missing = runner.invoke(app, ["emulator", "faults", "clear", "--url", url, "f404"])
    assert missing.exit_code == 1
    assert json.loads(runner.invoke(app, ["emulator", "faults", "clear", "--url", url]).output) == {
        "deleted": 0
    }


def test_serve_rejects_bad_surface_options() -> None:
    runner = CliRunner()
    for args in (["--throttle", "maybe"], ["--limits", "per_second=0"], ["--latency", "slow"]):
        result = runner.invoke(app, ["emulator", "serve", "--db", ":memory:", *args])
        assert result.exit_code == 2, (args, result.output)


def test_webhook_delivery_faults_set_show_clear(private: MakePrivate) -> None:
    from qbo.emulator.webhooks import webhooks_for

    emulator = private()
    url = emulator.serve()
    runner = CliRunner()
    faults = ["emulator", "webhooks", "faults"]
    made = runner.invoke(
        app,
        [
            *faults,
            "set",
            "--url",
            url,
            *("--drop", "0.25", "--duplicate", "1", "--delay", "0.5"),
            *("--delay-seconds", "2", "--reorder", "--seed", "7", "--limit", "3"),
        ],
    )
    assert made.exit_code == 0, made.output
    rule = {
        "drop": 0.25,
        "duplicate": 1.0,
        "delay": 0.5,
        "delay_seconds": 2.0,
        "reorder": True,
        "seed": 7,
        "limit": 3,
        "injected": 0,
    }
    assert json.loads(made.output) == rule
    dispatcher = webhooks_for(emulator.emulator)
    assert (dispatcher.faults.duplicate, dispatcher.faults.limit) == (1.0, 3)
    shown = runner.invoke(app, [*faults, "show"], env={"QBO_EMULATOR_URL": url})
    assert shown.exit_code == 0 and json.loads(shown.output) == rule
    cleared = runner.invoke(app, [*faults, "clear", "--url", url])
    assert json.loads(cleared.output)["duplicate"] == 0.0
    assert dispatcher.faults.duplicate == 0.0 and not dispatcher.faults.reorder


def test_webhook_delivery_faults_refuse_bad_values_in_one_line(private: MakePrivate) -> None:
    from qbo.emulator.webhooks import webhooks_for

    emulator = private()
    url = emulator.serve()
    runner = CliRunner()
    for args, message in (
        (["--drop", "1.5"], "--drop must be a probability from 0 to 1"),
        (["--duplicate", "-0.1"], "--duplicate must be a probability from 0 to 1"),
        (["--delay-seconds", "4000"], "--delay-seconds must be 0 to 3600"),
        (["--limit", "-1"], "--limit must be 0 or more"),
    ):
        result = runner.invoke(app, ["emulator", "webhooks", "faults", "set", "--url", url, *args])
        assert result.exit_code == 2, (args, result.output)
        assert result.output == f"error: {message}\n", args
    assert webhooks_for(emulator.emulator).faults.drop == 0.0  # nothing was sent
    typo = runner.invoke(
        app, ["emulator", "webhooks", "faults", "set", "--url", url, "--drop", "x"]
    )
    assert typo.exit_code == 2 and "--drop" in typo.output
    gone = runner.invoke(
        app, ["emulator", "webhooks", "faults", "show", "--url", "http://127.0.0.1:9"]
    )
    assert gone.exit_code == 1 and "cannot reach the emulator" in gone.output
