"""The typed QuickBooks Online client: ``Client`` (sync) and ``AsyncClient``, one API.

    from qbo.client import Client
    from qbo.schema.models import Customer

    with Client("9130357", environment="sandbox", access_token=token) as qb:
        acme = qb.customers.create(Customer(DisplayName="Acme"))

See the README's client section for configuration, errors, retries and pacing, batch,
change data capture and reports.

Names are imported on first use (module ``__getattr__``), so importing a submodule such
as ``qbo.client.errors`` or ``qbo.client.pacing`` stays cheap: it loads neither the
HTTP client nor the generated models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qbo.client._async.client import AsyncClient
    from qbo.client._sync.client import Client
    from qbo.client.batching import BatchItemResult, BatchResult
    from qbo.client.changes import CDCResult
    from qbo.client.currency import currency_ref, home_amount, to_home
    from qbo.client.environment import PRODUCTION, SANDBOX, Environment, emulator
    from qbo.client.error_parsing import error_from_fault, error_from_response
    from qbo.client.errors import (
        VALIDATION_CODES,
        AuthenticationError,
        AuthorizationError,
        BusinessValidationError,
        CDCWindowError,
        ConfigurationError,
        DuplicateDocumentNumberError,
        DuplicateNameError,
        InvalidPropertyError,
        InvalidReferenceError,
        ObjectNotFoundError,
        QBOError,
        QueryError,
        RateLimitError,
        ReauthorizationRequired,
        RequestIdConflictError,
        RequiredFieldError,
        ServiceError,
        StaleObjectError,
        TransportError,
        UnsupportedOperationError,
        ValidationError,
    )
    from qbo.client.extraction import ExtractPage
    from qbo.client.hooks import ClientHooks, RequestEvent, ResponseEvent, RetryEvent
    from qbo.client.pacing import MemoryPacingStore, Pacer, PacingLimits, SqlitePacingStore
    from qbo.client.reports import Report
    from qbo.client.results import Deleted, QueryResult
    from qbo.client.retry import RetryPolicy
    from qbo.client.sentinel import NOT_GIVEN

_LAZY: dict[str, str] = {
    "AsyncClient": "qbo.client._async.client",
    "AuthenticationError": "qbo.client.errors",
    "AuthorizationError": "qbo.client.errors",
    "BatchItemResult": "qbo.client.batching",
    "BatchResult": "qbo.client.batching",
    "BusinessValidationError": "qbo.client.errors",
    "CDCResult": "qbo.client.changes",
    "CDCWindowError": "qbo.client.errors",
    "Client": "qbo.client._sync.client",
    "ClientHooks": "qbo.client.hooks",
    "ConfigurationError": "qbo.client.errors",
    "Deleted": "qbo.client.results",
    "DuplicateDocumentNumberError": "qbo.client.errors",
    "DuplicateNameError": "qbo.client.errors",
    "Environment": "qbo.client.environment",
    "ExtractPage": "qbo.client.extraction",
    "InvalidPropertyError": "qbo.client.errors",
    "InvalidReferenceError": "qbo.client.errors",
    "MemoryPacingStore": "qbo.client.pacing",
    "NOT_GIVEN": "qbo.client.sentinel",
    "ObjectNotFoundError": "qbo.client.errors",
    "PRODUCTION": "qbo.client.environment",
    "Pacer": "qbo.client.pacing",
    "PacingLimits": "qbo.client.pacing",
    "QBOError": "qbo.client.errors",
    "QueryError": "qbo.client.errors",
    "QueryResult": "qbo.client.results",
    "RateLimitError": "qbo.client.errors",
    "ReauthorizationRequired": "qbo.client.errors",
    "Report": "qbo.client.reports",
    "RequestEvent": "qbo.client.hooks",
    "RequestIdConflictError": "qbo.client.errors",
    "RequiredFieldError": "qbo.client.errors",
    "ResponseEvent": "qbo.client.hooks",
    "RetryEvent": "qbo.client.hooks",
    "RetryPolicy": "qbo.client.retry",
    "SANDBOX": "qbo.client.environment",
    "ServiceError": "qbo.client.errors",
    "SqlitePacingStore": "qbo.client.pacing",
    "StaleObjectError": "qbo.client.errors",
    "TransportError": "qbo.client.errors",
    "UnsupportedOperationError": "qbo.client.errors",
    "VALIDATION_CODES": "qbo.client.errors",
    "ValidationError": "qbo.client.errors",
    "currency_ref": "qbo.client.currency",
    "emulator": "qbo.client.environment",
    "error_from_fault": "qbo.client.error_parsing",
    "error_from_response": "qbo.client.error_parsing",
    "home_amount": "qbo.client.currency",
    "to_home": "qbo.client.currency",
}

__all__ = [
    "NOT_GIVEN",
    "PRODUCTION",
    "SANDBOX",
    "VALIDATION_CODES",
    "AsyncClient",
    "AuthenticationError",
    "AuthorizationError",
    "BatchItemResult",
    "BatchResult",
    "BusinessValidationError",
    "CDCResult",
    "CDCWindowError",
    "Client",
    "ClientHooks",
    "ConfigurationError",
    "Deleted",
    "DuplicateDocumentNumberError",
    "DuplicateNameError",
    "Environment",
    "ExtractPage",
    "InvalidPropertyError",
    "InvalidReferenceError",
    "MemoryPacingStore",
    "ObjectNotFoundError",
    "Pacer",
    "PacingLimits",
    "QBOError",
    "QueryError",
    "QueryResult",
    "RateLimitError",
    "ReauthorizationRequired",
    "Report",
    "RequestEvent",
    "RequestIdConflictError",
    "RequiredFieldError",
    "ResponseEvent",
    "RetryEvent",
    "RetryPolicy",
    "ServiceError",
    "SqlitePacingStore",
    "StaleObjectError",
    "TransportError",
    "UnsupportedOperationError",
    "ValidationError",
    "currency_ref",
    "emulator",
    "error_from_fault",
    "error_from_response",
    "home_amount",
    "to_home",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qbo.client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
