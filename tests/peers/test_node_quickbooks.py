"""node-quickbooks 2.0.50 with npm's intuit-oauth 4.2.5, unmodified, against the emulator.

Only endpoint URLs change: ``QuickBooks.V3_ENDPOINT_BASE_URL``, ``QuickBooks.TOKEN_URL``
and ``QuickBooks.REVOKE_URL``, and intuit-oauth's ``OAuthClient.authorizeEndpoint``,
``tokenEndpoint`` and ``revokeEndpoint`` (read from the emulator's discovery document).
HTTPS is trusted through ``NODE_EXTRA_CA_CERTS``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.peers.conftest import Served
from tests.peers.envs import node_peers
from tests.peers.scenario import failures, run_scenario

SCRIPT = Path(__file__).with_name("nq_scenario.js")

pytestmark = pytest.mark.slow


@pytest.fixture
def modules() -> Path:
    """The pinned ``node_modules``, installed (or skipped) before any emulator starts."""
    return node_peers() / "node_modules"


def test_node_quickbooks_runs_the_whole_scenario(modules: Path, served: Served) -> None:
    node = shutil.which("node")
    assert node is not None  # node_peers skipped or failed otherwise
    env = served.env(NODE_EXTRA_CA_CERTS=str(served.ca_cert))
    command = [node, str(SCRIPT), str(modules), served.base_url, str(served.workdir)]
    steps = run_scenario(command, env)
    assert not failures(steps), "\n".join(failures(steps))
