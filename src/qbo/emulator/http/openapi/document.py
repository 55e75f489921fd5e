"""The whole OpenAPI 3.1 document: info, servers, security schemes, paths and components."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata
from typing import Any

from starlette.routing import BaseRoute

from qbo.emulator.http.openapi import envelopes
from qbo.emulator.http.openapi.catalogue_schemas import Schema, catalogue_schemas, ref
from qbo.emulator.http.openapi.data_plane import data_plane_paths
from qbo.emulator.http.openapi.served_routes import served_paths
from qbo.emulator.oauth.server import AUTHORIZE_PATH, TOKEN_PATH
from qbo.schema import Catalogue, catalogue

OPENAPI_VERSION = "3.1.0"
JSON_SCHEMA_DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base"
SCOPES = {
    "com.intuit.quickbooks.accounting": "The company's accounting data.",
    "com.intuit.quickbooks.payment": "Payments.",
    "openid": "An id_token.",
    "profile": "The user's name.",
    "email": "The user's email address.",
    "phone": "The user's phone number.",
    "address": "The user's address.",
}
DESCRIPTION = """\
QuickBooks Online's REST API (v3) as this emulator serves it, with Intuit's OAuth 2.0
endpoints and the emulator's own control plane (`/_emulator/...`, loopback callers or the
admin token only). Entity schemas come from the entity catalogue built from Intuit's XSDs.
Every `/v3` answer carries an `intuit_tid` header."""


def _version() -> str:
    try:
        return metadata.version("qbo")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+unknown"


def _envelope_schemas(cat: Catalogue) -> dict[str, Schema]:
    """The schemas around entities; none may share a name with a catalogue type."""
    return {
        "FaultObject": envelopes.fault_object(),
        "FaultResponse": envelopes.envelope("Fault", ref("FaultObject")),
        "GatewayFault": envelopes.gateway_fault(),
        "QueryResponse": envelopes.query_response(cat),
        "CDCElement": envelopes.cdc_element(),
        "BatchRequest": envelopes.batch_request(cat),
        "BatchItemResponse": envelopes.batch_item_response(cat),
        "Report": envelopes.report(),
        "ReportRows": envelopes.report_rows(),
        "ReportRow": envelopes.report_row(),
        "ControlError": envelopes.control_error(),
        "OAuthError": envelopes.oauth_error(),
    }


def components(cat: Catalogue, base_url: str) -> dict[str, Any]:
    schemas = catalogue_schemas(cat)
    wrappers = _envelope_schemas(cat)
    clash = sorted(set(schemas) & set(wrappers))
    if clash:
        raise ValueError(f"envelope schemas named like catalogue types: {clash}")
    flows = {
        "authorizationCode": {
            "authorizationUrl": base_url + AUTHORIZE_PATH,
            "tokenUrl": base_url + TOKEN_PATH,
            "refreshUrl": base_url + TOKEN_PATH,
            "scopes": SCOPES,
        }
    }
    return {
        "schemas": {**schemas, **wrappers},
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "An access token."},
            "oauth2": {"type": "oauth2", "flows": flows},
            "clientCredentials": {"type": "http", "scheme": "basic"},
            "adminToken": {"type": "http", "scheme": "bearer", "description": "--admin-token"},
        },
    }


def document(routes: Iterable[BaseRoute], base_url: str) -> dict[str, Any]:
    """The description of an application serving ``routes`` at ``base_url``."""
    cat = catalogue()
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": JSON_SCHEMA_DIALECT,
        "info": {
            "title": "QuickBooks Online API (qbo emulator)",
            "version": _version(),
            "description": DESCRIPTION,
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "paths": {**data_plane_paths(cat), **served_paths(routes)},
        "components": components(cat, base_url.rstrip("/")),
        "tags": [
            {"name": "data plane", "description": "QBO's REST API, per company."},
            {"name": "oauth", "description": "Intuit's OAuth 2.0 and OpenID endpoints."},
            {"name": "control plane", "description": "The emulator's own controls."},
        ],
    }
