"""Run the synchronous ``qbo.Client`` against an in-process ASGI app, with no socket.

httpx ships :class:`httpx.ASGITransport` for async clients only. This transport gives the
sync client the same seam: an event loop in a background thread runs the app, and each
request is handed to it and waited for. The response body is read whole inside the loop,
so nothing of the app runs on the caller's thread.

    with SyncASGITransport(create_app(emulator)) as transport:
        qb = Client(realm, environment="http://emulator", access_token="t", transport=transport)
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any

import httpx


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport that serves requests from an ASGI app in-process."""

    def __init__(self, app: Any, *, timeout: float = 120.0) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="qbo-asgi-transport", daemon=True
        )
        self._thread.start()
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        body = request.read()
        forwarded = httpx.Request(
            request.method, request.url, headers=request.headers, content=body
        )
        future = asyncio.run_coroutine_threadsafe(self._send(forwarded), self._loop)
        status, headers, content = future.result(self._timeout)
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _send(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self._inner.handle_async_request(request)
        content = await response.aread()
        await response.aclose()
        return response.status_code, response.headers.raw, content

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> SyncASGITransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        self.close()
