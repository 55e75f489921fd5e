"""Observation points for metrics and tracing: one event per attempt, response and retry.

Pass callables (``on_request=``, ``on_response=``, ``on_retry=``) or any object with those
methods (:class:`ClientHooks`) to a client. Hooks are plain functions, called inline by
both the sync and the async client, so they must be quick; an exception in a hook is
logged and swallowed (observability must never break a request).

Events carry no secrets: no headers, no bodies, no tokens. The request URL does not hold
any either (QBO's tokens travel in the Authorization header only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

log = logging.getLogger("qbo.client")

E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class RequestEvent:
    """An attempt is about to be sent."""

    method: str
    url: str  # without the query string
    path: str  # the part after /v3/company/{realm}/, e.g. "invoice"
    realm_id: str
    attempt: int  # 1-based
    request_id: str | None


@dataclass(frozen=True, slots=True)
class ResponseEvent:
    """An attempt ended: with an HTTP response (``status``) or a transport ``error``."""

    method: str
    url: str
    path: str
    realm_id: str
    attempt: int
    request_id: str | None
    status: int | None
    elapsed: float  # seconds, this attempt only
    intuit_tid: str | None
    error: Exception | None  # the typed error this attempt produced, if any


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """A failed attempt will be retried after ``delay`` seconds."""

    method: str
    url: str
    path: str
    realm_id: str
    attempt: int  # the attempt that failed
    request_id: str | None
    delay: float
    error: Exception


class ClientHooks(Protocol):
    """An object observing a client; every method is optional in spirit (define all three)."""

    def on_request(self, event: RequestEvent) -> None: ...

    def on_response(self, event: ResponseEvent) -> None: ...

    def on_retry(self, event: RetryEvent) -> None: ...


OnRequest = Callable[[RequestEvent], None]
OnResponse = Callable[[ResponseEvent], None]
OnRetry = Callable[[RetryEvent], None]


class Hooks:
    """The callbacks of one client, fanned out and protected from each other."""

    def __init__(
        self,
        on_request: Sequence[OnRequest] = (),
        on_response: Sequence[OnResponse] = (),
        on_retry: Sequence[OnRetry] = (),
    ) -> None:
        self._on_request = list(on_request)
        self._on_response = list(on_response)
        self._on_retry = list(on_retry)

    @classmethod
    def build(
        cls,
        hooks: Sequence[ClientHooks] = (),
        on_request: OnRequest | None = None,
        on_response: OnResponse | None = None,
        on_retry: OnRetry | None = None,
    ) -> Hooks:
        requests = [h.on_request for h in hooks] + ([on_request] if on_request else [])
        responses = [h.on_response for h in hooks] + ([on_response] if on_response else [])
        retries = [h.on_retry for h in hooks] + ([on_retry] if on_retry else [])
        return cls(requests, responses, retries)

    def request(self, event: RequestEvent) -> None:
        for fn in self._on_request:
            _call(fn, event)

    def response(self, event: ResponseEvent) -> None:
        for fn in self._on_response:
            _call(fn, event)

    def retry(self, event: RetryEvent) -> None:
        for fn in self._on_retry:
            _call(fn, event)


def _call(fn: Callable[[E], None], event: E) -> None:
    try:
        fn(event)
    except Exception:
        log.exception("a qbo client hook raised; ignored")
