"""Tokens in a dict: for tests, scripts and one-process apps that re-connect on restart.

Its lock is a plain ``threading.Lock`` per company: not tied to the thread that took it,
so the async auth flow may take and release it from worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from qbo.client.auth._store_base import DEFAULT_LOCK_TIMEOUT, TokenStoreError, realm_of
from qbo.client.auth.tokens import Token


class _Locked:
    def __init__(self, store: MemoryTokenStore, realm_id: str) -> None:
        self._store = store
        self._realm_id = realm_id

    def load(self) -> Token | None:
        return self._store._tokens.get(self._realm_id)

    def save(self, token: Token) -> None:
        if realm_of(token) != self._realm_id:
            raise ValueError("the token belongs to another company than the one locked")
        self._store._tokens[self._realm_id] = token


class MemoryTokenStore:
    """Each company's token, in this process only."""

    def __init__(self, *tokens: Token, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self._tokens: dict[str, Token] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.lock_timeout = lock_timeout
        for token in tokens:
            self._tokens[realm_of(token)] = token

    def _lock_of(self, realm_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(realm_id, threading.Lock())

    def load(self, realm_id: str) -> Token | None:
        return self._tokens.get(realm_id)

    def save(self, token: Token) -> None:
        with self.lock(realm_of(token)) as locked:
            locked.save(token)

    def delete(self, realm_id: str) -> None:
        with self.lock(realm_id):
            self._tokens.pop(realm_id, None)

    @contextmanager
    def lock(self, realm_id: str) -> Iterator[_Locked]:
        lock = self._lock_of(realm_id)
        if not lock.acquire(timeout=self.lock_timeout):
            raise TokenStoreError(f"timed out waiting for the token lock of company {realm_id}")
        try:
            yield _Locked(self, realm_id)
        finally:
            lock.release()
