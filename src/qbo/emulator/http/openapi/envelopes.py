"""Schemas of the bodies around entities: envelopes, query and batch answers, faults, reports.

QBO wraps every JSON answer of ``/v3`` (reports aside) as ``{key: value, "time": ...}``;
the keys inside a query, batch or CDC answer are the entities' JSON keys, so those schemas
are built from the catalogue too. Faults come in two shapes: QBO's own ``Fault`` (4xx and
500 from the API) and the gateway's lower-case ``fault`` (401, 403, 429).
"""

from __future__ import annotations

from qbo.emulator.http.openapi.catalogue_schemas import Schema, ref
from qbo.schema import Catalogue, FaultType

#: ``time`` of an envelope: milliseconds and the company's UTC offset.
TIME: Schema = {"type": "string", "format": "date-time"}


def envelope(key: str, value: Schema) -> Schema:
    """``{key: value, "time": ...}``, nothing else."""
    return {
        "type": "object",
        "properties": {key: value, "time": TIME},
        "required": [key, "time"],
        "additionalProperties": False,
    }


def fault_object() -> Schema:
    """The ``Fault`` object: one or more errors and the fault's type."""
    error: Schema = {
        "type": "object",
        "properties": {
            "Message": {"type": "string"},
            "Detail": {"type": "string"},
            "code": {"type": "string"},
            "element": {"type": "string"},  # absent on query faults, as QBO sends them
        },
        "required": ["Message", "Detail", "code"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "Error": {"type": "array", "items": error, "minItems": 1},
            "type": {"type": "string", "enum": [t.value for t in FaultType]},
        },
        "required": ["Error", "type"],
        "additionalProperties": False,
    }


def gateway_fault() -> Schema:
    """The gateway's 401/403/429 body: lower-case keys, ``time`` in epoch milliseconds."""
    error: Schema = {
        "type": "object",
        "properties": {
            "message": {"type": "string"},
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "element": {"type": ["string", "null"]},
        },
        "required": ["message", "detail", "code"],
    }
    fault: Schema = {
        "type": "object",
        "properties": {
            "error": {"type": "array", "items": error, "minItems": 1},
            "type": {"type": "string"},
        },
        "required": ["error", "type"],
    }
    return {
        "type": "object",
        "properties": {"fault": fault, "time": {"type": "integer"}},
        "required": ["fault", "time"],
    }


def query_response(cat: Catalogue) -> Schema:
    """A page of rows under the entity's key (or a count, or ``{}`` for no rows)."""
    properties: Schema = {
        e.json_key: {"type": "array", "items": ref(e.json_key)} for e in cat.entities.values()
    }
    for key in ("startPosition", "maxResults", "totalCount"):
        properties[key] = {"type": "integer", "minimum": 0}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def cdc_element() -> Schema:
    """One element of ``CDCResponse``: a QueryResponse per entity asked for."""
    return {
        "type": "object",
        "properties": {"QueryResponse": {"type": "array", "items": ref("QueryResponse")}},
        "required": ["QueryResponse"],
        "additionalProperties": False,
    }


def _entity_keys(cat: Catalogue) -> Schema:
    return {e.json_key: ref(e.json_key) for e in cat.entities.values()}


def batch_request(cat: Catalogue) -> Schema:
    """``{"BatchItemRequest": [...]}``: each item an entity write, a Query or a CDCQuery."""
    item: Schema = {
        "type": "object",
        "properties": {
            "bId": {"type": "string"},
            "operation": {"type": "string", "enum": ["create", "update", "delete"]},
            "optionsData": {"type": "string"},
            "Query": {"type": "string"},
            "CDCQuery": {
                "type": "object",
                "properties": {"Entities": {"type": "string"}, "ChangedSince": {"type": "string"}},
            },
            **_entity_keys(cat),
        },
        "required": ["bId"],
    }
    return {
        "type": "object",
        "properties": {"BatchItemRequest": {"type": "array", "items": item}},
        "required": ["BatchItemRequest"],
    }


def batch_item_response(cat: Catalogue) -> Schema:
    """One item's answer: its entity, rows, changes or fault, under the item's ``bId``."""
    return {
        "type": "object",
        "properties": {
            "bId": {"type": "string"},
            "Fault": ref("FaultObject"),
            "QueryResponse": ref("QueryResponse"),
            "CDCResponse": ref("CDCElement"),
            **_entity_keys(cat),
        },
        "required": ["bId"],
        "minProperties": 2,
        "maxProperties": 2,
        "additionalProperties": False,
    }


def _cells() -> Schema:
    cell: Schema = {
        "type": "object",
        "properties": {"value": {"type": "string"}, "id": {"type": "string"}},
        "required": ["value"],
    }
    return {"type": "array", "items": cell}


def report() -> Schema:
    """A report: its header, columns and (nested) rows; amounts are strings."""
    column: Schema = {
        "type": "object",
        "properties": {
            "ColTitle": {"type": "string"},
            "ColType": {"type": "string"},
            "MetaData": {"type": "array", "items": ref("NameValue")},
        },
    }
    return {
        "type": "object",
        "properties": {
            "Header": {"type": "object", "properties": {"ReportName": {"type": "string"}}},
            "Columns": {
                "type": "object",
                "properties": {"Column": {"type": "array", "items": column}},
            },
            "Rows": ref("ReportRows"),
        },
        "required": ["Header", "Columns", "Rows"],
    }


def report_rows() -> Schema:
    """``{"Row": [...]}``: a report's rows, or a section's."""
    return {"type": "object", "properties": {"Row": {"type": "array", "items": ref("ReportRow")}}}


def report_row() -> Schema:
    """A data row, or a section with a header, rows of its own and a summary."""
    cells: Schema = {"type": "object", "properties": {"ColData": _cells()}}
    return {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["Section", "Data"]},
            "group": {"type": "string"},
            "ColData": _cells(),
            "Header": cells,
            "Rows": ref("ReportRows"),
            "Summary": cells,
        },
    }


def control_error() -> Schema:
    """The control plane's refusals: ``{"error": "what is wrong"}``."""
    return {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}


def oauth_error() -> Schema:
    """RFC 6749's error body."""
    return {
        "type": "object",
        "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
        "required": ["error"],
    }
