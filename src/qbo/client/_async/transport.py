"""The request core: one logical request in, one response or one typed error out.

Every API call goes through :meth:`AsyncTransport.request`, which

1. fixes the request once (:mod:`qbo.client._prepared`: URL, ``minorversion``, the write's
   ``requestid``, the body bytes), so every retry sends exactly the same request;
2. per attempt: waits for the pacer's admission, tells the hooks, sends through httpx
   (authentication is an ``httpx.Auth``, so token refresh happens inside ``send``),
   releases the pacer slot (dated by when the request was written, see
   :mod:`qbo.client.pacing`), and classifies the outcome;
3. retries transport failures, 429 and 5xx as the :class:`~qbo.client.retry.RetryPolicy`
   says, and raises anything else (or the last failure) as a typed
   :class:`~qbo.client.errors.QBOError`.

Logs go to the ``qbo.client`` logger: method, path, status, attempt, timing and
``intuit_tid``; never headers, bodies or tokens.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Unpack

import httpx

from qbo.client._config import ClientSettings
from qbo.client._prepared import (
    PreparedRequest,
    RequestOptions,
    prepare_api_request,
    prepare_download,
)
from qbo.client._responses import parse_json
from qbo.client._timing import asleep
from qbo.client.error_parsing import error_from_response, error_from_transport, intuit_tid_of
from qbo.client.errors import QBOError
from qbo.client.hooks import RequestEvent, ResponseEvent, RetryEvent
from qbo.client.pacing import Cost, Ticket, counted_ago

log = logging.getLogger("qbo.client")

#: The httpx failures that mean "the request may not have completed": retried.
RETRYABLE_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class Outcome:
    """What one attempt ended with: a response, an error, or both (an error response)."""

    response: httpx.Response | None
    error: QBOError | None
    elapsed: float

    @property
    def status(self) -> int | None:
        return self.response.status_code if self.response is not None else None

    @property
    def tid(self) -> str | None:
        return intuit_tid_of(self.response) if self.response is not None else None


class AsyncSendProbe:
    """httpcore's trace of one paced attempt: when the request was completely written, and
    the round trip of a connection opened for it (the TCP connect time, which bounds the
    one-way delay to the server). The pacer releases the attempt's slot by these."""

    __slots__ = ("_connecting", "_transport", "written")

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport
        self._connecting: float | None = None
        self.written: float | None = None

    async def __call__(self, name: str, info: Mapping[str, Any]) -> None:
        if name.endswith(".send_request_body.complete"):
            self.written = time.monotonic()
        elif name == "connection.connect_tcp.started":
            self._connecting = time.monotonic()
        elif name == "connection.connect_tcp.complete" and self._connecting is not None:
            self._transport.round_trip = time.monotonic() - self._connecting


