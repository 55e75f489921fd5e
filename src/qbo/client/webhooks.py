"""Receiving QuickBooks webhooks: the signature check, both payload formats, an ASGI app.

Intuit signs each delivery with ``intuit-signature: base64(HMAC-SHA256(verifier token,
raw body))``. Deliveries come in the legacy format (``eventNotifications``) or, since
2026, as a CloudEvents array; :func:`parse_events` reads either into one
:class:`WebhookEvent` model.

:class:`WebhookReceiver` is a Starlette app that checks the signature (401 when it does
not match), answers 200 at once (Intuit wants an answer within a few seconds, and its
guides say one) and only then hands the events to your callback or queue. Events may come
late, twice or out of order, so handle them idempotently (``event_id`` helps) and keep a
periodic CDC sweep as the safety net.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from qbo.schema import catalogue
from qbo.schema.instants import parse_instant

log = logging.getLogger("qbo.client.webhooks")

SIGNATURE_HEADER = "intuit-signature"
MAX_BODY_BYTES = 1024 * 1024


class Operation(StrEnum):
    CREATE = "Create"
    UPDATE = "Update"
    DELETE = "Delete"
    MERGE = "Merge"
    VOID = "Void"
    EMAILED = "Emailed"


#: CloudEvents ``type`` verbs (``qbo.invoice.created.v1``) to the legacy operation names.
_VERBS = {
    "created": Operation.CREATE,
    "updated": Operation.UPDATE,
    "deleted": Operation.DELETE,
    "merged": Operation.MERGE,
    "voided": Operation.VOID,
    "emailed": Operation.EMAILED,
}


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One change to one entity, whichever format it came in.

    ``operation`` is one of :class:`Operation` (which compares equal to its string) or,
    for a verb Intuit adds later, the string as sent. ``event_id`` is the CloudEvents id;
    a legacy event has none, so one is derived from its realm, entity, id, operation and
    ``lastUpdated`` — a redelivery of the same event gets the same id.
    """

    realm_id: str
    entity: str
    entity_id: str
    operation: str
    occurred_at: datetime | None
    deleted_id: str | None
    event_id: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)


class WebhookPayloadError(ValueError):
    """The body is not a webhook payload of either known format."""


# -- the signature ---------------------------------------------------------------------------


