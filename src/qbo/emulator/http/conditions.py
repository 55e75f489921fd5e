"""Throttling, fault injection and latency, applied to every request before the API sees it.

A plain ASGI middleware (not BaseHTTPMiddleware), placed outside ``IntuitTidMiddleware``
so that an injected connection reset is not turned into a 500. For each request to
``/v3/company/{realm}/...`` it, in order:

1. throttles (when enabled): a request over a limit gets QBO's 429 with the gateway's
   3001 body (JSON, or XML when configured) and is not processed;
2. rolls the fault rules (``qbo.emulator.faults``) and sleeps the latency profile's delay
   (``qbo.emulator.latency``) plus any injected latency;
3. runs the request, or answers with the injected status, or drops the connection.

Requests to other paths (OAuth endpoints, ...) see fault rules whose path prefix starts
with ``/`` but no throttling or latency; the control plane (``/_emulator``) sees nothing.

The conditions (:class:`qbo.emulator.conditions.Conditions`) belong to the emulator; the
control plane (``conditions_control``) changes them at runtime.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import struct
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qbo.emulator.conditions import Conditions
from qbo.emulator.core import Emulator
from qbo.emulator.faults import FaultKind, FaultRule, When
from qbo.emulator.http.responses import fault_body, gateway_response, json_response, new_tid
from qbo.emulator.latency import request_kind
from qbo.emulator.throttle import THROTTLE_DETAIL, ThrottleSettings
from qbo.emulator.timefmt import response_time
from qbo.schema.faults import CODES, Fault, FaultCode

log = logging.getLogger("qbo.emulator")

CONTROL_PREFIX = "/_emulator"
_API_PATH = re.compile(r"^/v3/company/([^/]+)(?:/(.*))?$")


def conditions_of(app: Any) -> Conditions:
    """The serving conditions of the app's emulator."""
    emulator: Emulator = app.state.emulator
    return emulator.conditions


def split_api_path(path: str) -> tuple[str | None, str | None]:
    """(realm, path after ``/v3/company/{realm}/``), or (None, None) for other paths."""
    found = _API_PATH.match(path)
    if found is None:
        return None, None
    return found.group(1), found.group(2) or ""


async def app_id_for(scope: Scope, realm: str, conditions: Conditions) -> str:
    """The app a request comes from: ``scope["state"]["app_id"]`` (set by an outer layer),
    else what an app resolver says, else the realm."""
    state = scope.get("state")
    if isinstance(state, dict) and state.get("app_id"):
        return str(state["app_id"])
    for resolver in conditions.app_resolvers:
        found = await resolver(scope)
        if found:
            return found
    return realm


def batch_weight(body: bytes) -> int:
    """How many requests a batch counts as: its items (1 when unreadable or over 30)."""
    try:
        data = json.loads(body)
    except ValueError:
        return 1
    items = data.get("BatchItemRequest") if isinstance(data, dict) else None
    if isinstance(items, list) and 1 <= len(items) <= 30:
        return len(items)
    return 1


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole body and return it with a receive that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def throttle_xml(now_text: str) -> str:
    """The 429 as real QBO has sent it in XML, even to clients that asked for JSON."""
    info = CODES[FaultCode.THROTTLED]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time={quoteattr(now_text)} xmlns="http://schema.intuit.com/finance/v3">\n'
        '    <Fault type="SERVICE">\n'
        '        <Error code="3001">\n'
        f"            <Message>{escape(info.message)}</Message>\n"
        f"            <Detail>{escape(THROTTLE_DETAIL)}</Detail>\n"
        "        </Error>\n"
        "    </Fault>\n"
        "</IntuitResponse>\n"
    )


async def throttled_response(
    settings: ThrottleSettings,
    emulator: Emulator,
    realm: str | None,
    retry_after: float | None = None,
) -> Response:
    """QBO's 429 (code 3001); Retry-After only when configured."""
    headers = {"intuit_tid": new_tid()}
    wait = retry_after if retry_after is not None else settings.retry_after
    if wait is not None:
        headers["Retry-After"] = str(round(wait)) if float(wait).is_integer() else f"{wait:g}"
    now = emulator.clock.now()
    if settings.xml:
        known = await run_in_threadpool(emulator.realms.get, realm) if realm else None
        text = throttle_xml(response_time(now, known.timezone if known else "UTC"))
        return Response(
            text, status_code=429, media_type="application/xml;charset=UTF-8", headers=headers
        )
    return gateway_response(FaultCode.THROTTLED, THROTTLE_DETAIL, now, headers)


_HTML_REASONS = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


