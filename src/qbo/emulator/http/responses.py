"""Response bodies exactly as QBO writes them: envelopes, ``time``, faults, ``intuit_tid``."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from qbo.emulator.timefmt import epoch_ms, response_time
from qbo.schema import jsoncodec
from qbo.schema.faults import CODES, Fault, FaultCode, gateway_body

JSON_TYPE = "application/json;charset=UTF-8"


def new_tid() -> str:
    """An intuit_tid: opaque, unique, the kind of id people quote to support."""
    return "1-" + secrets.token_hex(4) + "-" + secrets.token_hex(12)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # A lone surrogate echoed from client input (a path segment in a fault's Detail) has no
    # UTF-8 form: it goes out as "?" rather than failing the whole response.
    content = jsoncodec.dumps(body).encode("utf-8", "replace")
    return Response(content, status_code=status, media_type=JSON_TYPE, headers=headers)


def envelope(key: str, payload: Any, now: datetime, tz: str) -> dict[str, Any]:
    return {key: payload, "time": response_time(now, tz)}


def envelope_parts(key: str, items: list[Any], now: datetime, tz: str) -> list[bytes]:
    """:func:`envelope` of a long list, encoded item by item: the same bytes as
    ``dumps(envelope(...))``, without the whole answer ever being one string.

    Each item is dropped from ``items`` once encoded, so a batch of 30,000 rows holds its
    rows once (as they are turned into bytes) instead of as objects, a string and bytes.
    """
    parts = [("{" + jsoncodec.dumps(key) + ":[").encode()]
    for index in range(len(items)):
        text = jsoncodec.dumps(items[index])
        items[index] = None
        parts.append(("," + text if index else text).encode("utf-8", "replace"))
    parts.append(('],"time":' + jsoncodec.dumps(response_time(now, tz)) + "}").encode())
    return parts


class PartsResponse(Response):
    """A JSON answer sent as the parts it was encoded in (see :func:`envelope_parts`)."""

    media_type = JSON_TYPE

    def __init__(self, parts: list[bytes], status_code: int = 200) -> None:
        self.parts = parts
        super().__init__(None, status_code)
        length = str(sum(len(part) for part in parts)).encode()
        self.raw_headers = [
            (name, value) for name, value in self.raw_headers if name != b"content-length"
        ] + [(b"content-length", length)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        last = len(self.parts) - 1
        for index, part in enumerate(self.parts):
            await send({"type": "http.response.body", "body": part, "more_body": index < last})


def fault_body(fault: Fault, now: datetime, tz: str) -> dict[str, Any]:
    return {"Fault": fault.body(), "time": response_time(now, tz)}


def gateway_response(
    code: str, detail: str, now: datetime, headers: dict[str, str] | None = None
) -> Response:
    """401/403/429 in the gateway's lower-case shape (``time`` in epoch milliseconds)."""
    status = CODES[code].http_status
    return json_response(gateway_body(code, detail, epoch_ms(now)), status, headers)


def control_error(message: str, status: int = 400) -> Response:
    """The control plane's error shape."""
    return json_response({"error": message}, status)


def refusal_response(path: str, status: int, detail: str, now: datetime) -> Response:
    """A request refused before any route ran, in the error shape of the route it asked for.

    QBO's ValidationFault under ``/v3`` (``time`` in UTC: the realm is not looked up for a
    request refused unread), the control plane's ``{"error"}`` under ``/_emulator``, and
    RFC 6749's ``{"error", "error_description"}`` for the OAuth endpoints.
    """
    if path.startswith("/v3/"):
        fault = Fault.of(FaultCode.BUSINESS_VALIDATION, detail)
        return json_response(fault_body(fault, now, "UTC"), status)
    if path.startswith("/_emulator/"):
        return control_error(detail, status)
    return json_response({"error": "invalid_request", "error_description": detail}, status)
