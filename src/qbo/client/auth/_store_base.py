"""What every token store offers, and the one error they raise.

A store keeps one :class:`Token` per company (realm). Its :meth:`TokenStore.lock` is the
cross-process lock of the single-flight refresh: whoever holds it re-reads the token,
refreshes only if nobody else already did, and saves the answer before letting go::

    with store.lock(realm_id) as locked:
        token = locked.load()          # re-read: another process may have refreshed
        if token is due:
            token = oauth.refresh(token)
            locked.save(token)         # persisted before the lock is released
    # ... only now is the new access token used

The protocol is synchronous (a file lock, SQLite's ``BEGIN IMMEDIATE`` and PostgreSQL's
``SELECT ... FOR UPDATE`` all block); the async auth flow runs the locked section in a
worker thread, so the event loop never blocks on it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from qbo.client.auth.tokens import Token
from qbo.client.errors import QBOError

#: Seconds a store waits for its lock before giving up (a refresh takes well under one).
DEFAULT_LOCK_TIMEOUT = 60.0


class TokenStoreError(QBOError):
    """The store could not be read, written, decrypted or locked."""


class LockedTokens(Protocol):
    """One company's stored token while its store's lock is held."""

    def load(self) -> Token | None: ...

    def save(self, token: Token) -> None: ...


@runtime_checkable
class TokenStore(Protocol):
    """Keeps each company's latest token; see the module docstring for the lock's use."""

    def load(self, realm_id: str) -> Token | None: ...

    def save(self, token: Token) -> None: ...

    def lock(self, realm_id: str) -> AbstractContextManager[LockedTokens]: ...


def realm_of(token: Token) -> str:
    """The realm a token is stored under (a token without one cannot be stored)."""
    if not token.realm_id:
        raise ValueError(
            "a token without a realm_id cannot be stored (connect with the accounting scope)"
        )
    return token.realm_id
