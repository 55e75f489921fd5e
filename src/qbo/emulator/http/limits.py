"""Request body limits, enforced while the body is read so an oversized one is never held.

Every route has a limit: QBO's 4 MiB (``max_body_bytes``) for the API and the control
plane, the upload limit plus room for the metadata part on ``/upload``, and 64 KiB for the
OAuth endpoints (a form of a few fields; they answer before any credential is checked, so
they are the cheapest to abuse) and anything else. A ``Content-Length`` over the limit is
refused before a byte is read; a chunked body is counted as it arrives and refused the
moment it passes the limit, so memory holds at most one limit's worth, never the body.

Before answering, the rest of the body is read and thrown away (up to ``DRAIN_BYTES``):
a server that closes a connection its client is still writing to resets it, and the
client sees a broken pipe instead of the answer. A body longer than that gets the answer
and a closed connection.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from qbo.emulator.config import EmulatorConfig
from qbo.emulator.http.middleware import EmulatorMiddleware
from qbo.emulator.http.responses import new_tid, refusal_response

SMALL_BODY_BYTES = 64 * 1024
UPLOAD_OVERHEAD_BYTES = 1024 * 1024
DRAIN_BYTES = 128 * 1024 * 1024


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a body passes its route's limit (answered by the middleware)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def body_limit(config: EmulatorConfig, path: str) -> int:
    """The most bytes a request to ``path`` may carry."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["v3", "company"]:
        if len(parts) == 4 and parts[3].lower() == "upload":
            return max(config.max_body_bytes, config.max_upload_bytes + UPLOAD_OVERHEAD_BYTES)
        return config.max_body_bytes
    if parts[:1] == ["_emulator"]:
        return config.max_body_bytes
    return SMALL_BODY_BYTES


class BodyLimitMiddleware(EmulatorMiddleware):
    """Counts each request body against its route's limit as it is received."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        limit = body_limit(self.emulator.config, path)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            if declared - limit <= DRAIN_BYTES:
                await _drain(receive, DRAIN_BYTES)
            await self._refuse(send, path, limit, declared)
            return
        started = False
        counted = _CountedReceive(receive, limit)

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await _drain(receive, DRAIN_BYTES)
            await self._refuse(send, path, limit, None)

    async def _refuse(self, send: Send, path: str, limit: int, declared: int | None) -> None:
        size = f"{declared} bytes" if declared is not None else f"more than {limit} bytes"
        detail = f"Request body is too large ({size}; at most {limit})"
        status = 400 if path.startswith("/v3/") else 413  # QBO's 400 fault; else HTTP's 413
        response = refusal_response(path, status, detail, self.emulator.clock.now())
        headers = [*response.raw_headers, (b"intuit_tid", new_tid().encode())]
        headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": bytes(response.body)})


class _CountedReceive:
    """``receive``, raising :class:`BodyTooLarge` once the body passes ``limit`` bytes.

    ``__self__`` is the wrapped receive's (uvicorn's request cycle, holding the
    connection), so the connection-reset fault of :mod:`.conditions` still reaches it.
    """

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self._limit = limit
        self._received = 0
        self.__self__ = getattr(receive, "__self__", None)

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._limit:
                raise BodyTooLarge(self._limit)
        return message


async def _drain(receive: Receive, budget: int) -> None:
    """Read and discard the rest of a body, at most ``budget`` bytes of it."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None
