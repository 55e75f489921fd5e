"""The ``/v3/company/{realmId}/...`` paths, expanded from the API's route table.

Every :data:`~qbo.emulator.http.routes.ROUTES` entry is described by the entry of
:data:`DESCRIBERS` for its handler; a handler without one makes :func:`data_plane_paths`
fail, so a new route cannot go undescribed. An ``{entity}`` segment becomes one path per
catalogue entity that the route serves (``/invoice/{id}/pdf`` only for entities with a
PDF), which lets each path carry that entity's own body schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qbo.emulator.http import routes
from qbo.emulator.http.openapi.catalogue_schemas import Schema, ref
from qbo.emulator.http.openapi.envelopes import envelope
from qbo.emulator.operations.batch import MAX_BATCH_REQUEST_ID
from qbo.emulator.reports import REPORTS
from qbo.emulator.reports.params import SUMMARIZE
from qbo.emulator.store.request_log import MAX_REQUEST_ID
from qbo.schema import Catalogue, EntityDef, Operation

PREFIX = "/v3/company/{realmId}/"
#: An operation object (summary, parameters, body, responses) of OpenAPI.
Op = dict[str, Any]
Describer = Callable[[EntityDef | None], Op | None]

_WRITES = frozenset({Operation.UPDATE, Operation.SPARSE_UPDATE, Operation.DELETE, Operation.VOID})


def param(
    name: str, where: str, schema: Schema, description: str, required: bool = False
) -> Schema:
    """One parameter object."""
    out: Schema = {"name": name, "in": where, "schema": schema, "description": description}
    if required or where == "path":
        out["required"] = True
    return out


MINORVERSION = param(
    "minorversion",
    "query",
    {"type": "integer", "minimum": 1},
    "The API's minor version; any value below 75, or none, is served as 75.",
)


def requestid(max_length: int) -> Schema:
    """The idempotency key of a write (longer ids get a ValidationFault)."""
    return param(
        "requestid",
        "query",
        {"type": "string", "minLength": 1, "maxLength": max_length},
        "Idempotency key: a repeated write with the same id gets the first answer again.",
    )


REQUESTID = requestid(MAX_REQUEST_ID)
INCLUDE = param(
    "include",
    "query",
    {"type": "string"},
    "Comma-separated options: void (with operation=update), allowduplicatedocnum.",
)
ID = param("id", "path", {"type": "string"}, "The object's Id.")


def json_body(schema: Schema) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def json_ok(schema: Schema, description: str = "The answer.") -> Schema:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def _entity_envelope(e: EntityDef) -> Schema:
    return json_ok(envelope(e.json_key, ref(e.json_key)), f"The {e.name} in QBO's envelope.")


def _op(op_id: str, summary: str, responses: Schema, **more: Any) -> Op:
    return {"operationId": op_id, "summary": summary, "responses": responses, **more}


# -- one describer per handler ---------------------------------------------------------


def _query_get(_: EntityDef | None) -> Op:
    text = param("query", "query", {"type": "string"}, "A statement of the query language.", True)
    answer = json_ok(envelope("QueryResponse", ref("QueryResponse")))
    return _op("queryGet", "Run a query (SELECT ... FROM Entity ...)", answer, parameters=[text])


def _query_post(_: EntityDef | None) -> Op:
    text = {"schema": {"type": "string"}}
    body = {"required": True, "content": {"application/text": text}}
    answer = json_ok(envelope("QueryResponse", ref("QueryResponse")))
    return _op("queryPost", "Run a query sent as the body", answer, requestBody=body)


def _cdc(_: EntityDef | None) -> Op:
    parameters = [
        param("entities", "query", {"type": "string"}, "Comma-separated entity names.", True),
        param(
            "changedSince",
            "query",
            {"type": "string", "format": "date-time"},
            "Changes after this instant (at most 30 days back).",
            True,
        ),
    ]
    answer = json_ok(envelope("CDCResponse", {"type": "array", "items": ref("CDCElement")}))
    return _op(
        "changeDataCapture", "Objects changed since an instant", answer, parameters=parameters
    )


def _batch(_: EntityDef | None) -> Op:
    items = {"type": "array", "items": ref("BatchItemResponse")}
    answer = json_ok(envelope("BatchItemResponse", items), "Each item's answer or fault.")
    return _op(
        "batch",
        "Up to 30 writes and queries in one request",
        answer,
        requestBody=json_body(ref("BatchRequest")),
        parameters=[requestid(MAX_BATCH_REQUEST_ID)],
    )


def _report(_: EntityDef | None) -> Op:
    date = {"type": "string", "format": "date"}
    parameters = [
        param("name", "path", {"type": "string", "enum": list(REPORTS)}, "The report."),
        param("start_date", "query", date, "First day of the period."),
        param("end_date", "query", date, "Last day of the period."),
        param("date_macro", "query", {"type": "string"}, "A named period (Last Month, ...)."),
        param("accounting_method", "query", {"type": "string", "enum": ["Accrual", "Cash"]}, ""),
        param("summarize_column_by", "query", {"type": "string", "enum": list(SUMMARIZE)}, ""),
        *(
            param(f, "query", {"type": "string"}, f"Comma-separated {f} ids.")
            for f in ("customer", "vendor", "item", "class", "department")
        ),
    ]
    answer = json_ok(ref("Report"), "The report (no envelope).")
    return _op("report", "Run a report", answer, parameters=parameters)


def _exchange_rate_get(_: EntityDef | None) -> Op:
    parameters = [
        param("sourcecurrencycode", "query", {"type": "string"}, "ISO 4217 code.", True),
        param("asofdate", "query", {"type": "string", "format": "date"}, "The rate's day."),
    ]
    answer = json_ok(envelope("ExchangeRate", ref("ExchangeRate")))
    return _op("exchangeRateOn", "A currency's rate on a day", answer, parameters=parameters)


def _exchange_rate_post(_: EntityDef | None) -> Op:
    op = param("operation", "query", {"type": "string", "enum": ["update"]}, "Rates are only set.")
    answer = json_ok(envelope("ExchangeRate", ref("ExchangeRate")))
    return _op(
        "setExchangeRate",
        "Set a currency's rate on a day",
        answer,
        parameters=[op, REQUESTID],
        requestBody=json_body(ref("ExchangeRate")),
    )


def _tax_code(_: EntityDef | None) -> Op:
    answer = json_ok(envelope("TaxService", ref("TaxService")))
    return _op(
        "createTaxCode",
        "Create a tax code and its rates",
        answer,
        parameters=[REQUESTID],
        requestBody=json_body(ref("TaxService")),
    )


def _upload(_: EntityDef | None) -> Op:
    form: Schema = {
        "type": "object",
        "properties": {
            "file_metadata_0": ref("Attachable"),
            "file_content_0": {"type": "string", "contentMediaType": "application/octet-stream"},
        },
        "required": ["file_content_0"],
    }
    created = {"type": "object", "properties": {"Attachable": ref("Attachable")}}
    answer = json_ok(envelope("AttachableResponse", {"type": "array", "items": created}))
    body = {"required": True, "content": {"multipart/form-data": {"schema": form}}}
    return _op(
        "upload",
        "Upload files (file_metadata_<n> and file_content_<n> parts)",
        answer,
        parameters=[REQUESTID],
        requestBody=body,
    )


def _download(_: EntityDef | None) -> Op:
    url = {
        "description": "A temporary URL of the file.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
    return _op(
        "download", "A temporary download URL of an attachment", {"200": url}, parameters=[ID]
    )


def _preferences(_: EntityDef | None) -> Op:
    answer = json_ok(envelope("Preferences", ref("Preferences")))
    return _op("preferences", "The company's preferences", answer)


def _pdf(e: EntityDef | None) -> Op | None:
    if e is None or not e.allows(Operation.PDF):
        return None
    pdf = {
        "description": "The form as a PDF.",
        "content": {
            "application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}
        },
    }
    return _op(f"pdf{e.name}", f"The {e.name} as a PDF", {"200": pdf}, parameters=[ID])


def _send(e: EntityDef | None) -> Op | None:
    if e is None or not e.allows(Operation.SEND):
        return None
    to = param("sendTo", "query", {"type": "string", "format": "email"}, "Overrides the address.")
    return _op(
        f"send{e.name}",
        f"Email the {e.name}",
        _entity_envelope(e),
        parameters=[ID, to, REQUESTID],
    )


def _read(e: EntityDef | None) -> Op | None:
    if e is None or not e.allows(Operation.READ):
        return None
    return _op(
        f"read{e.name}", f"Read a {e.name} by Id", _entity_envelope(e), parameters=[ID, INCLUDE]
    )


def _write(e: EntityDef | None) -> Op | None:
    if e is None:
        return None
    creates = e.allows(Operation.CREATE) and e.create_path is None
    if not creates and not (e.operations & _WRITES):
        return None
    ops = [o for o in ("create", "update", "delete", "void") if _allows_op(e, o)]
    operation = param(
        "operation",
        "query",
        {"type": "string", "enum": ops},
        "What the write does; without it an Id means update, none means create.",
    )
    answer = _entity_envelope(e)
    if e.allows(Operation.READ):  # the object written, read back (explorers, stateful tests)
        read = {
            "operationId": f"read{e.name}",
            "parameters": {
                "realmId": "$request.path.realmId",
                "id": f"$response.body#/{e.json_key}/Id",
            },
        }
        answer["200"]["links"] = {"read": read}
    return _op(
        f"write{e.name}",
        f"Create, update{', delete' if 'delete' in ops else ''} a {e.name}",
        answer,
        parameters=[operation, INCLUDE, REQUESTID],
        requestBody=json_body(ref(e.json_key)),
        description="Unknown properties get fault 2010; a stale SyncToken gets 5010.",
    )


def _allows_op(e: EntityDef, name: str) -> bool:
    if name == "create":
        return e.allows(Operation.CREATE) and e.create_path is None
    if name == "update":
        return bool(e.operations & {Operation.UPDATE, Operation.SPARSE_UPDATE})
    return e.allows(Operation(name))


DESCRIBERS: dict[routes.Handler, Describer] = {
    routes.query_get: _query_get,
    routes.query_post: _query_post,
    routes.cdc_get: _cdc,
    routes.batch_post: _batch,
    routes.report_get: _report,
    routes.exchange_rate_get: _exchange_rate_get,
    routes.exchange_rate_post: _exchange_rate_post,
    routes.tax_code_post: _tax_code,
    routes.upload_post: _upload,
    routes.download_get: _download,
    routes.preferences_get: _preferences,
    routes.pdf_get: _pdf,
    routes.send_post: _send,
    routes.entity_get: _read,
    routes.entity_post: _write,
}


# -- the paths -------------------------------------------------------------------------


#: What every /v3 operation may answer besides its 200: QBO's faults and the gateway's.
def _faults() -> Schema:
    fault = {"content": {"application/json": {"schema": ref("FaultResponse")}}}
    gateway = {"content": {"application/json": {"schema": ref("GatewayFault")}}}
    return {
        "400": {"description": "A ValidationFault (bad input, business rule).", **fault},
        "401": {"description": "No valid bearer token (code 3200).", **gateway},
        "403": {"description": "The token does not reach this company (code 3100).", **gateway},
        "429": {"description": "Throttled (code 3001).", **gateway},
        "500": {"description": "A SystemFault (code 10000).", **fault},
    }


def _finish(op: Op, route: routes.ApiRoute) -> Op:
    """The parameters and answers every /v3 operation shares."""
    path_params = [param("realmId", "path", {"type": "string"}, "The company.")]
    faults = _faults()
    if "requestBody" in op:
        faults["415"] = {
            **faults["400"],
            "description": "A body of another Content-Type than described.",
        }
    return {
        **op,
        "tags": ["data plane"],
        "parameters": [*path_params, *op.get("parameters", []), MINORVERSION],
        "responses": {**op["responses"], **faults},
        "security": [{"bearer": []}, {"oauth2": ["com.intuit.quickbooks.accounting"]}],
        "x-qbo-route": f"{route.method} {route.pattern}",
    }


def data_plane_paths(cat: Catalogue) -> dict[str, dict[str, Op]]:
    """Every /v3 path and its operations, in route-table order."""
    paths: dict[str, dict[str, Op]] = {}
    for route in routes.ROUTES:
        describe = DESCRIBERS[route.handler]
        if "{entity}" in route.pattern:
            expanded = [
                (route.pattern.replace("{entity}", e.path), describe(e))
                for e in cat.entities.values()
            ]
        else:
            expanded = [(route.pattern, describe(None))]
        for pattern, op in expanded:
            if op is not None:
                methods = paths.setdefault(PREFIX + pattern, {})
                methods.setdefault(route.method.lower(), _finish(op, route))
    return paths
