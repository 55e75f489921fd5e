"""Control-plane routes of what the emulator delivers: webhooks, mail, files (their /v3
resources are in :mod:`.routes`).

:data:`ROUTES` holds:

- ``GET /_emulator/webhooks/deliveries[?app=&limit=]``: every delivery attempt, newest
  first (app, url, HTTP status, error, payload, time);
- ``GET /_emulator/webhooks/queue[?app=&state=&limit=]``: deliveries and their state
  (pending, delivered, failed) and next attempt;
- ``POST /_emulator/webhooks/flush``: one dispatcher pass now, ignoring the window;
- ``GET|POST|DELETE /_emulator/webhooks/faults``: delivery faults (drop, duplicate, delay,
  reorder; seeded, bounded), see :mod:`qbo.emulator.webhooks.faults`;
- ``GET /_emulator/outbox[?realm=&limit=]``, ``DELETE /_emulator/outbox[?realm=]``,
  ``GET /_emulator/outbox/{id}/pdf``: mail sent with ``/send``;
- ``GET /_emulator/files/{token}``: the bytes behind a temporary download URL. Like the
  pre-signed URL QBO hands out, it needs no credential (the token is one) and so is not
  behind the control plane's guard.
"""

from __future__ import annotations

from dataclasses import asdict

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from qbo.emulator.attachments import open_download
from qbo.emulator.core import Emulator
from qbo.emulator.http.control import _json_body, guarded
from qbo.emulator.http.responses import control_error, json_response
from qbo.emulator.mail import clear_outbox, list_outbox, outbox_pdf
from qbo.emulator.pdf import PDF_TYPE
from qbo.emulator.timefmt import epoch_ms
from qbo.emulator.webhooks import log as webhook_log
from qbo.emulator.webhooks import webhooks_for
from qbo.emulator.webhooks.faults import DeliveryFaultError, DeliveryFaults

MAX_LIMIT = 1000


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def _limit(request: Request) -> int | Response:
    raw = request.query_params.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        return control_error(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


async def webhook_attempts(request: Request) -> Response:
    """Every webhook delivery attempt, newest first."""
    limit = _limit(request)
    if isinstance(limit, Response):
        return limit
    store = _emulator(request).store
    app = request.query_params.get("app")
    rows = await run_in_threadpool(webhook_log.attempts, store, app, limit)
    return json_response(rows)


async def webhook_queue(request: Request) -> Response:
    """Webhook deliveries and their state (pending, delivered, failed)."""
    limit = _limit(request)
    if isinstance(limit, Response):
        return limit
    state = request.query_params.get("state")
    if state is not None and state not in webhook_log.STATES:
        return control_error(f"state must be one of {', '.join(webhook_log.STATES)}")
    store = _emulator(request).store
    app = request.query_params.get("app")
    rows = await run_in_threadpool(webhook_log.deliveries, store, app, state, limit)
    return json_response(rows)


async def webhook_faults(request: Request) -> Response:
    """Webhook delivery faults (drop, duplicate, delay, reorder): list, add, clear."""
    dispatcher = webhooks_for(_emulator(request))
    if request.method == "POST":
        body = await _json_body(request)
        if isinstance(body, Response):
            return body
        try:
            dispatcher.faults = DeliveryFaults.from_json(body)
        except DeliveryFaultError as exc:
            return control_error(str(exc))
    elif request.method == "DELETE":
        dispatcher.faults = DeliveryFaults()
    return json_response(dispatcher.faults.to_json())


async def webhook_flush(request: Request) -> Response:
    """Deliver pending webhooks now, without waiting for the window."""
    report = await webhooks_for(_emulator(request)).run_once(force=True)
    return json_response(asdict(report))


def _realm(request: Request) -> str | Response | None:
    realm_id = request.query_params.get("realm")
    if realm_id is not None and _emulator(request).realms.get(realm_id) is None:
        return control_error(f"no realm {realm_id}", 404)
    return realm_id


async def outbox(request: Request) -> Response:
    """Mail sent with /send: list it, or empty it."""
    emulator = _emulator(request)
    realm_id = _realm(request)
    if isinstance(realm_id, Response):
        return realm_id
    if request.method == "DELETE":
        removed = await run_in_threadpool(clear_outbox, emulator.store, realm_id)
        return json_response({"removed": removed})
    limit = _limit(request)
    if isinstance(limit, Response):
        return limit
    zones = {r.realm_id: r.timezone for r in await run_in_threadpool(emulator.realms.list)}
    rows = await run_in_threadpool(list_outbox, emulator.store, zones, realm_id, limit)
    return json_response(rows)


async def outbox_attachment(request: Request) -> Response:
    """The PDF attached to one sent mail."""
    raw = request.path_params["message"]
    found = None
    if raw.isdigit():
        found = await run_in_threadpool(outbox_pdf, _emulator(request).store, int(raw))
    if found is None:
        return control_error(f"no sent message {raw}", 404)
    name, data = found
    return Response(
        data, media_type=PDF_TYPE, headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


async def download(request: Request) -> Response:
    """The bytes behind a temporary download URL (the token is the credential)."""
    emulator = _emulator(request)
    token = request.path_params["token"]
    found = await run_in_threadpool(
        open_download, emulator.store, token, epoch_ms(emulator.clock.now())
    )
    if found == "expired":
        return Response("This download link has expired.", 403, media_type="text/plain")
    if isinstance(found, str):
        return Response("No such file.", 404, media_type="text/plain")
    safe_name = found.file_name.replace('"', "").replace("\r", "").replace("\n", "")
    return Response(
        found.content,
        media_type=found.content_type,
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"'},
    )


ROUTES = [
    Route("/_emulator/webhooks/deliveries", guarded(webhook_attempts), methods=["GET"]),
    Route("/_emulator/webhooks/queue", guarded(webhook_queue), methods=["GET"]),
    Route("/_emulator/webhooks/flush", guarded(webhook_flush), methods=["POST"]),
    Route("/_emulator/webhooks/faults", guarded(webhook_faults), methods=["GET", "POST", "DELETE"]),
    Route("/_emulator/outbox", guarded(outbox), methods=["GET", "DELETE"]),
    Route("/_emulator/outbox/{message}/pdf", guarded(outbox_attachment), methods=["GET"]),
    Route("/_emulator/files/{token}", download, methods=["GET"]),
]
