"""httpx auth that keeps a company's access token fresh, refreshing it exactly once.

Intuit's refresh tokens rotate: two workers refreshing with one refresh token, or a new
refresh token that was never saved, end in ``invalid_grant`` and a manual reconnect. So:

- **One refresh at a time**, at three levels: a ``threading.Lock`` per company (threads of
  this process), an ``anyio.Lock`` per company and event loop (tasks), and the token
  store's own lock (processes and machines sharing the store).
- **Re-read under the lock.** Whoever gets the store's lock reads the stored token again;
  if someone else already refreshed (the stored access token is fresh and is not the one
  that just failed), that token is used and no refresh is made.
- **Persist before use.** The refreshed token is saved while the lock is still held; only
  after the lock is released is the new access token sent.
- **Refresh early and on 401.** A token due within ``skew`` (5 minutes) is refreshed before
  the request; a 401 answer triggers one refresh and one retry of the request.
- **Hard expiry.** Tokens know when their five-year limit ends (``Token.hard_expires_at``;
  we always ask the token endpoint for it): a warning is logged from 30 days before, and
  past it :class:`ReauthorizationRequired` is raised instead of attempting a refresh.

The async flow runs the locked section (store lock, refresh, save) in a worker thread
with the blocking OAuth client: one implementation for both flows, a blocking store
lock never stalls the event loop, and a cancelled task cannot abandon a refresh between
the token endpoint's answer and the save (the thread finishes and saves regardless).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import threading
from collections.abc import AsyncGenerator, Generator
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
import httpx

from qbo.client.auth._store_base import TokenStore
from qbo.client.auth.oauth import OAuthClient
from qbo.client.auth.tokens import Clock, Token
from qbo.client.errors import AuthenticationError, ReauthorizationRequired

log = logging.getLogger("qbo.client.auth")

DEFAULT_SKEW = timedelta(minutes=5)
HARD_EXPIRY_WARNING = timedelta(days=30)
_REALM_IN_PATH = re.compile(r"/v3/company/([^/?#]+)")


class RefreshingAuth(httpx.Auth):
    """Bearer auth from a token store, refreshed single-flight (see the module docstring).

    The company is ``realm_id`` when given, else read from each request's path
    (``/v3/company/{realm}/...``), so one auth can serve every company in the store.
    """

    # Read the body up front so that the request can be sent again after a 401.
    requires_request_body = True

    def __init__(
        self,
        oauth: OAuthClient,
        store: TokenStore,
        *,
        realm_id: str | None = None,
        skew: timedelta = DEFAULT_SKEW,
        hard_expiry_warning: timedelta = HARD_EXPIRY_WARNING,
        clock: Clock | None = None,
    ) -> None:
        self.oauth = oauth
        self.store = store
        self.realm_id = realm_id
        self.skew = skew
        self.hard_expiry_warning = hard_expiry_warning
        self.clock: Clock = clock or oauth.clock
        #: Refreshes this object made (not those other processes made for it).
        self.refresh_count = 0
        self._tokens: dict[str, Token] = {}
        self._guard = threading.Lock()
        self._thread_locks: dict[str, threading.Lock] = {}
        self._loop_locks: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, anyio.Lock]] = (
            WeakKeyDictionary()
        )
        self._other_locks: dict[int, dict[str, anyio.Lock]] = {}
        self._warned: set[tuple[str, datetime]] = set()
        self._refused: set[str] = set()  # SHA-256 of refresh tokens answered invalid_grant

    def __repr__(self) -> str:
        return (
            f"RefreshingAuth(client_id={self.oauth.credentials.client_id!r}, store={self.store!r})"
        )

    # -- the flows ------------------------------------------------------------------------

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        realm = self._realm(request)
        token = self._usable_cached(realm, None) or self._obtain(realm, None)
        _authorize(request, token)
        response = yield request
        if response.status_code == 401:
            token = self._obtain(realm, token.access_token)
            _authorize(request, token)
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        realm = self._realm(request)
        token = self._usable_cached(realm, None) or await self._aobtain(realm, None)
        _authorize(request, token)
        response = yield request
        if response.status_code == 401:
            token = await self._aobtain(realm, token.access_token)
            _authorize(request, token)
            yield request

    # -- for callers outside httpx ----------------------------------------------------------

    def get_token(self, realm_id: str) -> Token:
        """A token for ``realm_id`` that is not due (refreshed if it was)."""
        return self._usable_cached(realm_id, None) or self._obtain(realm_id, None)

    async def aget_token(self, realm_id: str) -> Token:
        return self._usable_cached(realm_id, None) or await self._aobtain(realm_id, None)

    # -- single flight ----------------------------------------------------------------------

    def _realm(self, request: httpx.Request) -> str:
        if self.realm_id is not None:
            return self.realm_id
        found = _REALM_IN_PATH.search(request.url.path)
        if found is None:
            raise AuthenticationError(
                "cannot tell which company's token to use: the URL has no /v3/company/{realm}; "
                "give RefreshingAuth a realm_id"
            )
        return found.group(1)

    def _usable(self, token: Token, failed: str | None) -> bool:
        """Not due, and not the access token the server just refused."""
        return not token.is_due(self.clock(), self.skew) and token.access_token != failed

    def _usable_cached(self, realm: str, failed: str | None) -> Token | None:
        token = self._tokens.get(realm)
        return token if token is not None and self._usable(token, failed) else None

    def _thread_lock(self, realm: str) -> threading.Lock:
        with self._guard:
            return self._thread_locks.setdefault(realm, threading.Lock())

    def _task_lock(self, realm: str) -> anyio.Lock:
        with self._guard:
            try:
                loop = asyncio.get_running_loop()
                locks = self._loop_locks.setdefault(loop, {})
            except RuntimeError:  # another async library (trio): one loop per thread
                locks = self._other_locks.setdefault(threading.get_ident(), {})
            return locks.setdefault(realm, anyio.Lock())

    async def _aobtain(self, realm: str, failed: str | None) -> Token:
        # One task per loop goes to the worker thread; the others find its token cached.
        async with self._task_lock(realm):
            cached = self._usable_cached(realm, failed)
            if cached is not None:
                return cached
            return await anyio.to_thread.run_sync(self._obtain, realm, failed)

    def _obtain(self, realm: str, failed: str | None) -> Token:
        """A usable token: cached, else stored, else refreshed under the store's lock."""
        with self._thread_lock(realm):
            cached = self._usable_cached(realm, failed)
            if cached is not None:
                return cached
            if realm not in self._tokens:
                stored = self.store.load(realm)  # first use: no lock needed to read
                if stored is not None and self._usable(stored, failed):
                    return self._remember(realm, stored)
            with self.store.lock(realm) as locked:
                stored = locked.load()
                if stored is None:
                    raise ReauthorizationRequired(
                        f"no token is stored for company {realm}: connect the app first"
                    )
                if self._usable(stored, failed):
                    fresh = stored  # another worker refreshed while we waited
                else:
                    self._check_hard_expiry(realm, stored)
                    fresh = self._refresh(realm, stored)
                    if fresh.realm_id != realm:
                        fresh = fresh.with_realm(realm)
                    locked.save(fresh)  # persisted before the lock is released
                    self.refresh_count += 1
            return self._remember(realm, fresh)

    def _refresh(self, realm: str, token: Token) -> Token:
        """``oauth.refresh``, remembering refresh tokens the server refused for good.

        Without that, every request of every thread would send the dead refresh token
        again until someone reconnects the company.
        """
        fingerprint = hashlib.sha256(token.refresh_token.encode("utf-8")).hexdigest()
        if fingerprint in self._refused:
            raise ReauthorizationRequired(
                f"the connection to company {realm} was refused earlier (invalid_grant): "
                "the user must connect the app again",
                code="invalid_grant",
            )
        try:
            return self.oauth.refresh(token)
        except ReauthorizationRequired:
            self._refused.add(fingerprint)
            raise

    def _remember(self, realm: str, token: Token) -> Token:
        self._tokens[realm] = token
        self._warn_hard_expiry(realm, token)
        return token

    # -- the five-year limit --------------------------------------------------------------

    def _check_hard_expiry(self, realm: str, token: Token) -> None:
        if token.hard_expires_at is not None and self.clock() >= token.hard_expires_at:
            raise ReauthorizationRequired(
                f"the connection to company {realm} reached its five-year limit on "
                f"{token.hard_expires_at.date().isoformat()}: the user must connect the app again",
                code="hard_expiry",
            )

    def _warn_hard_expiry(self, realm: str, token: Token) -> None:
        hard = token.hard_expires_at
        if hard is None or hard - self.clock() > self.hard_expiry_warning:
            return
        key = (realm, hard)
        with self._guard:
            if key in self._warned:
                return
            self._warned.add(key)
        log.warning(
            "the connection to company %s ends on %s (the refresh token's five-year limit): "
            "ask the user to connect the app again before then",
            realm,
            hard.isoformat(),
        )


def _authorize(request: httpx.Request, token: Token) -> None:
    request.headers["Authorization"] = f"Bearer {token.access_token}"
