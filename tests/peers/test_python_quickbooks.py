"""python-quickbooks 0.9.12 with intuit-oauth 1.2.6, unmodified, against the emulator.

Only base URLs change: intuit-oauth's environment is the emulator's discovery document
and ``QuickBooks.api_url_v3`` is the emulator's ``/v3``. HTTPS is trusted through
``REQUESTS_CA_BUNDLE``; no insecure-transport flag is set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peers.conftest import Served
from tests.peers.envs import python_peers
from tests.peers.scenario import failures, run_scenario

SCRIPT = Path(__file__).with_name("pq_scenario.py")

pytestmark = pytest.mark.slow


@pytest.fixture
def python() -> Path:
    """The peers' interpreter, installed (or skipped) before any emulator starts."""
    return python_peers()


def test_python_quickbooks_runs_the_whole_scenario(python: Path, served: Served) -> None:
    ca = str(served.ca_cert)
    env = served.env(REQUESTS_CA_BUNDLE=ca, SSL_CERT_FILE=ca)
    steps = run_scenario([str(python), str(SCRIPT), served.base_url, str(served.workdir)], env)
    assert not failures(steps), "\n".join(failures(steps))
