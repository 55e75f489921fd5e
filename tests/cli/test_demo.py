"""``make demo`` end to end: the real serve command, OAuth connect, and qbo.Client."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_demo_runs_the_four_workflows_and_the_reports() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "qbo.cli.demo"],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Connected an app with OAuth 2.0" in out
    # 1. the invoice: 4 x 75.00 + 4.5 x 25.00, e-mailed, with a PDF
    assert "412.50" in out and "EmailSent" in out and "bytes" in out
    # 2. payments: every invoice settled, 80.00 left as an unapplied credit
    assert out.count("balance 0.00") == 2 and "80.00 unapplied" in out
    assert "Customer balance" in out and "-80.00" in out
    # 3. the conflict is seen and resolved
    assert "5010: Stale Object Error" in out and "re-read and re-applied" in out
    assert "plain query finds 0, with Active IN (true," in out
    # 4. batch then CDC, the deletion included
    assert "3 customers created" in out and "1 deleted" in out
    # 5. the mirror: loaded with progress bars, then a webhook brings a new customer
    assert "The company mirrored into SQLite" in out and "Initial load" in out
    assert "a new customer was in the mirror" in out
    assert "load Customer" in result.stderr + out  # the progress bars
    # reports, money with two decimals
    assert "Accounts receivable aging" in out and "Net Income" in out
    assert "Traceback" not in out + result.stderr