class AsyncTransport:
    """HTTP for one company: pacing, retries, hooks and logging around an httpx client."""

    def __init__(
        self,
        settings: ClientSettings,
        auth: Callable[[], httpx.Auth | None],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings = settings
        self._auth_factory = auth
        self._auth: httpx.Auth | None = None
        self._auth_built = False
        self._transport = transport
        self._http = http_client
        self._owns_http = http_client is None
        self._lock = threading.Lock()
        self._rng = settings.retry.rng()
        self._closed = False
        #: The connect time of the newest connection (None until one is opened here).
        self.round_trip: float | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        """The httpx client, made on first use (creating one loads TLS certificates)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this qbo client is closed")
            if self._http is None:
                self._http = httpx.AsyncClient(
                    transport=self._transport,
                    timeout=self.settings.timeout,
                    headers={"User-Agent": self.settings.user_agent},
                    follow_redirects=False,
                )
            return self._http

    def _authentication(self) -> httpx.Auth | None:
        with self._lock:
            if not self._auth_built:
                self._auth = self._auth_factory()
                self._auth_built = True
            return self._auth

    async def aclose(self) -> None:
        with self._lock:
            http, self._http = self._http, None
            self._closed = True
        if http is not None and self._owns_http:
            await http.aclose()

    # -- requests -----------------------------------------------------------------------

    async def request(
        self, method: str, path: str, **options: Unpack[RequestOptions]
    ) -> httpx.Response:
        """Send one logical request (retried as needed); the 2xx response or a QBOError."""
        prepared = prepare_api_request(self.settings, method, path, **options)
        return await self._send_with_retries(prepared)

    async def request_json(self, method: str, path: str, **options: Unpack[RequestOptions]) -> Any:
        """:meth:`request` and parse the body (Decimal money); a Fault in a 200 is raised."""
        prepared = prepare_api_request(self.settings, method, path, **options)
        response = await self._send_with_retries(prepared)
        try:
            return parse_json(response)
        except QBOError as error:
            raise _with_request_id(error, prepared) from None

    async def fetch_url(self, url: str) -> bytes:
        """GET an absolute URL handed out by QBO (a download link): no credentials are sent.

        Download links point at storage hosts that must never see the bearer token; they
        are retried like API calls.
        """
        response = await self._send_with_retries(prepare_download(url))
        return response.content

    async def _admit(self, cost: Cost | None) -> Ticket | None:
        pacer = self.settings.pacer
        if pacer is None or cost is None:
            return None
        key = self.settings.pacing_key
        while True:
            got = pacer.try_acquire(key, cost)
            if isinstance(got, Ticket):
                return got
            await asleep(got)

    def _release(self, ticket: Ticket | None, probe: AsyncSendProbe | None) -> None:
        pacer = self.settings.pacer
        if ticket is None or pacer is None:
            return
        ago = 0.0
        if probe is not None:
            margin = pacer.limits.arrival_margin
            ago = counted_ago(probe.written, self.round_trip, margin, time.monotonic())
        pacer.release(ticket, ago)

    async def _send_with_retries(self, prepared: PreparedRequest) -> httpx.Response:
        """Attempt, classify, and retry or raise, as the retry policy says."""
        # The httpx client and the credentials are made before the first admission: making
        # a client loads TLS certificates, which must not count against a pacing slot.
        client = self._client()
        credentials = self._authentication() if prepared.auth else None
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._attempt(client, credentials, prepared, attempt)
            self._report(prepared, attempt, outcome)
            if outcome.error is None:
                assert outcome.response is not None
                return outcome.response
            delay = self._retry_delay(prepared, attempt, outcome, outcome.error)
            head = self._event_head(prepared, attempt)
            self.settings.hooks.retry(RetryEvent(*head, delay, outcome.error))
            await asleep(delay)

    async def _attempt(
        self,
        client: httpx.AsyncClient,
        credentials: httpx.Auth | None,
        prepared: PreparedRequest,
        attempt: int,
    ) -> Outcome:
        """One attempt: pacer admission, the request hook, the send, the pacer's release."""
        ticket = await self._admit(prepared.cost)
        probe = AsyncSendProbe(self) if ticket is not None else None
        self.settings.hooks.request(RequestEvent(*self._event_head(prepared, attempt)))
        started = time.monotonic()
        try:
            response = await self._send(client, credentials, prepared, probe)
        except RETRYABLE_TRANSPORT as exc:
            error = _with_request_id(error_from_transport(exc, what=prepared.what), prepared)
            return Outcome(None, error, time.monotonic() - started)
        except httpx.TransportError as exc:  # misconfiguration (bad URL scheme, proxy)
            raise _with_request_id(error_from_transport(exc, what=prepared.what), prepared) from exc
        finally:
            self._release(ticket, probe)
        elapsed = time.monotonic() - started
        if response.is_success:
            return Outcome(response, None, elapsed)
        return Outcome(response, _with_request_id(error_from_response(response), prepared), elapsed)

    async def _send(
        self,
        client: httpx.AsyncClient,
        credentials: httpx.Auth | None,
        prepared: PreparedRequest,
        probe: AsyncSendProbe | None,
    ) -> httpx.Response:
        request = client.build_request(
            prepared.method,
            prepared.url,
            params=prepared.params or None,
            content=prepared.body,
            headers=prepared.headers,
            extensions={"trace": probe} if probe is not None else None,
        )
        follow = not prepared.auth
        if credentials is not None:
            return await client.send(request, auth=credentials, follow_redirects=follow)
        return await client.send(request, follow_redirects=follow)

    def _event_head(
        self, prepared: PreparedRequest, attempt: int
    ) -> tuple[str, str, str, str, int, str | None]:
        """What every hook event starts with: method, url, path, realm, attempt, requestid."""
        return (
            prepared.method,
            prepared.url,
            prepared.path,
            self.settings.realm_id,
            attempt,
            prepared.request_id,
        )

    def _report(self, prepared: PreparedRequest, attempt: int, outcome: Outcome) -> None:
        """The response hook and, for a success, the debug log line."""
        head = self._event_head(prepared, attempt)
        self.settings.hooks.response(
            ResponseEvent(*head, outcome.status, outcome.elapsed, outcome.tid, outcome.error)
        )
        if outcome.error is None:
            log.debug(
                "%s %s -> %d in %.3fs (attempt %d, intuit_tid=%s)",
                prepared.method,
                prepared.path,
                outcome.status,
                outcome.elapsed,
                attempt,
                outcome.tid,
            )

    def _retry_delay(
        self, prepared: PreparedRequest, attempt: int, outcome: Outcome, error: QBOError
    ) -> float:
        """How long to wait before the next attempt; raises ``error`` when there is none."""
        retry = self.settings.retry
        delay = retry.delay(error, attempt, self._rng)
        shown = outcome.status or type(error).__name__
        if delay is None and attempt > 1 and retry.is_retryable(error):
            log.warning(
                "%s %s -> %s: giving up after %d attempts (intuit_tid=%s)",
                prepared.method,
                prepared.path,
                shown,
                attempt,
                outcome.tid,
            )
            raise error
        if delay is None:
            log.debug(
                "%s %s -> %s (attempt %d, intuit_tid=%s): %s",
                prepared.method,
                prepared.path,
                outcome.status or "no response",
                attempt,
                outcome.tid,
                type(error).__name__,
            )
            raise error
        log.info(
            "%s %s -> %s (attempt %d, intuit_tid=%s); retrying in %.2fs",
            prepared.method,
            prepared.path,
            shown,
            attempt,
            outcome.tid,
            delay,
        )
        return delay


def _with_request_id(error: QBOError, prepared: PreparedRequest) -> QBOError:
    """``error`` carrying the requestid its write was sent with (a read has none)."""
    if error.request_id is None:
        error.request_id = prepared.request_id
    return error
