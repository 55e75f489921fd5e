"""A pytest plugin: an emulator and a client for your integration's tests.

Enable it in your ``conftest.py`` with ``pytest_plugins = ["qbo.testing.plugin"]``. Each
test then gets, on request:

- ``qbo_emulator``: a fresh in-memory emulator with the ``demo`` company (no OAuth);
- ``qbo_url``: that emulator served on a loopback port;
- ``qbo_realm``: the demo company's realm id;
- ``qbo_client``: a :class:`qbo.Client` connected to it (pacing off; no waiting).

Override ``qbo_emulator_config`` to choose the seed, the database or the settings.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qbo.client import Client
from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.testing.server import ServerThread


@pytest.fixture
def qbo_emulator_config() -> EmulatorConfig:
    return EmulatorConfig(db=":memory:", seed="demo")


@pytest.fixture
def qbo_emulator(qbo_emulator_config: EmulatorConfig) -> Iterator[Emulator]:
    emulator = Emulator.open(qbo_emulator_config)
    yield emulator
    emulator.close()


@pytest.fixture
def qbo_url(qbo_emulator: Emulator) -> Iterator[str]:
    with ServerThread(create_app(qbo_emulator)) as url:
        yield url


@pytest.fixture
def qbo_realm(qbo_emulator: Emulator) -> str:
    return qbo_emulator.realms.list()[0].realm_id


@pytest.fixture
def qbo_client(qbo_url: str, qbo_realm: str) -> Iterator[Client]:
    with Client(qbo_realm, environment=qbo_url, access_token="emulator", pacing=None) as client:
        yield client
