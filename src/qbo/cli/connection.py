"""Which company a command talks to, and a client for it.

A command finds its company from, in order: its options (``--profile``, ``--env``,
``--base-url``, ``--realm``, given to ``qbo`` itself), the environment (``QBO_PROFILE``,
``QBO_ENV``, ``QBO_BASE_URL``, ``QBO_REALM``, ``QBO_ACCESS_TOKEN``), and the profile that
``qbo auth login`` saved. With a saved login the client refreshes its tokens on its own
(single-flight, in the encrypted token file); with ``QBO_ACCESS_TOKEN`` it uses that bearer
token as is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qbo.cli import config
from qbo.client.auth import ClientCredentials, TokenStore

if TYPE_CHECKING:
    from qbo.client import AsyncClient, Client


@dataclass
class GlobalOptions:
    """What ``qbo``'s own options said (set once by the root callback)."""

    profile: str | None = None
    environment: str | None = None
    base_url: str | None = None
    realm: str | None = None


OPTIONS = GlobalOptions()


@dataclass(frozen=True)
class Connection:
    """Everything a client needs for one company."""

    profile: str
    environment: str  # production, sandbox or a base URL
    realm_id: str
    credentials: ClientCredentials | None = None
    token_store: TokenStore | None = None
    access_token: str | None = field(default=None, repr=False)


def profile_name(explicit: str | None = None) -> str:
    return explicit or OPTIONS.profile or os.environ.get("QBO_PROFILE") or config.DEFAULT_PROFILE


def chosen_environment(environment: str | None, base_url: str | None) -> str | None:
    """``--base-url`` wins over ``--env``; then the environment variables."""
    return (
        base_url
        or environment
        or OPTIONS.base_url
        or OPTIONS.environment
        or os.environ.get("QBO_BASE_URL")
        or os.environ.get("QBO_ENV")
    )


def resolve_connection(
    environment: str | None = None,
    base_url: str | None = None,
    realm: str | None = None,
    *,
    profile: str | None = None,
) -> Connection:
    """The company a command works on, or a :class:`~qbo.cli.config.ConfigError` saying why none."""
    name = profile_name(profile)
    env = chosen_environment(environment, base_url)
    realm_id = realm or OPTIONS.realm or os.environ.get("QBO_REALM")
    access_token = os.environ.get("QBO_ACCESS_TOKEN")
    if access_token:
        if not env or not realm_id:
            raise config.ConfigError(
                "QBO_ACCESS_TOKEN needs a company and a host too: set --realm (QBO_REALM) "
                "and --env or --base-url (QBO_ENV, QBO_BASE_URL)"
            )
        return Connection(name, env, realm_id, access_token=access_token)
    saved = config.load_profile(name)
    if saved is None:
        raise config.ConfigError(
            f"not logged in (no profile {name!r}): run qbo auth login, or set QBO_ACCESS_TOKEN"
        )
    credentials = ClientCredentials(
        saved.client_id, config.decrypt_secret(saved), saved.redirect_uri
    )
    return Connection(
        name,
        env or saved.environment,
        realm_id or saved.realm_id,
        credentials=credentials,
        token_store=config.token_store(name),
    )


def client_arguments(conn: Connection) -> dict[str, Any]:
    """What ``Client`` and ``AsyncClient`` take, besides the realm, for this connection."""
    return {
        "environment": conn.environment,
        "access_token": conn.access_token,
        "credentials": conn.credentials,
        "token_store": conn.token_store,
    }


def open_client(conn: Connection, **options: Any) -> Client:
    """A :class:`qbo.Client` for the connection (close it, or use it in ``with``)."""
    from qbo.client import Client

    return Client(conn.realm_id, **client_arguments(conn), **options)


def open_async_client(conn: Connection, **options: Any) -> AsyncClient:
    """A :class:`qbo.AsyncClient` for the connection."""
    from qbo.client import AsyncClient

    return AsyncClient(conn.realm_id, **client_arguments(conn), **options)
