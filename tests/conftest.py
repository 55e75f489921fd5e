"""Shared fixtures: emulators on SQLite and PostgreSQL, reached in-process and over a socket.

Contract tests take the ``api`` fixture and run four times: {sqlite, postgres} x
{inproc (httpx.ASGITransport), socket (uvicorn on a loopback port)}. Each test gets a new
realm, so tests never see each other's objects even when they share an emulator.

PostgreSQL tests skip when no server answers, unless ``QBO_REQUIRE_POSTGRES=1`` (CI), when
they fail instead. Each test session works in its own schema, dropped at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.schema import jsoncodec
from qbo.testing import ServerThread

# pytester: the plugin tests run a pytest of their own. tests.figures: per-test counts,
# summarised by the controller even when pytest-xdist runs the tests in workers.
pytest_plugins = ["pytester", "tests.figures"]

PG_URL = os.environ.get(
    "QBO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("QBO_REQUIRE_POSTGRES") == "1"


CHROMIUM = Path(os.environ.get("QBO_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("QBO_REQUIRE_BROWSER") == "1"


def browser_unavailable() -> str | None:
    """None when Debian's Chromium and Playwright are both here, else why not."""
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through Playwright; skips (fails in CI) when it is missing.

    Module-scoped: Playwright's sync API keeps an event loop of its own while it runs,
    which must not outlive the module's tests into the async ones.
    """
    why = browser_unavailable()
    if why is not None:
        if REQUIRE_BROWSER:
            pytest.fail(f"{why} (QBO_REQUIRE_BROWSER=1)")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session", autouse=True)
def private_settings_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Settings written during the session land in its own temporary folder.

    The CLI keeps its key, profiles and tokens in ``QBO_CONFIG_DIR`` (else platformdirs'
    ``~/.config/qbo``) and Chromium keeps a profile in ``$XDG_CONFIG_HOME``: pointed here,
    no test touches the user's own folders, and test processes running side by side
    (pytest-xdist workers) never share one. Tests needing a folder of their own still set
    ``QBO_CONFIG_DIR`` themselves; subprocesses inherit these variables.
    """
    home = tmp_path_factory.mktemp("settings")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QBO_CONFIG_DIR", str(home / "qbo"))
        for variable, folder in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
            patch.setenv(variable, str(home / folder))
        yield


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {PG_URL} is not reachable: {type(exc).__name__}"
    return None


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A schema of this test session's own, dropped at the end."""
    why = postgres_available()
    if why is not None:
        if REQUIRE_PG:
            pytest.fail(f"{why} (QBO_REQUIRE_POSTGRES=1)")
        pytest.skip(why)

    name = f"qbo_test_{os.getpid()}_{secrets.token_hex(3)}"
    yield name
    drop_schema(name)


def drop_schema(name: str) -> None:
    """Drop a PostgreSQL schema of the tests and everything in it."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def _config(backend: str, request: pytest.FixtureRequest) -> EmulatorConfig:
    if backend == "sqlite":
        return EmulatorConfig(db=":memory:", seed="empty")
    schema = request.getfixturevalue("pg_schema")
    return EmulatorConfig(db=PG_URL, seed="empty", db_schema=schema)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """One emulator per backend for the whole session (tests isolate by realm)."""
    emu = Emulator.open(_config(request.param, request))
    yield emu
    emu.close()


@pytest.fixture(scope="session")
def socket_urls(emulator: Emulator) -> Iterator[str]:
    with ServerThread(create_app(emulator)) as url:
        yield url


def error_keys(error: dict[str, Any]) -> set[str]:
    """The keys a fault's error has: query faults (4000, 4001) come without ``element``,
    as recorded from QBO; every other error has it."""
    keys = {"Message", "Detail", "code"}
    return keys if error.get("code") in ("4000", "4001") else keys | {"element"}


@dataclass
class Api:
    """A client bound to one realm of one emulator, with QBO-shaped helpers."""

    client: httpx.AsyncClient
    emulator: Emulator
    realm: str

    def path(self, rest: str) -> str:
        return f"/v3/company/{self.realm}/{rest.lstrip('/')}"

    async def post(self, rest: str, body: Any, **params: str) -> httpx.Response:
        content = body if isinstance(body, (bytes, str)) else jsoncodec.dumps(body)
        return await self.client.post(
            self.path(rest),
            content=content,
            params=params,
            headers={"Content-Type": "application/json"},
        )

    async def get(self, rest: str, **params: str) -> httpx.Response:
        return await self.client.get(self.path(rest), params=params)

    async def ok(self, method: str, rest: str, body: Any = None, **params: str) -> dict[str, Any]:
        """The JSON body of a request that must succeed."""
        response = await (
            self.post(rest, body, **params) if method == "POST" else self.get(rest, **params)
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = jsoncodec.loads(response.text)
        return data

    async def create(self, entity: str, body: dict[str, Any], **params: str) -> dict[str, Any]:
        data = await self.ok("POST", entity.lower(), body, **params)
        (key,) = [k for k in data if k != "time"]
        result: dict[str, Any] = data[key]
        return result

    async def read(self, entity: str, object_id: str) -> dict[str, Any]:
        data = await self.ok("GET", f"{entity.lower()}/{object_id}")
        (key,) = [k for k in data if k != "time"]
        result: dict[str, Any] = data[key]
        return result

    async def fault(self, response: httpx.Response, status: int = 400) -> dict[str, Any]:
        """The first error of a fault response, after checking the status and shape."""
        assert response.status_code == status, response.text
        body = jsoncodec.loads(response.text)
        assert set(body) == {"Fault", "time"}, body
        error: dict[str, Any] = body["Fault"]["Error"][0]
        assert set(error) == error_keys(error), error
        return error


@pytest.fixture(params=["inproc", "socket"])
async def api(request: pytest.FixtureRequest, emulator: Emulator) -> AsyncIterator[Api]:
    """A fresh empty realm, reached in-process or over a real socket."""
    realm = emulator.realms.create("empty")
    if request.param == "inproc":
        transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=create_app(emulator))
        base = "http://emulator.test"
    else:
        transport = httpx.AsyncHTTPTransport()
        base = request.getfixturevalue("socket_urls")
    async with httpx.AsyncClient(transport=transport, base_url=base, timeout=30) as client:
        yield Api(client, emulator, realm.realm_id)


#: Loggers that commands run in-process configure (the fleet's JSON lines, the served
#: emulator's stderr handler); the names under them inherit what they are given.
_CONFIGURED_LOGGERS = ("qbo", "procrastinate", "uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture(autouse=True)
def _loggers_as_they_were() -> Iterator[None]:
    """Put back what a test's in-process command did to logging, so that no test's
    configuration (``propagate = False`` on ``qbo``) hides another test's records."""
    import logging

    saved = {}
    for name in _CONFIGURED_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (logger.handlers[:], logger.level, logger.propagate, logger.disabled)
    yield
    for name, (handlers, level, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, the slow tier first (otherwise in collection order).

    The controller hands tests out in the order the workers collected them, so a
    minute-long test collected last would run alone at the end while the other workers
    idle; started first, the long tests overlap each other and the short ones fill the
    gaps. A serial run keeps the collection order (and each module's fixtures together).
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
