"""The ``qbo`` command through typer's runner, against a real emulator over a socket."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Cli

REALM = "9341453000000001"


def _json(text: str) -> object:
    return json.loads(text)


# -- auth ------------------------------------------------------------------------------


def test_login_saves_an_encrypted_profile_and_status_shows_no_secret(
    logged_in: Cli, config_home: Path
) -> None:
    status = logged_in("auth", "status", "-o", "json")
    assert status.code == 0, status
    shown = _json(status.out)
    assert isinstance(shown, dict)
    assert shown["realm"] == REALM and shown["profile"] == "default"
    assert "com.intuit.quickbooks.accounting" in shown["scopes"]
    assert "in 0 h 5" in shown["access_token_expires"]  # an hour from now, less a minute or so

    from qbo.cli import config

    token = config.token_store("default").load(REALM)
    assert token is not None
    everything = status.out + status.err
    assert token.access_token not in everything and token.refresh_token not in everything
    for path in config_home.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        if path.is_file():
            text = path.read_bytes()
            assert token.access_token.encode() not in text, path  # encrypted at rest
            assert token.refresh_token.encode() not in text, path
    assert stat.S_IMODE(config_home.stat().st_mode) == 0o700


def test_refresh_rotates_the_stored_token(logged_in: Cli) -> None:
    from qbo.cli import config

    before = config.token_store("default").load(REALM)
    result = logged_in("auth", "refresh")
    assert result.code == 0, result
    after = config.token_store("default").load(REALM)
    assert before is not None and after is not None
    assert after.access_token != before.access_token
    assert logged_in("query", "select count(*) from Customer").code == 0


def test_revoke_disconnects_and_forgets(logged_in: Cli, emulator_url: str) -> None:
    from qbo.cli import config

    token = config.token_store("default").load(REALM)
    assert token is not None
    assert logged_in("auth", "revoke").code == 0
    gone = httpx.get(
        f"{emulator_url}/v3/company/{REALM}/companyinfo/{REALM}",
        headers={"Authorization": f"Bearer {token.access_token}"},
    )
    assert gone.status_code == 401  # revoked at the server, not only forgotten here
    after = logged_in("auth", "status")
    assert after.code == 3 and "run qbo auth login" in after.err


def test_logout_forgets_the_profile(logged_in: Cli) -> None:
    assert logged_in("auth", "logout").code == 0
    result = logged_in("query", "select * from Customer")
    assert result.code == 3
    assert result.err.strip() == (
        "error: not logged in (no profile 'default'): run qbo auth login, or set QBO_ACCESS_TOKEN"
    )


def test_headless_login_of_an_app_that_needs_consent_says_so(cli: Cli) -> None:
    app = httpx.post(
        f"{cli.base_url}/_emulator/apps",
        json={"name": "Needs a person", "redirect_uris": ["http://localhost:8765/callback"]},
    ).json()
    result = cli(
        "auth",
        "login",
        "--headless",
        "--client-id",
        app["client_id"],
        "--client-secret",
        app["client_secret"],
    )
    assert result.code == 1
    assert "a person must approve it in a browser" in result.err
    assert app["client_secret"] not in result.out + result.err


# -- reading ---------------------------------------------------------------------------


def test_query_pages_limits_and_counts(logged_in: Cli) -> None:
    every = _json(logged_in("query", "select * from Customer").out)
    assert isinstance(every, list) and len(every) > 3
    limited = _json(logged_in("query", "select * from Customer", "--limit", "3").out)
    assert isinstance(limited, list) and [c["Id"] for c in limited] == [c["Id"] for c in every[:3]]
    count = _json(logged_in("query", "select count(*) from Customer").out)
    assert count == [{"count": len(every)}]


def test_output_formats(logged_in: Cli) -> None:
    jsonl = logged_in("query", "select * from Customer", "--limit", "2", "-o", "jsonl").out
    assert [json.loads(line)["Id"] for line in jsonl.splitlines()] == ["1", "2"]
    csv_text = logged_in("query", "select * from Customer", "--limit", "2", "-o", "csv").out
    header, *rows = csv_text.splitlines()
    assert header.split(",")[:2] == ["Id", "SyncToken"] and len(rows) == 2
    table = logged_in("query", "select * from Customer", "--limit", "2", "-o", "table").out
    assert "DisplayName" in table and "Balance" in table
    assert "507.00" in table  # money with two decimals


def test_a_bad_query_is_one_line_with_the_position(logged_in: Cli) -> None:
    result = logged_in("query", "select * from Customer wher Id = '1'")
    assert result.code == 1
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert result.err.startswith("error: 4000:") and "line 1, column 24" in result.err


def test_get_and_unknown_entity(logged_in: Cli) -> None:
    customer = _json(logged_in("get", "customer", "1").out)
    assert isinstance(customer, dict) and customer["DisplayName"] == "Cool Cars"
    unknown = logged_in("get", "Custmer", "1")
    assert unknown.code == 3 and "did you mean Customer" in unknown.err
    missing = logged_in("get", "Customer", "999999")
    assert missing.code == 1 and missing.err.startswith("error: 610:")


def test_report_and_cdc(logged_in: Cli) -> None:
    report = logged_in(
        "report", "ProfitAndLoss", "--start", "2020-01-01", "--end", "2030-12-31", "-o", "json"
    )
    assert report.code == 0, report
    rows = _json(report.out)
    assert isinstance(rows, list)
    total = next(r for r in rows if r["account"] == "Total Income")
    assert total["section"] == "Income" and total["row_type"] == "Summary"
    assert total["total"] > 0
    changes = _json(logged_in("cdc", "--entities", "Customer,Invoice", "--hours", "1").out)
    assert isinstance(changes, list) and {c["entity"] for c in changes} == {"Customer", "Invoice"}


# -- writing ---------------------------------------------------------------------------


def test_create_update_sparse_and_delete(logged_in: Cli, tmp_path: Path) -> None:
    created = logged_in("create", "Customer", input='{"DisplayName": "Shell Gardens"}')
    assert created.code == 0, created
    customer = _json(created.out)
    assert isinstance(customer, dict)
    body = tmp_path / "change.json"
    body.write_text(
        json.dumps({"Id": customer["Id"], "SyncToken": customer["SyncToken"], "Notes": "via cli"})
    )
    updated = _json(logged_in("update", "customer", str(body), "--sparse").out)
    assert isinstance(updated, dict)
    assert updated["Notes"] == "via cli" and updated["DisplayName"] == "Shell Gardens"
    stale = logged_in("update", "customer", str(body), "--sparse")
    assert stale.code == 1 and stale.err.startswith("error: 5010:")

    invoice = _json(
        logged_in(
            "create",
            "Invoice",
            input=json.dumps(
                {
                    "CustomerRef": {"value": customer["Id"]},
                    "Line": [
                        {
                            "DetailType": "SalesItemLineDetail",
                            "Amount": 40,
                            "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
                        }
                    ],
                }
            ),
        ).out
    )
    assert isinstance(invoice, dict) and invoice["TotalAmt"] == 40
    voided = _json(logged_in("void", "Invoice", invoice["Id"]).out)
    assert isinstance(voided, dict) and voided["TotalAmt"] == 0
    deleted = logged_in("delete", "Invoice", invoice["Id"])
    assert deleted.code == 0 and _json(deleted.out) == {
        "entity": "Invoice",
        "Id": invoice["Id"],
        "status": "Deleted",
    }
    assert logged_in("get", "Invoice", invoice["Id"]).code == 1


def test_send_pdf_and_attach(logged_in: Cli, tmp_path: Path) -> None:
    sent = _json(logged_in("send", "invoice", "1", "--to", "ap@example.com").out)
    assert isinstance(sent, dict) and sent["EmailStatus"] == "EmailSent"
    target = tmp_path / "invoice.pdf"
    assert logged_in("pdf", "invoice", "1", "-O", str(target)).code == 0
    assert target.read_bytes().startswith(b"%PDF")
    attached = _json(logged_in("attach", str(target), "--to", "Invoice:1").out)
    assert isinstance(attached, dict)
    assert attached["FileName"] == "invoice.pdf"
    assert attached["AttachableRef"][0]["EntityRef"] == {"type": "Invoice", "value": "1"}


def test_batch_file(logged_in: Cli, tmp_path: Path) -> None:
    items = [
        {"bId": f"c{i}", "operation": "create", "Customer": {"DisplayName": f"Batch {i}"}}
        for i in range(32)
    ]
    items.append({"bId": "q", "Query": "select count(*) from Customer"})
    items.append({"bId": "dup", "operation": "create", "Customer": {"DisplayName": "Batch 0"}})
    path = tmp_path / "batch.json"
    path.write_text(json.dumps({"BatchItemRequest": items}))
    result = logged_in("batch", str(path))
    assert result.code == 1  # one item failed: said in the exit code
    rows = _json(result.out)
    assert isinstance(rows, list) and len(rows) == 34
    by_bid = {r["bId"]: r for r in rows}
    assert all(by_bid[f"c{i}"]["ok"] for i in range(32))
    assert by_bid["dup"]["ok"] is False and by_bid["dup"]["result"].startswith("6240")


# -- errors ----------------------------------------------------------------------------


def test_unreachable_host_is_one_line(config_home: Path, unused_port: int) -> None:
    cli = Cli(f"http://127.0.0.1:{unused_port}")
    result = cli("auth", "login", "--register-app")
    assert result.code == 4 and "cannot reach the emulator" in result.err


def test_access_token_from_the_environment(logged_in: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from qbo.cli import config

    token = config.token_store("default").load(REALM)
    assert token is not None
    monkeypatch.setenv("QBO_ACCESS_TOKEN", token.access_token)
    monkeypatch.setenv("QBO_REALM", REALM)
    assert logged_in("get", "Customer", "1").code == 0
    monkeypatch.setenv("QBO_ACCESS_TOKEN", "not-a-token")
    refused = logged_in("get", "Customer", "1")
    assert refused.code == 1 and "run qbo auth login" in refused.err


def test_debug_lets_the_traceback_through(cli: Cli) -> None:
    quiet = cli("get", "Customer", "1")
    assert quiet.code == 3 and quiet.exception is not None
    loud = cli("--debug", "get", "Customer", "1")
    from qbo.cli.config import ConfigError

    assert isinstance(loud.exception, ConfigError)


def test_emulator_commands_take_the_url_from_the_environment(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QBO_EMULATOR_URL", cli.base_url)
    result = cli("emulator", "apps", "list", base_url=False)
    assert result.code == 0, result
    assert isinstance(_json(result.out), list)


def test_help_fits_80_columns(cli: Cli) -> None:
    for argv in ([], ["auth"], ["query"], ["report"], ["emulator", "serve"]):
        shown = cli(*argv, "--help", base_url=False)
        assert shown.code == 0
        assert max(len(line) for line in shown.out.splitlines()) <= 80, argv


def test_version(cli: Cli) -> None:
    from qbo import __version__

    result = cli("--version", base_url=False)
    assert result.code == 0 and result.out.strip() == f"qbo {__version__}"
    assert os.environ.get("QBO_CONFIG_DIR")  # the fixture's, never the user's
