"""The README's code blocks run as written: the shell block starts the emulator, the
Python quick start runs against it.

The opening ``make demo`` / ``make test`` block is the demo (tests/cli/test_demo.py) and
this suite itself, so it is the one block not run here. The port is the README's own
(8555) unless it is taken, then a free one is written in its place.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_processes import Lines

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PORT = "8555"


def blocks() -> list[tuple[str, str]]:
    return re.findall(r"^```(\w+)\n(.*?)^```", README.read_text(), re.S | re.M)


def _port() -> str:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", int(PORT)))
            return PORT
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return str(sock.getsockname()[1])


def test_the_readme_blocks_are_the_ones_tested() -> None:
    kinds = [(lang, code.splitlines()[0].split()[0]) for lang, code in blocks()]
    assert kinds == [("sh", "make"), ("sh", "qbo"), ("python", "from")]


def test_quick_start_runs_as_written(tmp_path: Path) -> None:
    (_, make), (_, shell), (_, python) = blocks()
    assert "make demo" in make and "make test" in make
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBO_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["QBO_CONFIG_DIR"] = str(tmp_path / "config")
    server = subprocess.Popen(
        ["bash", "-c", f"set -e\n{shell.replace(PORT, port)}\nwait"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        Lines(server.stdout).wait_for(r'"base_url"', timeout=60)
        ran = subprocess.run(
            [sys.executable, "-c", python.replace(PORT, port)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0, ran.stderr
        first, second = ran.stdout.splitlines()
        assert first.endswith("customers owe money") and int(first.split()[1]) > 0
        assert "Summary" in second
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