def sign(body: bytes, verifier_token: str) -> str:
    """The ``intuit-signature`` value of ``body`` (for tests and local senders)."""
    digest = hmac.new(verifier_token.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(body: bytes, header: str | None, verifier_token: str) -> bool:
    """Whether ``header`` is the signature of the raw ``body`` (constant-time comparison)."""
    if not header or not verifier_token:
        return False
    expected = sign(body, verifier_token).encode("ascii")
    # A non-ASCII header cannot match; "replace" keeps the comparison's length honest.
    return hmac.compare_digest(expected, header.strip().encode("ascii", "replace"))


# -- the payloads ----------------------------------------------------------------------------


#: Names that webhooks use but the REST catalogue does not (Intuit's webhook reference
#: calls the currency list "Currency"; its REST entity is CompanyCurrency).
_WEBHOOK_NAMES = {"currency": "Currency"}


def _entity_name(name: str) -> str:
    """The catalogue's spelling (``invoice`` -> ``Invoice``); unknown names as sent."""
    if name.lower() in _WEBHOOK_NAMES:
        return _WEBHOOK_NAMES[name.lower()]
    cat = catalogue()
    found = cat.find_entity(name) or cat.entity_by_path(name)
    return found.name if found is not None else name


def _operation(value: str) -> str:
    for op in Operation:
        if op.value.lower() == value.lower():
            return op
    return value


def _text(value: Any, what: str) -> str:
    """A name or id of an event: a non-empty printable string (or an integer).

    Control characters are refused: no QBO id or name holds one, and an id with a NUL
    could be neither looked up nor stored (PostgreSQL text refuses NUL), which would
    leave the delivery stuck instead of marked bad.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise WebhookPayloadError(f"{what} is missing or not a string")
    if not value.isprintable():
        raise WebhookPayloadError(f"{what} holds control characters")
    return value


def _optional_text(value: Any, what: str) -> str | None:
    """An id that may be absent (``deletedId`` outside merges); empty counts as absent."""
    return None if value is None or value == "" else _text(value, what)


def _derived_id(*parts: str | None) -> str:
    joined = "\x1f".join(p or "" for p in parts)
    return "legacy-" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


def _legacy(document: Mapping[str, Any]) -> list[WebhookEvent]:
    notifications = document.get("eventNotifications")
    if not isinstance(notifications, list):
        raise WebhookPayloadError("eventNotifications must be a list")
    events: list[WebhookEvent] = []
    for notification in notifications:
        if not isinstance(notification, dict):
            raise WebhookPayloadError("each event notification must be an object")
        realm = _text(notification.get("realmId"), "realmId")
        change = notification.get("dataChangeEvent") or {}
        entities = change.get("entities") if isinstance(change, dict) else None
        if not isinstance(entities, list):
            raise WebhookPayloadError("dataChangeEvent.entities must be a list")
        for item in entities:
            if not isinstance(item, dict):
                raise WebhookPayloadError("each entity change must be an object")
            name = _entity_name(_text(item.get("name"), "entity name"))
            entity_id = _text(item.get("id"), "entity id")
            operation = _operation(_text(item.get("operation"), "operation"))
            updated = item.get("lastUpdated")
            deleted = _optional_text(item.get("deletedId"), "deletedId")
            events.append(
                WebhookEvent(
                    realm_id=realm,
                    entity=name,
                    entity_id=entity_id,
                    operation=operation,
                    occurred_at=parse_instant(updated),
                    deleted_id=deleted,
                    event_id=_derived_id(
                        realm, name, entity_id, str(operation), str(updated), str(deleted)
                    ),
                    raw=item,
                )
            )
    return events


def _cloudevent(item: Any) -> WebhookEvent:
    if not isinstance(item, dict):
        raise WebhookPayloadError("each CloudEvent must be an object")
    kind = _text(item.get("type"), "type")
    parts = kind.split(".")
    # qbo.<entity>.<verb>.v<N>; be lenient about the version suffix.
    if len(parts) < 3 or parts[0] != "qbo":
        raise WebhookPayloadError("type is not qbo.<entity>.<verb>.v1")
    entity, verb = parts[1], parts[2]
    data = item.get("data")
    data = data if isinstance(data, dict) else {}
    deleted = _optional_text(data.get("deletedId"), "data.deletedId")
    return WebhookEvent(
        realm_id=_text(item.get("intuitaccountid"), "intuitaccountid"),
        entity=_entity_name(entity),
        entity_id=_text(item.get("intuitentityid"), "intuitentityid"),
        operation=_VERBS.get(verb.lower(), verb),
        occurred_at=parse_instant(item.get("time")),
        deleted_id=deleted,
        event_id=_text(item.get("id"), "id"),
        raw=item,
    )


def parse_events(body: bytes | str | Any) -> list[WebhookEvent]:
    """The events of a delivery: a raw body, or its already-decoded JSON.

    :class:`WebhookPayloadError` when it is neither format; no event is half-read.
    """
    document = body
    if isinstance(body, bytes | str):
        try:
            document = json.loads(body)
        except ValueError:
            raise WebhookPayloadError("the body is not JSON") from None
        except RecursionError:  # not a ValueError: it would escape every caller's handling
            raise WebhookPayloadError("the body is nested too deeply to read") from None
    if isinstance(document, list):
        return [_cloudevent(item) for item in document]
    if isinstance(document, dict):
        if "eventNotifications" in document:
            return _legacy(document)
        if "specversion" in document:  # a single CloudEvent (structured mode)
            return [_cloudevent(document)]
    raise WebhookPayloadError("neither a CloudEvents array nor a legacy eventNotifications object")


# -- the receiver ----------------------------------------------------------------------------


async def read_body(request: Request, max_bytes: int = MAX_BODY_BYTES) -> bytes | None:
    """A delivery's raw body (what the signature covers); None when over ``max_bytes``.

    The declared length is checked first and the stream counted as it comes, so an
    oversized body is refused without being held in memory.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return None
    buffer = bytearray()
    async for chunk in request.stream():
        buffer += chunk
        if len(buffer) > max_bytes:
            return None
    return bytes(buffer)


@runtime_checkable
class SupportsPutNowait(Protocol):
    """``asyncio.Queue`` (on the server's event loop) or ``queue.Queue`` (any thread)."""

    def put_nowait(self, item: WebhookEvent, /) -> None: ...


Handler = Callable[[WebhookEvent], Awaitable[None] | None] | SupportsPutNowait


class WebhookReceiver:
    """An ASGI app receiving deliveries at ``path`` (POST), for uvicorn or any ASGI server.

    ``verifier_token`` may be a list while a token is being replaced (any one may sign).
    ``handler`` is a callback (sync callbacks run in a thread pool) or a queue; it is
    called once per event, in delivery order, after the 200 answer was sent. Its errors
    are logged and do not change the answer (Intuit has already been told 200).
    """

    def __init__(
        self,
        verifier_token: str | Sequence[str],
        handler: Handler,
        *,
        path: str = "/",
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        tokens = [verifier_token] if isinstance(verifier_token, str) else list(verifier_token)
        if not tokens or not all(tokens):
            raise ValueError("a verifier token is required")
        self._tokens = tokens
        self._queue: SupportsPutNowait | None = None
        self._callback: Callable[[WebhookEvent], Awaitable[None] | None] | None = None
        if isinstance(handler, SupportsPutNowait):
            self._queue = handler
        else:
            self._callback = handler
        call = getattr(handler, "__call__", None)  # noqa: B004 - async callable objects too
        self._callback_is_async = inspect.iscoroutinefunction(
            handler
        ) or inspect.iscoroutinefunction(call)
        self.max_body_bytes = max_body_bytes
        self.app = Starlette(routes=[Route(path, self._endpoint, methods=["POST"])])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def verify(self, body: bytes, header: str | None) -> bool:
        # Check every token (no early exit), so timing does not tell which one matched.
        results = [verify_signature(body, header, t) for t in self._tokens]
        return any(results)

    async def _endpoint(self, request: Request) -> Response:
        body = await read_body(request, self.max_body_bytes)
        if body is None:
            return Response(status_code=413)
        if not self.verify(body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("webhook delivery refused: the signature does not match")
            return Response(status_code=401)
        try:
            events = parse_events(body)
        except WebhookPayloadError as exc:
            log.warning("webhook delivery refused: %s", exc)
            return Response(status_code=400)
        return Response(status_code=200, background=BackgroundTask(self._deliver, events))

    async def _deliver(self, events: Iterable[WebhookEvent]) -> None:
        for event in events:
            try:
                await self._hand_over(event)
            except Exception:
                log.exception(
                    "webhook handler failed on %s %s %s (realm %s)",
                    event.entity,
                    event.entity_id,
                    event.operation,
                    event.realm_id,
                )

    async def _hand_over(self, event: WebhookEvent) -> None:
        if self._queue is not None:
            self._queue.put_nowait(event)
        elif self._callback is not None:
            result = (
                self._callback(event)
                if self._callback_is_async
                else await run_in_threadpool(self._callback, event)
            )
            if inspect.isawaitable(result):
                await result
