"""A pytest plugin: an emulator and a client for your integration's tests.

Installed with qbo (a ``pytest11`` entry point), so nothing needs enabling. Each test
then gets, on request:

- ``qbo_emulator``: a fresh in-memory emulator with the ``demo`` company (no OAuth);
- ``qbo_url``: that emulator served on a loopback port;
- ``qbo_realm``: the demo company's realm id;
- ``qbo_client``: a :class:`qbo.Client` connected to it (pacing off; no waiting).

Override ``qbo_emulator_config`` to choose the seed, the database or the settings.

The plugin loads in every pytest run of an environment that has qbo, so it imports the
emulator only when a test asks for one of its fixtures: a client-only install (no
``qbo[emulator]``) keeps a working pytest and gets a clear message if it asks anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from qbo.client import Client
    from qbo.emulator import Emulator, EmulatorConfig


def _require_emulator() -> None:
    try:
        import qbo.emulator
        import qbo.testing.server  # noqa: F401
    except ImportError as exc:
        pytest.fail(
            f"the qbo fixtures need the emulator ({exc.name} is missing): "
            "pip install 'qbo[emulator]'",
            pytrace=False,
        )


@pytest.fixture
def qbo_emulator_config() -> EmulatorConfig:
    _require_emulator()
    from qbo.emulator import EmulatorConfig

    return EmulatorConfig(db=":memory:", seed="demo")


@pytest.fixture
def qbo_emulator(qbo_emulator_config: EmulatorConfig) -> Iterator[Emulator]:
    _require_emulator()
    from qbo.emulator import Emulator

    emulator = Emulator.open(qbo_emulator_config)
    yield emulator
    emulator.close()


@pytest.fixture
def qbo_url(qbo_emulator: Emulator) -> Iterator[str]:
    from qbo.emulator import create_app
    from qbo.testing.server import ServerThread

    with ServerThread(create_app(qbo_emulator)) as url:
        yield url


@pytest.fixture
def qbo_realm(qbo_emulator: Emulator) -> str:
    return qbo_emulator.realms.list()[0].realm_id


@pytest.fixture
def qbo_client(qbo_url: str, qbo_realm: str) -> Iterator[Client]:
    from qbo.client import Client

    with Client(qbo_realm, environment=qbo_url, access_token="emulator", pacing=None) as client:
        yield client
