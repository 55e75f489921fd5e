"""Control-plane routes of the integration conditions: throttle, latency, faults, merges.

- ``GET /_emulator/throttle`` -> ``{"enabled", "limits": {...}, "retry_after", "xml"}``;
  ``POST`` with any of those keys changes them (``limits`` may be partial) and
  ``"reset": true`` empties the windows; new limits empty them too.
- ``GET /_emulator/latency`` -> ``{"profile", "seed", "ranges_ms"}``; ``POST
  {"profile": "realistic"|"none", "seed"?: n}``.
- ``POST /_emulator/faults`` (a rule, see ``qbo.emulator.faults``) -> 201 with the rule and
  its ``id``; ``GET /_emulator/faults`` lists them; ``DELETE /_emulator/faults/{id}``
  removes one, ``DELETE /_emulator/faults`` all.
- ``POST /_emulator/realms/{realm}/merge {"entity", "from", "into"}`` merges two
  name-list objects (``qbo.emulator.merge``).

Like the rest of the control plane these answer loopback callers only, or holders of the
admin token (``control.guarded``).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from qbo.emulator.control_input import unknown_fields
from qbo.emulator.core import Emulator
from qbo.emulator.faults import FaultSpecError
from qbo.emulator.http.conditions import conditions_of
from qbo.emulator.http.control import _json_body, guarded
from qbo.emulator.http.responses import control_error, json_response
from qbo.emulator.merge import MERGEABLE, merge
from qbo.emulator.throttle import LimitsError
from qbo.schema.faults import Fault


def _number_or_null(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError("retry_after must be a number of seconds or null")
    number = float(value)
    if not 0 <= number <= 86_400:
        raise ValueError("retry_after must be between 0 and 86400 seconds")
    return number


async def throttle(request: Request) -> Response:
    """QBO's request limits: read them, switch them, change them, empty the windows."""
    conditions = conditions_of(request.app)
    if request.method == "GET":
        return json_response(conditions.throttle.settings.to_json())
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    allowed = {"enabled", "limits", "retry_after", "xml", "reset"}
    problem = unknown_fields(body, allowed)
    if problem:
        return control_error(problem)
    settings = conditions.throttle.settings
    for flag in ("enabled", "xml", "reset"):
        if flag in body and not isinstance(body[flag], bool):
            return control_error(f"{flag} must be true or false")
    try:
        if "enabled" in body:
            settings = replace(settings, enabled=body["enabled"])
        if "xml" in body:
            settings = replace(settings, xml=body["xml"])
        if "retry_after" in body:
            settings = replace(settings, retry_after=_number_or_null(body["retry_after"]))
        if "limits" in body:
            if not isinstance(body["limits"], dict):
                return control_error('limits must be an object such as {"per_second": 5}')
            settings = replace(settings, limits=settings.limits.merged(body["limits"]))
    except (LimitsError, ValueError) as exc:
        return control_error(str(exc))
    conditions.throttle.configure(settings, reset=bool(body.get("reset")))
    return json_response(settings.to_json())


async def latency(request: Request) -> Response:
    """Response times: none, or realistic QBO-like delays from a seed."""
    conditions = conditions_of(request.app)
    if request.method == "GET":
        return json_response(conditions.latency.to_json())
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    problem = unknown_fields(body, ("profile", "seed"))
    if problem:
        return control_error(problem)
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        return control_error("seed must be an integer")
    profile = body.get("profile", conditions.latency.profile)
    if not isinstance(profile, str):
        return control_error("profile must be none or realistic")
    try:
        conditions.latency.configure(profile, seed)
    except ValueError as exc:
        return control_error(str(exc))
    return json_response(conditions.latency.to_json())


async def faults(request: Request) -> Response:
    """Injected faults: list them, add a rule, or remove them all."""
    registry = conditions_of(request.app).faults
    if request.method == "GET":
        return json_response([rule.to_json() for rule in registry.list()])
    if request.method == "DELETE":
        return json_response({"deleted": registry.clear()})
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    try:
        rule = registry.add(body)
    except FaultSpecError as exc:
        return control_error(str(exc))
    return json_response(rule.to_json(), 201)


async def delete_fault(request: Request) -> Response:
    """Remove one injected fault rule."""
    fault_id = request.path_params["fault"]
    if not conditions_of(request.app).faults.remove(fault_id):
        return control_error(f"no fault {fault_id}", 404)
    return json_response({"deleted": 1})


async def merge_objects(request: Request) -> Response:
    """Merge one name-list object into another, as QBO's merge does."""
    emulator: Emulator = request.app.state.emulator
    realm_id = request.path_params["realm"]
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    if set(body) != {"entity", "from", "into"}:
        return control_error('send {"entity": "Customer", "from": "<id>", "into": "<id>"}')
    entity = body["entity"]
    if entity not in MERGEABLE:
        return control_error(f"entity must be one of {', '.join(MERGEABLE)}")
    ids = [body["from"], body["into"]]
    if any(isinstance(v, bool) or not isinstance(v, (str, int)) for v in ids):
        return control_error("from and into must be object ids")
    realm = await run_in_threadpool(emulator.realms.get, realm_id)
    if realm is None:
        return control_error(f"no realm {realm_id}", 404)

    def run() -> dict[str, Any]:
        with emulator.realms.session(realm, write=True) as s:
            done = merge(s, entity, str(body["from"]), str(body["into"]))
        return done

    try:
        done = await run_in_threadpool(run)
    except Fault as fault:
        status = 404 if fault.code == "610" else 400
        return json_response({"error": fault.summary(), "Fault": fault.body()}, status)
    return json_response(
        {
            "entity": entity,
            "deletedId": str(body["from"]),
            entity: done["into"],
            "moved": [{"entity": name, "Id": object_id} for name, object_id in done["moved"]],
        }
    )


ROUTES = [
    Route("/_emulator/throttle", guarded(throttle), methods=["GET", "POST"]),
    Route("/_emulator/latency", guarded(latency), methods=["GET", "POST"]),
    Route("/_emulator/faults", guarded(faults), methods=["GET", "POST", "DELETE"]),
    Route("/_emulator/faults/{fault}", guarded(delete_fault), methods=["DELETE"]),
    Route("/_emulator/realms/{realm}/merge", guarded(merge_objects), methods=["POST"]),
]
