"""Constructing a client: checked arguments, every URL configurable, and no I/O at all."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from qbo.client import AsyncClient, Client, ConfigurationError, Environment, PacingLimits
from qbo.client._static_auth import BearerAuth
from qbo.client.auth import ClientCredentials, MemoryTokenStore
from qbo.client.environment import PRODUCTION, SANDBOX


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any socket use fails the test: constructors must not touch the network."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a client constructor opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def test_constructors_do_no_io(no_network: None) -> None:
    store = MemoryTokenStore()
    for cls in (Client, AsyncClient):
        client = cls(
            "123",
            environment="sandbox",
            credentials=ClientCredentials("id", "secret", "http://127.0.0.1/cb"),
            token_store=store,
        )
        assert client.settings.environment is SANDBOX
        assert client._core.transport._http is None  # no httpx client (no TLS context) yet
        assert client._core.transport._auth_built is False  # the token store is untouched
        assert "secret" not in repr(client)


def test_environments_and_urls() -> None:
    assert Client("1").settings.environment is PRODUCTION
    assert Client("1").settings.company_url == "https://quickbooks.api.intuit.com/v3/company/1"
    local = Client("42", environment="http://127.0.0.1:8000/")
    assert local.settings.company_url == "http://127.0.0.1:8000/v3/company/42"
    assert (
        local.settings.environment.token_endpoint == "http://127.0.0.1:8000/oauth2/v1/tokens/bearer"
    )
    custom = Environment(
        "proxy",
        "https://api.example",
        "https://a.example/auth",
        "https://a.example/token",
        "https://a.example/revoke",
        "https://a.example/userinfo",
        "https://a.example/jwks",
        "https://a.example",
        "https://a.example/.well-known/openid_configuration",
    )
    assert (
        Client("7", environment=custom).settings.company_url == "https://api.example/v3/company/7"
    )
    with pytest.raises(ValueError):
        Client("1", environment="staging")


def test_conflicting_or_bad_arguments_fail_at_once() -> None:
    with pytest.raises(ConfigurationError):
        Client("1", access_token="a", auth=BearerAuth("b"))
    with pytest.raises(ConfigurationError):
        Client("1", access_token="a", token_store=MemoryTokenStore())
    with pytest.raises(ConfigurationError):
        Client("1", token_store=MemoryTokenStore())  # credentials missing
    with pytest.raises(ConfigurationError):
        Client("1", access_token="  ")
    with pytest.raises(ConfigurationError):
        Client("")
    with pytest.raises(ConfigurationError):
        Client("1/2")
    with pytest.raises(ConfigurationError):
        Client("1", pacing="fast")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PacingLimits(per_second=0)


def test_default_pacing_is_shared_per_process() -> None:
    shared = Client("1").settings.pacer
    assert shared is not None and shared is AsyncClient("2").settings.pacer
    assert shared.limits == PacingLimits()  # Intuit's: 500/min, 10/s, 10 in flight
    assert Client("1", pacing=None).settings.pacer is None
    own = Client("1", pacing=PacingLimits(per_second=2)).settings.pacer
    assert own is not None and own is not shared and own.limits.per_second == 2
