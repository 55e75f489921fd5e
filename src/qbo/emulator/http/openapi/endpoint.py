"""``GET /_emulator/openapi.json``: the description of the application that answers it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from qbo.emulator.http.control import guarded
from qbo.emulator.http.openapi.document import document
from qbo.emulator.http.responses import json_response

PATH = "/_emulator/openapi.json"


async def openapi_endpoint(request: Request) -> Response:
    """The OpenAPI 3.1 description of this server (its routes, at its own base URL)."""
    base_url = str(request.base_url).rstrip("/")
    cached: tuple[str, dict[str, Any]] | None = getattr(request.app.state, "openapi", None)
    if cached is None or cached[0] != base_url:
        cached = (base_url, document(request.app.routes, base_url))
        request.app.state.openapi = cached  # built once per app (and address it is reached at)
    return json_response(cached[1])


ROUTES = [Route(PATH, guarded(openapi_endpoint), methods=["GET"])]
