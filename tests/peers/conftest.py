"""The emulator as other clients meet it: served over HTTPS by ``qbo emulator serve``.

OAuth is on (as in QuickBooks) and the certificate comes from the emulator's local CA,
which the client processes trust through environment variables only. Throttling is off so
that a scenario's burst of sequential calls is never answered 429 on a loaded machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from qbo.testing import EmulatorProcess


@dataclass(frozen=True)
class Served:
    """Where the emulator answers, the CA to trust, and a folder for the scenario's files."""

    base_url: str
    ca_cert: Path
    workdir: Path

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a client process: trust the CA, nothing insecure."""
        inherited = {k: v for k, v in os.environ.items() if k != "OAUTHLIB_INSECURE_TRANSPORT"}
        return {**inherited, **extra}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    tls = tmp_path / "tls"
    args = ("--db", str(tmp_path / "emulator.db"), "--tls", "--tls-dir", str(tls))
    with EmulatorProcess(*args, "--throttle", "off") as emulator:
        assert emulator.base_url.startswith("https://")
        yield Served(emulator.base_url, tls / "ca.pem", tmp_path)
