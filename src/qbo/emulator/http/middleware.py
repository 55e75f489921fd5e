"""The shape every emulator middleware shares: HTTP requests are handled, the rest pass.

Lifespan and other non-HTTP ASGI events go straight to the wrapped app; a subclass
implements :meth:`EmulatorMiddleware.handle` for HTTP requests only.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from qbo.emulator.core import Emulator


class EmulatorMiddleware:
    """An ASGI middleware that sees the emulator (its configuration, its clock)."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
