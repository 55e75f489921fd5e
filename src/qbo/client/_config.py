"""A client's settings, checked when the client is built (and without any I/O).

Both clients turn their constructor arguments into one :class:`ClientSettings`; the
transport and the resources read it. Authentication is resolved lazily by
:func:`auth_factory`: OAuth token stores are only touched on the first request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Final, Literal, TypeAlias

import httpx

from qbo.client.environment import Environment, resolve
from qbo.client.errors import ConfigurationError
from qbo.client.hooks import Hooks
from qbo.client.pacing import Pacer, PacingLimits, default_pacer
from qbo.client.retry import RetryPolicy

if TYPE_CHECKING:
    from qbo.client.auth import ClientCredentials, TokenStore

#: Every request asks for this minor version (QBO serves anything lower as 75 anyway).
MINOR_VERSION = 75
#: QBO gives up on requests after 120 s; a client should not wait much less for a report.
DEFAULT_TIMEOUT = 120.0
USER_AGENT = "qbo-python/0.1"
#: QBO allows 50 characters (36 for a batch); a uuid4 in hex is 32.
MAX_REQUEST_ID = 36


def new_request_id() -> str:
    """A fresh requestid: a uuid4 in hex (32 characters)."""
    return uuid.uuid4().hex


def check_request_id(request_id: str) -> str:
    if not request_id or not request_id.strip() or len(request_id) > MAX_REQUEST_ID:
        raise ValueError(f"a requestid must be 1 to {MAX_REQUEST_ID} characters")
    return request_id


def utc_now() -> datetime:
    return datetime.now(UTC)


class _DefaultPacing(Enum):
    """The marker for "use the process-wide pacer with Intuit's limits"."""

    DEFAULT = "DEFAULT"

    def __repr__(self) -> str:
        return "DEFAULT_PACING"


DEFAULT_PACING: Final = _DefaultPacing.DEFAULT
PacingOption: TypeAlias = Pacer | PacingLimits | Literal[_DefaultPacing.DEFAULT] | None


@dataclass(frozen=True)
class ClientSettings:
    """Everything a client needs besides its HTTP connection."""

    realm_id: str
    environment: Environment
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    pacer: Pacer | None = None
    hooks: Hooks = field(default_factory=Hooks)
    minor_version: int | None = MINOR_VERSION
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(DEFAULT_TIMEOUT))
    user_agent: str = USER_AGENT
    clock: Callable[[], datetime] = utc_now  # what "now" is, for the CDC look-back check

    @property
    def company_url(self) -> str:
        return self.environment.company_url(self.realm_id)

    @property
    def pacing_key(self) -> str:
        return f"{self.environment.api_base.rstrip('/')}|{self.realm_id}"


def make_settings(
    realm_id: str,
    environment: str | Environment,
    *,
    retry: RetryPolicy | None,
    pacing: PacingOption,
    hooks: Hooks,
    minor_version: int | None,
    timeout: float | httpx.Timeout,
    clock: Callable[[], datetime] | None,
) -> ClientSettings:
    """Validate constructor arguments (ValueError/ConfigurationError at once, no I/O)."""
    if not isinstance(realm_id, str) or not realm_id.strip() or "/" in realm_id:
        raise ConfigurationError("realm_id must be a non-empty company id (no slashes)")
    if pacing is DEFAULT_PACING:
        pacer: Pacer | None = default_pacer()
    elif isinstance(pacing, PacingLimits):
        pacer = Pacer(pacing)
    elif pacing is None or isinstance(pacing, Pacer):
        pacer = pacing
    else:
        raise ConfigurationError("pacing must be a Pacer, PacingLimits or None")
    return ClientSettings(
        realm_id=realm_id.strip(),
        environment=resolve(environment),
        retry=retry or RetryPolicy(),
        pacer=pacer,
        hooks=hooks,
        minor_version=minor_version,
        timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
        clock=clock or utc_now,
    )


def auth_factory(
    environment: Environment,
    *,
    access_token: str | None,
    credentials: ClientCredentials | None,
    token_store: TokenStore | None,
    auth: httpx.Auth | None,
    http_timeout: float,
) -> Callable[[], httpx.Auth | None]:
    """A function building the request authentication on first use (no I/O before).

    ``auth`` (any httpx.Auth) is used as given; otherwise
    :func:`qbo.client.auth.build_auth` makes a static bearer auth from ``access_token`` or
    a refreshing OAuth 2.0 auth from ``credentials`` and ``token_store``. Conflicting
    arguments fail here, at construction.
    """
    given = [name for name, v in (("auth", auth), ("access_token", access_token)) if v is not None]
    if credentials is not None or token_store is not None:
        given.append("credentials/token_store")
    if len(given) > 1:
        raise ConfigurationError(f"pass only one of: {', '.join(given)}")
    if access_token is not None and not access_token.strip():
        raise ConfigurationError("access_token is empty")
    if (credentials is None) != (token_store is None):
        raise ConfigurationError("refreshing tokens needs both credentials and a token_store")
    if auth is not None:
        return lambda: auth

    def build() -> httpx.Auth | None:
        # Imported here: OAuth support loads cryptography and token stores, which a client
        # with a static token (or none, against an emulator) never needs.
        from qbo.client.auth import build_auth

        return build_auth(
            environment,
            credentials=credentials,
            token_store=token_store,
            access_token=access_token,
            http_timeout=http_timeout,
        )

    return build
