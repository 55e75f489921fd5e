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
