"""The paths outside ``/v3``: Intuit's OAuth endpoints and the ``/_emulator`` control plane.

They are read from the application's own Starlette routes, so every route served is
listed; what a route takes and answers comes from :data:`BODIES` where it is worth more
than "a JSON object" (tokens, realms, the clock), and generic shapes otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.routing import BaseRoute, Route

from qbo.emulator.http.openapi.catalogue_schemas import Schema, ref
from qbo.emulator.http.openapi.data_plane import Op, param

CONTROL_PREFIX = "/_emulator/"
DATA_PLANE_PREFIX = "/v3/"
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
_OBJECT: Schema = {"type": "object"}
_STRING: Schema = {"type": "string"}


@dataclass(frozen=True)
class Described:
    """What a route takes and answers, beyond the path parameters."""

    body: Schema | None = None  # a JSON body
    form: Schema | None = None  # a form body
    answer: Schema = field(default_factory=lambda: {})  # the JSON answer (any when empty)
    query: tuple[str, ...] = ()  # optional string query parameters
    media: str = "application/json"  # of the answer
    error_media: str = "application/json"  # of a refusal (4xx)


_TOKEN = {
    "type": "object",
    "properties": {
        "access_token": _STRING,
        "token_type": _STRING,
        "expires_in": {"type": "integer"},
        "refresh_token": _STRING,
        "x_refresh_token_expires_in": {"type": "integer"},
        "x_refresh_token_hard_expires_in": {"type": "integer"},
        "id_token": _STRING,
    },
    "required": ["access_token", "token_type", "expires_in", "refresh_token"],
}
_REALM_INPUT = {
    "type": "object",
    "properties": {
        name: _STRING for name in ("seed", "companyName", "country", "currency", "timezone")
    },
    "additionalProperties": False,
}
_CLOCK = {"type": "object", "properties": {"now": {"type": "string", "format": "date-time"}}}

#: Routes described in more detail, by (method, path).
BODIES: dict[tuple[str, str], Described] = {
    ("POST", "/oauth2/v1/tokens/bearer"): Described(
        form={
            "type": "object",
            "properties": {
                "grant_type": {"type": "string", "enum": ["authorization_code", "refresh_token"]},
                "code": _STRING,
                "redirect_uri": _STRING,
                "refresh_token": _STRING,
                "client_id": _STRING,
                "client_secret": _STRING,
            },
            "required": ["grant_type"],
        },
        answer=_TOKEN,
    ),
    ("POST", "/v2/oauth2/tokens/revoke"): Described(
        body={"type": "object", "properties": {"token": _STRING}, "required": ["token"]}
    ),
    ("GET", "/op/v1/jwks"): Described(
        answer={"type": "object", "properties": {"keys": {"type": "array"}}, "required": ["keys"]}
    ),
    ("GET", "/connect/oauth2"): Described(
        query=("client_id", "response_type", "scope", "redirect_uri", "state"),
        media="text/html",
        error_media="text/html",  # a page for the person at the browser
    ),
    ("POST", "/connect/oauth2"): Described(
        form=_OBJECT, media="text/html", error_media="text/html"
    ),
    ("GET", "/_emulator/health"): Described(
        answer={"type": "object", "properties": {"status": {"const": "ok"}}}
    ),
    ("POST", "/_emulator/realms"): Described(body=_REALM_INPUT, answer=_OBJECT),
    ("GET", "/_emulator/realms"): Described(answer={"type": "array", "items": _OBJECT}),
    ("GET", "/_emulator/clock"): Described(answer=_CLOCK),
    ("POST", "/_emulator/clock"): Described(
        body={
            "oneOf": [
                {"type": "object", "properties": {"advance": {"type": "number"}}},
                {"type": "object", "properties": {"set": {"type": "string"}}},
            ]
        },
        answer=_CLOCK,
    ),
    ("POST", "/_emulator/realms/{realm}/merge"): Described(
        body={
            "type": "object",
            "properties": {"entity": _STRING, "from": _STRING, "into": _STRING},
            "required": ["entity", "from", "into"],
        },
        answer=_OBJECT,
    ),
    ("GET", "/_emulator/openapi.json"): Described(answer=_OBJECT),
    ("GET", "/_emulator/outbox/{message}/pdf"): Described(media="application/pdf"),
    ("GET", "/_emulator/files/{token}"): Described(
        media="application/octet-stream", error_media="text/plain"
    ),
    ("GET", "/_emulator/webhooks/deliveries"): Described(query=("app", "limit")),
    ("GET", "/_emulator/webhooks/queue"): Described(query=("app", "state", "limit")),
    ("GET", "/_emulator/outbox"): Described(query=("realm", "limit")),
    ("DELETE", "/_emulator/outbox"): Described(query=("realm",)),
}


#: Control-plane routes that answer 201 Created.
_CREATES = frozenset(
    ("POST", f"{CONTROL_PREFIX}{name}") for name in ("realms", "apps", "users", "faults")
)


def _summary(route: Route) -> str:
    doc = (route.endpoint.__doc__ or "").strip().splitlines()
    return doc[0] if doc else route.name.replace("_", " ")


def _security(path: str) -> list[dict[str, list[str]]] | None:
    if path.startswith("/_emulator/files/"):
        return []  # the token in the path is the credential
    if path.startswith(CONTROL_PREFIX):
        return [{}, {"adminToken": []}]  # loopback callers need none
    if path in ("/oauth2/v1/tokens/bearer", "/v2/oauth2/tokens/revoke"):
        return [{"clientCredentials": []}, {}]  # or client_id/client_secret in the form
    if path.startswith("/v1/openid_connect/userinfo"):
        return [{"bearer": []}]
    return None


def _content(media: str, schema: Schema) -> Schema:
    if media.startswith("application/json"):
        return {media: {"schema": schema}}
    return {media: {"schema": {"type": "string"}}}


def _operation(route: Route, method: str, path: str) -> Op:
    described = BODIES.get((method, path), Described())
    control = path.startswith(CONTROL_PREFIX)
    parameters = [param(p, "path", _STRING, "") for p in _PARAM.findall(path)]
    parameters += [param(q, "query", _STRING, "") for q in described.query]
    error = ref("ControlError") if control else ref("OAuthError")
    ok = "201" if (method, path) in _CREATES else "200"
    op: Op = {
        "operationId": f"{method.lower()}{_camel(path)}",
        "summary": _summary(route),
        "tags": ["control plane" if control else "oauth"],
        "responses": {
            ok: {"description": "Done.", "content": _content(described.media, described.answer)},
            "4XX": {"description": "Refused.", "content": _content(described.error_media, error)},
        },
    }
    if parameters:
        op["parameters"] = parameters
    if described.body is not None:
        op["requestBody"] = {"content": {"application/json": {"schema": described.body}}}
    elif described.form is not None:
        form = "application/x-www-form-urlencoded"
        op["requestBody"] = {"required": True, "content": {form: {"schema": described.form}}}
    security = _security(path)
    if security is not None:
        op["security"] = security
    return op


def _camel(path: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", _PARAM.sub(r"by \1", path))
    slash = "Slash" if path.endswith("/") else ""  # discovery is served with and without
    return "".join(w[:1].upper() + w[1:] for w in words if w) + slash


def openapi_path(path: str) -> str:
    """Starlette's ``{rest:path}`` written as OpenAPI's ``{rest}``."""
    return _PARAM.sub(r"{\1}", path)


def served_paths(routes: Iterable[BaseRoute]) -> dict[str, dict[str, Op]]:
    """Every non-/v3 path of the application, each method an operation."""
    paths: dict[str, dict[str, Op]] = {}
    for route in routes:
        if not isinstance(route, Route) or route.path.startswith(DATA_PLANE_PREFIX):
            continue
        path = openapi_path(route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(path, {})[method.lower()] = _operation(route, method, path)
    return paths
