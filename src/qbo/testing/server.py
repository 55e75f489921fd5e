"""Serve any ASGI app (the emulator, a webhook receiver) on a loopback port, in a thread.

The socket is made by :func:`qbo.emulator.server.bind`, with the TCP protocol set
explicitly: asyncio turns Nagle's algorithm off only for sockets that say they are TCP,
and without that every keep-alive response waits ~40 ms for a delayed ACK.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Literal

import uvicorn

from qbo.emulator.server import bind
from qbo.emulator.tls import TlsFiles

Lifespan = Literal["auto", "on", "off"]


def loopback_socket(port: int = 0) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (``port`` 0: a free one)."""
    return bind("127.0.0.1", port)


class ServerThread:
    """uvicorn serving ``app`` on a loopback port until the ``with`` block ends."""

    def __init__(
        self, app: Any, port: int = 0, *, tls: TlsFiles | None = None, lifespan: Lifespan = "off"
    ) -> None:
        self.sock = loopback_socket(port)
        self.port: int = self.sock.getsockname()[1]
        self.scheme = "https" if tls else "http"
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                log_level="warning",
                lifespan=lifespan,  # "on" runs the app's start-up and shut-down
                ssl_certfile=str(tls.server_cert) if tls else None,
                ssl_keyfile=str(tls.server_key) if tls else None,
            )
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
