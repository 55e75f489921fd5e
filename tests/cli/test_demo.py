"""``make demo`` end to end: the real serve command, OAuth connect, and qbo.Client."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_demo_connects_and_shows_the_partly_paid_invoice() -> None:
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
    assert "TotalAmt" in out and "412.5" in out
    assert "Balance after a 150.00 payment" in out and "262.5" in out
    assert "Traceback" not in out + result.stderr
