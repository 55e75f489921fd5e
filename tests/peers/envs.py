"""Other QuickBooks clients, installed pinned into a cache that outlives test runs.

Each client set lives in ``.peers/<kind>-<digest>/`` at the repository root (or under
``QBO_PEERS_DIR``); the digest covers the pins and the interpreter, so changing a pin makes
a new folder and an old one is never half reused. Installation runs once per machine under
a file lock (parallel test processes wait for the first), and a folder counts as installed
only when its ``.installed`` marker was written last. When the package registry, ``node``
or ``npm`` is missing the tests skip with the reason, unless ``QBO_REQUIRE_PEERS=1``: then
they fail.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

PYTHON_PINS = ("python-quickbooks==0.9.12", "intuit-oauth==1.2.6")
NODE_PINS = ("node-quickbooks@2.0.50", "intuit-oauth@4.2.5")
REQUIRE = os.environ.get("QBO_REQUIRE_PEERS") == "1"
INSTALL_TIMEOUT = 600.0


def cache_root() -> Path:
    configured = os.environ.get("QBO_PEERS_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / ".peers"


def unavailable(why: str) -> None:
    """Skip the test with ``why``; fail instead when peers are required (CI)."""
    if REQUIRE:
        pytest.fail(f"{why} (QBO_REQUIRE_PEERS=1)")
    pytest.skip(why)


def _run(command: list[str], cwd: Path | None = None) -> str | None:
    """None when ``command`` succeeded, else the tail of its output."""
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{' '.join(command)}: {exc}"
    if done.returncode == 0:
        return None
    return f"{' '.join(command)} exited {done.returncode}: {(done.stdout + done.stderr)[-1500:]}"


def _cached(kind: str, key: str, build: Callable[[Path], str | None]) -> Path:
    """The folder ``build`` filled for ``key``, built under a lock when missing."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"{kind}-{digest}"
    with (root / f"{kind}-{digest}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / ".installed").exists():
            return folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        failure = build(folder)
        if failure is not None:
            shutil.rmtree(folder, ignore_errors=True)
            unavailable(f"could not install the {kind} clients: {failure}")
        (folder / ".installed").write_text(key + "\n")
    return folder


def python_peers() -> Path:
    """The interpreter of a virtual environment holding :data:`PYTHON_PINS`."""
    version = ".".join(str(part) for part in sys.version_info[:3])

    def build(folder: Path) -> str | None:
        failure = _run([sys.executable, "-m", "venv", str(folder)])
        if failure is None:
            pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--no-input", "-q"]
            failure = _run([*pip, *PYTHON_PINS])
        return failure

    return _cached("py", f"{version} {' '.join(PYTHON_PINS)}", build) / "bin" / "python"


def node_peers() -> Path:
    """A folder whose ``node_modules`` holds :data:`NODE_PINS`."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("node and npm are needed (apt-get install -y nodejs npm)")
    assert node is not None and npm is not None
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()

    def build(folder: Path) -> str | None:
        (folder / "package.json").write_text('{"name": "qbo-peers", "private": true}\n')
        install = [npm, "install", "--no-audit", "--no-fund", "--save-exact", *NODE_PINS]
        return _run(install, cwd=folder)

    return _cached("node", f"{version} {' '.join(NODE_PINS)}", build)
