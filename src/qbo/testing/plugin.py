"""A pytest plugin: an emulator and a client for your integration's tests.

Installed with qbo (a ``pytest11`` entry point), so nothing needs enabling. Each test
then gets, on request:

- ``qbo_emulator``: an in-memory emulator with the ``demo`` company (no OAuth), as fresh
  as if seeded for this test: one emulator serves the whole session and each test gets
  the company restored from a snapshot (milliseconds, not a one-second reseed), the
  clock back to real time and no fault rules;
- ``qbo_url``: that emulator served on a loopback port;
- ``qbo_realm``: the demo company's realm id;
- ``qbo_client``: a :class:`qbo.Client` connected to it (pacing off; no waiting);
- ``qbo_inprocess_client``: the same without a socket (the app runs in-process);
- ``qbo_clock``: the emulator's clock, to move time instead of waiting
  (``qbo_clock.advance(days=31)``): token lifetimes, CDC windows, aging follow it;
- ``qbo_tls`` / ``qbo_https_url``: a local CA (``qbo_tls.ca_cert`` to trust) and the
  emulator served over HTTPS, for clients that insist on https;
- ``qbo_faults``: inject failures into ``qbo_url``'s server
  (``qbo_faults.add(status=503, when="after_commit", count=1)``), cleared after the test.

Override ``qbo_emulator_config`` to choose the seed, the database or the settings (a
test whose configuration differs from the session's gets an emulator of its own).

The plugin loads in every pytest run of an environment that has qbo, so it imports the
emulator only when a test asks for one of its fixtures: a client-only install (no
``qbo[emulator]``) keeps a working pytest and gets a clear message if it asks anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from qbo.client import Client
    from qbo.emulator import Emulator, EmulatorConfig
    from qbo.emulator.clock import Clock


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


def _default_config() -> EmulatorConfig:
    from qbo.emulator import EmulatorConfig

    return EmulatorConfig(db=":memory:", seed="demo")


@pytest.fixture
def qbo_emulator_config() -> EmulatorConfig:
    _require_emulator()
    return _default_config()


class _SessionEmulator:
    """The session's emulator and the snapshot of each of its realms, made on first use."""

    def __init__(self) -> None:
        self.emulator: Emulator | None = None
        self.config: EmulatorConfig | None = None
        self.snapshots: list[Any] = []

    def fresh(self) -> Emulator:
        from qbo.emulator import Emulator

        if self.emulator is None:
            self.config = _default_config()
            self.emulator = Emulator.open(self.config)
            self.snapshots = [
                self.emulator.realms.snapshot(r.realm_id) for r in self.emulator.realms.list()
            ]
            return self.emulator
        for snapshot in self.snapshots:
            self.emulator.realms.restore(snapshot)
        self.emulator.clock.reset()
        self.emulator.reset_conditions()
        return self.emulator

    def close(self) -> None:
        if self.emulator is not None:
            self.emulator.close()


@pytest.fixture(scope="session")
def qbo_session_emulator() -> Iterator[_SessionEmulator]:
    holder = _SessionEmulator()
    yield holder
    holder.close()


@pytest.fixture
def qbo_emulator(
    qbo_emulator_config: EmulatorConfig, qbo_session_emulator: _SessionEmulator
) -> Iterator[Emulator]:
    _require_emulator()
    if qbo_emulator_config == _default_config():
        yield qbo_session_emulator.fresh()  # restored from its snapshot
        return
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


@pytest.fixture
def qbo_inprocess_client(qbo_emulator: Emulator, qbo_realm: str) -> Iterator[Client]:
    from qbo.client import Client
    from qbo.emulator import create_app
    from qbo.testing.asgi import SyncASGITransport

    with (
        SyncASGITransport(create_app(qbo_emulator)) as transport,
        Client(
            qbo_realm,
            environment="http://emulator.invalid",
            access_token="emulator",
            pacing=None,
            transport=transport,
        ) as client,
    ):
        yield client


class EmulatorClock:
    """Moves the emulator's business time (never the machine's)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return self._clock.now()

    def advance(self, **delta: float) -> datetime:
        """``advance(days=31)``, ``advance(hours=2, minutes=5)``: the new time."""
        return self._clock.advance(timedelta(**delta).total_seconds())

    def set(self, when: datetime) -> datetime:
        return self._clock.set(when)


@pytest.fixture
def qbo_clock(qbo_emulator: Emulator) -> EmulatorClock:
    return EmulatorClock(qbo_emulator.clock)


class FaultInjector:
    """Adds fault rules through the served emulator's control plane (``/_emulator/faults``)."""

    def __init__(self, base_url: str) -> None:
        self._url = base_url.rstrip("/") + "/_emulator/faults"

    def add(
        self,
        kind: str = "status",
        *,
        method: str | None = None,
        path_prefix: str | None = None,
        **rule: Any,
    ) -> dict[str, Any]:
        """One rule (``status=503, when="after_commit", count=1``, ``kind="reset"``, ...)."""
        import httpx

        match = {k: v for k, v in (("method", method), ("path_prefix", path_prefix)) if v}
        body = {"kind": kind, **rule, **({"match": match} if match else {})}
        response = httpx.post(self._url, json=body, timeout=30)
        if response.status_code != 201:
            raise ValueError(f"the emulator refused the fault rule: {response.text}")
        created: dict[str, Any] = response.json()
        return created

    def rules(self) -> list[dict[str, Any]]:
        import httpx

        listed: list[dict[str, Any]] = httpx.get(self._url, timeout=30).json()
        return listed

    def clear(self) -> None:
        import httpx

        httpx.delete(self._url, timeout=30)


@pytest.fixture
def qbo_faults(qbo_url: str) -> Iterator[FaultInjector]:
    injector = FaultInjector(qbo_url)
    yield injector
    injector.clear()


@pytest.fixture(scope="session")
def qbo_tls(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A local CA and a server certificate for 127.0.0.1 and localhost (``TlsFiles``)."""
    _require_emulator()
    from qbo.emulator.tls import ensure_tls

    return ensure_tls(tmp_path_factory.mktemp("qbo-tls"))


@pytest.fixture
def qbo_https_url(qbo_emulator: Emulator, qbo_tls: Any) -> Iterator[str]:
    from qbo.emulator import create_app
    from qbo.testing.server import ServerThread

    with ServerThread(create_app(qbo_emulator), tls=qbo_tls) as url:
        yield url
