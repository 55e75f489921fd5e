"""Cross-site requests: a web page must not drive the emulator from the user's browser.

The emulator listens on the user's machine, so any page the user opens can send it
requests. Three checks, in one place, stop that before any route runs:

- **Host.** DNS rebinding points an attacker's name at 127.0.0.1, after which the page
  reads the emulator's answers as its own origin. The ``Host`` it sends is then the
  attacker's name, so only names no attacker can answer for are served: IP literals,
  ``localhost`` and ``*.localhost``, single-label names (a container's name), the names
  reserved for tests and private use (``.test``, ``.invalid``, ``.example``, ``.local``,
  ``.internal``), and the names configured in ``allowed_hosts`` (``serve --allowed-host``,
  and the address it binds); ``"*"`` there serves any name.
- **Origin.** A write (any method but GET, HEAD, OPTIONS) whose ``Origin`` is not the
  request's own (or is ``null``) is refused: browsers send ``Origin`` on every
  cross-origin write, including a body-less POST that no content-type rule would catch.
- **Content-Type.** A write that declares a type must declare one QBO accepts there:
  ``application/json`` (and ``application/text`` for ``/query``, ``multipart/form-data``
  for ``/upload``, ``application/octet-stream`` or form-encoded for ``/send``),
  form-encoded (or JSON) for the OAuth endpoints, JSON for the control plane. A page can send ``text/plain`` anywhere without asking; it cannot send JSON. A
  body with no type is taken as the route's own (as before): a page can send one only
  with an ``Origin``, which the previous check refuses.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from starlette.types import Receive, Scope, Send

from qbo.emulator.http.middleware import EmulatorMiddleware
from qbo.emulator.http.responses import refusal_response
from qbo.emulator.oauth.server import AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH, USERINFO_PATH

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PRIVATE_SUFFIXES = (".localhost", ".test", ".invalid", ".example", ".local", ".internal")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
#: Besides JSON, which every API route takes: per last path segment, what QBO takes there.
#: QBO ignores ``send``'s body, whatever type it declares: Intuit's SDKs send it empty as
#: ``application/octet-stream``, axios-based clients (node-quickbooks) as form-encoded.
API_EXTRA_TYPES = {
    "query": ("application/text",),
    "upload": ("multipart/form-data",),
    "send": ("application/octet-stream", FORM),
}


@lru_cache(maxsize=256)
def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """True for a Host header's name (port stripped) that no attacker's DNS can answer for.

    Remembered per (host, allow-list): clients send the same Host on every request."""
    name = _host_name(host)
    if not name:
        return False
    if "*" in allowed or name in {a.lower().strip("[]") for a in allowed}:
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    return name == "localhost" or "." not in name or name.endswith(PRIVATE_SUFFIXES)


def accepted_types(path: str) -> frozenset[str] | None:
    """The content types a write to ``path`` may carry; None when the route takes no body."""
    parts = [p.lower() for p in path.split("/") if p]
    if parts[:2] == ["v3", "company"]:
        last = parts[-1] if len(parts) > 3 else ""
        return frozenset({JSON, *API_EXTRA_TYPES.get(last, ())})
    if parts[:1] == ["_emulator"]:
        return frozenset({JSON})
    if path in (TOKEN_PATH, REVOKE_PATH, USERINFO_PATH):
        return frozenset({FORM, JSON})
    if path == AUTHORIZE_PATH:
        return frozenset({FORM})
    return None


def refusal(scope: Scope, allowed_hosts: tuple[str, ...]) -> tuple[int, str] | None:
    """Why a request is refused (status, reason), or None when it may go on."""
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
    host = headers.get("host", "")
    if not host_allowed(host, allowed_hosts):
        name = _host_name(host) or "(none)"
        return 403, (
            f"Host {name!r} is not served (DNS rebinding guard); start the emulator with "
            f"--allowed-host {name} to serve it"
        )
    if str(scope.get("method", "GET")).upper() in SAFE_METHODS:
        return None
    origin = headers.get("origin")
    if origin is not None and urlsplit(origin).netloc.lower() != host.lower():
        return 403, f"cross-origin writes are refused (Origin {origin!r}, Host {host!r})"
    types = accepted_types(str(scope.get("path", "")))
    declared = headers.get("content-type", "").split(";")[0].strip().lower()
    if types is not None and declared and declared not in types:
        wanted = " or ".join(sorted(types))
        return 415, f"Content-Type {declared!r} is not accepted here; send {wanted}"
    return None


class CrossSiteMiddleware(EmulatorMiddleware):
    """Refuses foreign hosts, foreign-origin writes and writes of the wrong content type."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = refusal(scope, self.emulator.config.allowed_hosts)
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, reason = refused
        response = refusal_response(
            str(scope.get("path", "")), status, reason, self.emulator.clock.now()
        )
        await response(scope, receive, send)


def _host_name(host: str) -> str:
    """``Host`` without its port, lower case, IPv6 brackets removed."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else ""
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