async def status_response(
    rule: FaultRule, conditions: Conditions, emulator: Emulator, realm: str | None
) -> Response:
    """The answer of an injected status fault.

    429 is the throttle's answer; 500 is QBO's SystemFault (code 10000); 502, 503 and 504
    come as the HTML page a load balancer sends, because that is what clients meet in
    practice and they must not crash parsing it.
    """
    status = rule.status or 503
    if status == 429:
        return await throttled_response(
            conditions.throttle.settings, emulator, realm, rule.retry_after
        )
    tid = new_tid()
    if status == 500:
        known = await run_in_threadpool(emulator.realms.get, realm) if realm else None
        fault = Fault.of(
            FaultCode.INTERNAL_ERROR,
            f"System Failure Error: injected by the emulator (fault {rule.id})",
        )
        body = fault_body(fault, emulator.clock.now(), known.timezone if known else "UTC")
        return json_response(body, 500, headers={"intuit_tid": tid})
    reason = _HTML_REASONS.get(status, "Error")
    html = (
        f"<html><head><title>{status} {reason}</title></head>"
        f"<body><center><h1>{status} {reason}</h1></center></body></html>\n"
    )
    return Response(html, status_code=status, media_type="text/html", headers={"intuit_tid": tid})


async def reset_connection(raw_receive: Receive) -> None:
    """Drop the client's connection without a response.

    Over a socket served by uvicorn the request's transport is reachable from its
    ``receive`` callable; it is aborted with SO_LINGER 0 (a TCP reset). In-process
    (``httpx.ASGITransport``) there is no connection, so this raises ``httpx.ReadError``,
    which the transport passes to the caller: the same exception type a client sees when
    a real server resets the connection. (With ``ASGITransport(raise_app_exceptions=
    False)`` the caller sees a 500 instead.)
    """
    transport = getattr(getattr(raw_receive, "__self__", None), "transport", None)
    abort = getattr(transport, "abort", None)
    if transport is not None and callable(abort):
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        abort()
        await anyio.sleep(0)  # let the server notice, so it does not try to answer
        return
    import httpx  # only the in-process case needs it

    raise httpx.ReadError("[Errno 104] Connection reset by peer (injected by the emulator)")


async def _discard(message: Message) -> None:
    """Swallow a response (after_commit faults replace it)."""


def _delayed(send: Send, seconds: float) -> Send:
    async def delayed_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            await anyio.sleep(seconds)
        await send(message)

    return delayed_send


class ConditionsMiddleware:
    """Throttle, inject faults, add latency; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        conditions = conditions_of(scope["app"])
        emulator: Emulator = scope["app"].state.emulator
        method: str = scope["method"]
        realm, api_path = split_api_path(scope["path"])
        raw_receive = receive
        admission = None
        if realm is not None and conditions.throttle.settings.enabled:
            weight, is_batch = 1, False
            if method == "POST" and (api_path or "").strip("/").lower() == "batch":
                body, receive = await _buffer(receive)
                weight, is_batch = batch_weight(body), True
            app_id = await app_id_for(scope, realm, conditions)
            verdict = conditions.throttle.admit(realm, app_id, weight, is_batch)
            if isinstance(verdict, str):
                log.debug("throttled %s %s (limit %s)", method, scope["path"], verdict)
                response = await throttled_response(conditions.throttle.settings, emulator, realm)
                await response(scope, receive, send)
                return
            admission = verdict
        try:
            await self._serve(
                scope, receive, send, raw_receive, conditions, emulator, realm, api_path
            )
        finally:
            if admission is not None:
                admission.release()

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        raw_receive: Receive,
        conditions: Conditions,
        emulator: Emulator,
        realm: str | None,
        api_path: str | None,
    ) -> None:
        method: str = scope["method"]
        plan = conditions.faults.plan(method, scope["path"], realm, api_path)
        delay = plan.delay_before
        if api_path is not None:
            delay += conditions.latency.delay(request_kind(method, api_path))
        if delay > 0:
            await anyio.sleep(delay)
        action = plan.action
        if action is None:
            if plan.delay_after > 0:
                send = _delayed(send, plan.delay_after)
            await self.app(scope, receive, send)
            return
        if action.when is When.AFTER:
            await self.app(scope, receive, _discard)
            if plan.delay_after > 0:
                await anyio.sleep(plan.delay_after)
        log.info(
            "injected fault %s (%s) on %s %s", action.id, action.kind.value, method, scope["path"]
        )
        if action.kind is FaultKind.RESET:
            await reset_connection(raw_receive)
            return
        response = await status_response(action, conditions, emulator, realm)
        await response(scope, receive, send)
