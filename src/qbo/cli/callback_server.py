"""A one-shot loopback HTTP server that receives the OAuth 2.0 redirect.

``qbo auth login`` sends the user's browser to Intuit (or the emulator); the consent page
redirects to ``http://localhost:PORT/callback?code=...&state=...&realmId=...``. This server
answers that one request with a short page and hands the URL to the waiting command. It
listens on 127.0.0.1 only.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

_PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>qbo</title></head>"
    b"<body style='font-family:sans-serif'><h1>qbo is connected</h1>"
    b"<p>You can close this window and go back to the terminal.</p></body></html>"
)


class CallbackServer:
    """Waits for the first request to ``path`` and keeps its full URL."""

    def __init__(self, port: int = 0, path: str = "/callback") -> None:
        self.path = path
        self._received: str | None = None
        self._event = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?", 1)[0] != owner.path:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(_PAGE)))
                self.end_headers()
                self.wfile.write(_PAGE)
                if owner._received is None:
                    owner._received = self.path
                    owner._event.set()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the URL holds the authorization code: never log it

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.port}{self.path}"

    def __enter__(self) -> CallbackServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout: float) -> str | None:
        """The redirect's path and query, or None when none came within ``timeout``."""
        self._event.wait(timeout)
        return self._received
