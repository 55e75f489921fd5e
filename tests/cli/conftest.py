"""Fixtures of the CLI tests: an OAuth emulator on a real socket and a private config folder.

Every test gets its own ``QBO_CONFIG_DIR`` (key, profiles, token files), so logins never
leak between tests or into the user's own folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qbo.cli.main import app
from qbo.emulator import AuthMode, Emulator, EmulatorConfig, create_app
from qbo.testing import ServerThread

_ENV_NAMES = (
    "QBO_TOKEN_KEY",
    "QBO_ACCESS_TOKEN",
    "QBO_PROFILE",
    "QBO_ENV",
    "QBO_BASE_URL",
    "QBO_REALM",
    "QBO_CLIENT_ID",
    "QBO_CLIENT_SECRET",
    "QBO_EMULATOR_URL",
)


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    """The demo company behind a real socket, with OAuth required on /v3."""
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="demo", auth=AuthMode.OAUTH))
    with ServerThread(create_app(emulator)) as url:
        yield url
    emulator.close()


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "qbo-config"
    monkeypatch.setenv("QBO_CONFIG_DIR", str(home))
    for name in _ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return home


class Cli:
    """Runs ``qbo`` in process (typer's runner) against one emulator."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, base_url: bool = True) -> Result:
        argv = (["--base-url", self.base_url] if base_url else []) + list(args)
        result = self.runner.invoke(app, argv, input=input)
        return Result(result.exit_code, result.stdout, result.stderr, result.exception)


class Result:
    def __init__(self, code: int, out: str, err: str, exception: BaseException | None) -> None:
        self.code, self.out, self.err, self.exception = code, out, err, exception

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out[:400]!r}, err={self.err[:400]!r})"


@pytest.fixture
def cli(emulator_url: str, config_home: Path) -> Cli:
    return Cli(emulator_url)


@pytest.fixture
def logged_in(cli: Cli) -> Cli:
    result = cli("auth", "login", "--register-app")
    assert result.code == 0, result
    return cli
