"""The app's credentials and one company's OAuth tokens, as values.

A :class:`Token` is what a token store keeps: it round-trips through JSON without loss
(datetimes as ISO 8601 with their offset). Its ``repr`` never shows a credential, so a
token can be logged or put in an assertion message without leaking it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard

#: Where "now" comes from. Injectable so tests (and the emulator's movable clock) can
#: decide when a token is due, without sleeping.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """An app's client id and secret (from Intuit's developer portal, or the emulator)."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str | None = None


@dataclass(frozen=True, slots=True)
class Token:
    """One company's tokens and when each ends (all datetimes timezone-aware).

    - ``expires_at``: the access token's end (an hour after issue);
    - ``refresh_expires_at``: the refresh token's rolling end (100 days after last use);
    - ``hard_expires_at``: the five-year limit after which the user must connect again
      (known only when the token endpoint was asked for it; None otherwise).
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    realm_id: str | None
    expires_at: datetime
    refresh_expires_at: datetime | None = None
    hard_expires_at: datetime | None = None
    scope: str | None = None
    id_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("expires_at", "refresh_expires_at", "hard_expires_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"Token.{name} must be timezone-aware")

    def is_due(self, now: datetime, skew: timedelta = timedelta(0)) -> bool:
        """True when the access token has ended, or ends within ``skew``."""
        return now >= self.expires_at - skew

    def with_realm(self, realm_id: str) -> Token:
        return replace(self, realm_id=realm_id)

    # -- JSON -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "realm_id": self.realm_id,
            "expires_at": self.expires_at.isoformat(),
            "refresh_expires_at": _iso(self.refresh_expires_at),
            "hard_expires_at": _iso(self.hard_expires_at),
            "scope": self.scope,
            "id_token": self.id_token,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Token:
        """The token :meth:`to_dict` wrote; ValueError (naming no value) when malformed."""
        try:
            access, refresh = data["access_token"], data["refresh_token"]
            if not isinstance(access, str) or not isinstance(refresh, str):
                raise TypeError
            realm = data.get("realm_id")
            return cls(
                access_token=access,
                refresh_token=refresh,
                realm_id=None if realm is None else str(realm),
                expires_at=_parse(data["expires_at"]),
                refresh_expires_at=_parse_optional(data.get("refresh_expires_at")),
                hard_expires_at=_parse_optional(data.get("hard_expires_at")),
                scope=_optional_str(data.get("scope")),
                id_token=_optional_str(data.get("id_token")),
            )
        except (KeyError, TypeError, ValueError):
            raise ValueError("not a stored token (missing or malformed fields)") from None

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Token:
        try:
            data = json.loads(text)
        except ValueError:
            raise ValueError("not a stored token (invalid JSON)") from None
        if not isinstance(data, dict):
            raise ValueError("not a stored token (not a JSON object)")
        return cls.from_dict(data)

    # -- from the token endpoint -----------------------------------------------------------

    @classmethod
    def from_response(
        cls,
        body: Mapping[str, Any],
        *,
        now: datetime,
        realm_id: str | None,
        scope: str | None = None,
        previous: Token | None = None,
    ) -> Token:
        """The token of a successful token-endpoint answer, received at ``now``.

        A refresh answer carries no id_token, and carries the hard expiry only when asked
        for it: those are kept from ``previous``.
        """
        hard_in = body.get("x_refresh_token_hard_expires_in")
        refresh_in = body.get("x_refresh_token_expires_in")
        id_token = body.get("id_token")
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            realm_id=realm_id,
            expires_at=now + timedelta(seconds=int(body["expires_in"])),
            refresh_expires_at=(
                now + timedelta(seconds=int(refresh_in))
                if _is_number(refresh_in)
                else (previous.refresh_expires_at if previous else None)
            ),
            hard_expires_at=(
                now + timedelta(seconds=int(hard_in))
                if _is_number(hard_in)
                else (previous.hard_expires_at if previous else None)
            ),
            scope=scope if scope is not None else (previous.scope if previous else None),
            id_token=(
                id_token if isinstance(id_token, str) else (previous.id_token if previous else None)
            ),
        )


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError
    return parsed


def _parse_optional(value: Any) -> datetime | None:
    return None if value is None else _parse(value)


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError
    return value
