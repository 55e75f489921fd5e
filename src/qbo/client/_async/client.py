"""``AsyncClient``: the typed, asynchronous QuickBooks Online client (``Client`` is its twin).

    async with AsyncClient(realm_id, environment="http://127.0.0.1:8000") as qb:
        customer = await qb.customers.create(Customer(DisplayName="Acme"))
        async for invoice in qb.invoices.iter("Balance > '0'"):
            ...

Constructing a client does no I/O: the HTTP connection, TLS context and OAuth tokens are
set up on the first request. One client serves one company (realm) and may be shared by
any number of tasks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from qbo.client._async.batch import AsyncBatch
from qbo.client._async.cdc import run_cdc
from qbo.client._async.core import AsyncCore
from qbo.client._async.entities import AsyncEntityResources
from qbo.client._async.extract import run_extract
from qbo.client._async.reports import AsyncReports
from qbo.client._async.transport import AsyncTransport
from qbo.client._config import (
    DEFAULT_PACING,
    MINOR_VERSION,
    ClientSettings,
    PacingOption,
    auth_factory,
    make_settings,
)
from qbo.client._querytext import QueryLike, to_query
from qbo.client.changes import CDCResult
from qbo.client.environment import Environment
from qbo.client.extraction import PAGE_SIZE, ExtractPage
from qbo.client.hooks import ClientHooks, Hooks, OnRequest, OnResponse, OnRetry
from qbo.client.results import QueryResult
from qbo.client.retry import RetryPolicy
from qbo.schema.base import QBOModel

if TYPE_CHECKING:
    from qbo.client.auth import ClientCredentials, TokenStore


class AsyncClient(AsyncEntityResources):
    """A QuickBooks Online company, asynchronously.

    Authentication: ``access_token=`` (a bearer token used as is), or ``credentials=``
    plus ``token_store=`` (OAuth 2.0 with refresh, from ``qbo.client.auth``), or any
    ``httpx.Auth`` as ``auth=``. ``environment`` is ``"production"``, ``"sandbox"``, a
    base URL (an emulator) or an :class:`~qbo.client.environment.Environment`.

    Transport: ``transport=`` (e.g. ``httpx.ASGITransport(app)`` to run an emulator in
    process) or a ready ``http_client=``; ``timeout`` in seconds; ``retry`` a
    :class:`RetryPolicy`; ``pacing`` a :class:`~qbo.client.pacing.Pacer` or
    :class:`~qbo.client.pacing.PacingLimits` (default: Intuit's limits, shared by the
    process's clients; None turns pacing off). Hooks observe every attempt.
    """

    def __init__(
        self,
        realm_id: str,
        *,
        environment: str | Environment = "production",
        access_token: str | None = None,
        credentials: ClientCredentials | None = None,
        token_store: TokenStore | None = None,
        auth: httpx.Auth | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: float | httpx.Timeout = 120.0,
        retry: RetryPolicy | None = None,
        pacing: PacingOption = DEFAULT_PACING,
        hooks: Sequence[ClientHooks] = (),
        on_request: OnRequest | None = None,
        on_response: OnResponse | None = None,
        on_retry: OnRetry | None = None,
        minor_version: int | None = MINOR_VERSION,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        settings = make_settings(
            realm_id,
            environment,
            retry=retry,
            pacing=pacing,
            hooks=Hooks.build(hooks, on_request, on_response, on_retry),
            minor_version=minor_version,
            timeout=timeout,
            clock=clock,
        )
        http_timeout = settings.timeout.read or 120.0
        authenticate = auth_factory(
            settings.environment,
            access_token=access_token,
            credentials=credentials,
            token_store=token_store,
            auth=auth,
            http_timeout=http_timeout,
        )
        self._core = AsyncCore(
            AsyncTransport(settings, authenticate, transport=transport, http_client=http_client)
        )
        self.reports = AsyncReports(self._core)

    @property
    def settings(self) -> ClientSettings:
        return self._core.settings

    @property
    def realm_id(self) -> str:
        return self._core.settings.realm_id

    def __repr__(self) -> str:
        env = self._core.settings.environment
        return f"<{type(self).__name__} realm={self.realm_id} environment={env.name}>"

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections this client opened (a given http_client is left open)."""
        await self._core.transport.aclose()

    async def query(self, query: QueryLike) -> QueryResult[QBOModel]:
        """Run a query of any entity; rows come back typed by their entity.

        Every matching row is returned (paged 1000 at a time) unless the query sets
        MAXRESULTS; ``SELECT count(*)`` answers ``total_count``.
        """
        return await self._core.query_all(to_query(query))

    def batch(self) -> AsyncBatch:
        """A batch builder: add creates, updates, deletes, voids and queries, then execute."""
        return AsyncBatch(self._core)

    async def cdc(
        self,
        entities: Iterable[str | type[QBOModel]],
        since: datetime | date,
    ) -> CDCResult:
        """Every change to ``entities`` since ``since`` (at most 30 days ago).

        Windows that hit QBO's 1000-object cap are continued until none is capped, so
        nothing is silently dropped; deletions come back as ``Deleted`` tombstones.
        """
        return await run_cdc(self._core, entities, since)

    def extract(
        self,
        entities: Iterable[str | type[QBOModel]] | None = None,
        *,
        start: Mapping[str, int] | None = None,
        page_size: int = PAGE_SIZE,
        on_request: Callable[[], None] | None = None,
    ) -> AsyncIterator[ExtractPage]:
        """Every row of ``entities`` (None: every queryable entity), page by page.

        Batched (30 query items of ``page_size`` rows per request), in Id order,
        inactive names included; pages are raw JSON rows (``page.models()`` types them).
        ``start`` resumes entities at a row position; ``on_request`` is called after
        each HTTP request (for progress).
        """
        return run_extract(
            self._core, entities, start=start, page_size=page_size, on_request=on_request
        )
