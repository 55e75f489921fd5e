"""The ASGI application: routes, the ``intuit_tid`` header, and no stack trace ever."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qbo.emulator.core import Emulator
from qbo.emulator.http import conditions_control, control, delivery_control
from qbo.emulator.http.api import api_endpoint
from qbo.emulator.http.conditions import ConditionsMiddleware
from qbo.emulator.http.crosssite import CrossSiteMiddleware
from qbo.emulator.http.limits import BodyLimitMiddleware, BodyTooLarge
from qbo.emulator.http.oauth import routes as oauth_routes
from qbo.emulator.http.openapi import endpoint as openapi_endpoint
from qbo.emulator.http.responses import fault_body, json_response, new_tid
from qbo.schema.faults import Fault, FaultCode

log = logging.getLogger("qbo.emulator")


class IntuitTidMiddleware:
    """Adds ``intuit_tid`` to every response and turns crashes into a SystemFault.

    A plain ASGI middleware (not BaseHTTPMiddleware) so streaming and background tasks
    behave normally and the overhead stays small.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tid = new_tid()
        started = False

        async def send_with_tid(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.append((b"intuit_tid", tid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_tid)
        except BodyTooLarge:
            raise  # answered by BodyLimitMiddleware, outside this one
        except Exception:
            log.exception("internal error (intuit_tid=%s)", tid)
            if started:
                raise
            emulator: Emulator = scope["app"].state.emulator
            fault = Fault.of(
                FaultCode.INTERNAL_ERROR, f"An internal error occurred; quote intuit_tid {tid}"
            )
            body = fault_body(fault, emulator.clock.now(), _zone_of(emulator, scope))
            response = json_response(body, 500)
            await response(scope, receive, send_with_tid)


def _zone_of(emulator: Emulator, scope: Scope) -> str:
    """The time zone of the realm a /v3 path names (``time`` is written in it), else UTC."""
    parts = str(scope.get("path", "")).split("/")
    if len(parts) > 3 and parts[1] == "v3" and parts[2] == "company":
        try:
            realm = emulator.realms.get(parts[3])
        except Exception:  # the database may be what failed; the fault must still go out
            realm = None
        if realm is not None:
            return realm.timezone
    return "UTC"


async def not_found(request: Request, exc: Exception) -> Response:
    return json_response({"error": f"no route for {request.method} {request.url.path}"}, 404)


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    return json_response({"error": f"{request.method} is not allowed on {request.url.path}"}, 405)


class AnyText(Convertor[str]):
    """Starlette's ``path`` convertor, newlines included.

    ``path`` matches ``.*``, which stops at a newline: a ``/v3`` path whose id holds one
    (``/employee/a%0Ab``) fell through to the router's bare 404. With this one it reaches
    the API, which answers with QBO's own fault for it.
    """

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anytext", AnyText())


def served_routes() -> list[BaseRoute]:
    """Every route of the application (the OpenAPI description is built from these)."""
    return [
        Route("/v3/company/{realm}/{rest:anytext}", api_endpoint, methods=["GET", "POST"]),
        *control.ROUTES,
        *conditions_control.ROUTES,
        *oauth_routes.ROUTES,
        *delivery_control.ROUTES,
        *openapi_endpoint.ROUTES,
    ]


def create_app(emulator: Emulator) -> Starlette:
    app = Starlette(
        routes=served_routes(),
        middleware=[
            # outermost first: foreign requests are refused before anything reads them; the
            # body limit counts what the throttle's batch check buffers
            Middleware(CrossSiteMiddleware, emulator=emulator),
            Middleware(BodyLimitMiddleware, emulator=emulator),
            Middleware(ConditionsMiddleware),
            Middleware(IntuitTidMiddleware),
        ],
        exception_handlers={404: not_found, 405: method_not_allowed},
    )
    app.state.emulator = emulator
    return app
