"""One exception hierarchy for everything the client can raise.

Every error carries what support and retry logic need: the fault code, message, detail
and element, the HTTP status and Intuit's ``intuit_tid``; an error of a write also carries
the ``requestid`` it was sent with, because a write that failed after QBO committed it
(a 503 or a reset after the commit) may exist: sending it again with the same id
(``request_id=err.request_id``) gets QBO's first answer instead of a duplicate. Messages
never include tokens or secrets.
"""

from __future__ import annotations

from typing import Any

from qbo.schema.faults import FaultCode


class QBOError(Exception):
    """Base of every qbo client error."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        detail: str | None = None,
        element: str | None = None,
        status_code: int | None = None,
        intuit_tid: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail
        self.element = element
        self.status_code = status_code
        self.intuit_tid = intuit_tid
        self.errors = errors or []
        self.retry_after = retry_after  # seconds the server asked to wait (Retry-After)
        self.request_id = request_id  # the write's requestid: retry with request_id=this

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.append(f"code={self.code}")
        if self.detail:
            parts.append(f"detail={self.detail}")
        if self.element:
            parts.append(f"element={self.element}")
        if self.status_code:
            parts.append(f"status={self.status_code}")
        if self.intuit_tid:
            parts.append(f"intuit_tid={self.intuit_tid}")
        if self.request_id:
            parts.append(
                f"requestid={self.request_id} (retry with request_id= to avoid a duplicate)"
            )
        return " | ".join(parts)


class AuthenticationError(QBOError):
    """401: the access token is missing, expired, revoked or malformed (3200)."""


class ReauthorizationRequired(AuthenticationError):
    """The refresh token is no longer valid (invalid_grant): the user must connect again."""


class AuthorizationError(QBOError):
    """403: the token may not act on this company (3100) or lacks a scope."""


class ValidationError(QBOError):
    """400: QBO rejected the request (a ValidationFault). Never retried."""


class StaleObjectError(ValidationError):
    """5010: the object changed since it was read (SyncToken mismatch)."""


class DuplicateNameError(ValidationError):
    """6240: the name is already used by another customer, vendor or employee."""


class DuplicateDocumentNumberError(ValidationError):
    """6140: the DocNumber is already used."""


class ObjectNotFoundError(ValidationError):
    """610: no object with that Id (or it was deleted)."""


class InvalidReferenceError(ValidationError):
    """2500: a reference points at a missing or inactive object."""


class RequiredFieldError(ValidationError):
    """2020: a required field is missing (``element`` names it)."""


class InvalidPropertyError(ValidationError):
    """2010: an unknown property or a value of the wrong type."""


class UnsupportedOperationError(ValidationError):
    """500: the operation is not allowed on this entity."""


class QueryError(ValidationError):
    """4000/4001: the query does not parse or does not validate."""


class BusinessValidationError(ValidationError):
    """6000 and other business rules."""


class RateLimitError(QBOError):
    """429 (3001): a throttle limit was reached and retries did not get through."""


class ServiceError(QBOError):
    """5xx: QuickBooks (or the emulator) failed; retried before it is raised."""


class TransportError(QBOError):
    """The request did not complete: connection error, reset or timeout."""


class CDCWindowError(QBOError):
    """A change-data-capture request reaches further back than QBO's 30 days.

    Also raised when a window cannot be split any further (more than 1000 changes of one
    entity share one LastUpdatedTime), rather than returning a silently truncated result.
    """


class RequestIdConflictError(ValidationError):
    """600: the requestid was already used for a different request."""


class ConfigurationError(QBOError):
    """The client was configured in a way that cannot work (raised before any I/O)."""


#: Validation fault codes with a class of their own.
VALIDATION_CODES: dict[str, type[ValidationError]] = {
    FaultCode.STALE_OBJECT: StaleObjectError,
    FaultCode.DUPLICATE_NAME: DuplicateNameError,
    FaultCode.DUPLICATE_DOC_NUMBER: DuplicateDocumentNumberError,
    FaultCode.OBJECT_NOT_FOUND: ObjectNotFoundError,
    FaultCode.INVALID_REFERENCE: InvalidReferenceError,
    FaultCode.REQUIRED_MISSING: RequiredFieldError,
    FaultCode.INVALID_PROPERTY: InvalidPropertyError,
    FaultCode.UNSUPPORTED_OPERATION: UnsupportedOperationError,
    FaultCode.QUERY_PARSE: QueryError,
    FaultCode.QUERY_INVALID: QueryError,
    FaultCode.BUSINESS_VALIDATION: BusinessValidationError,
    FaultCode.AMOUNT_CALCULATION: BusinessValidationError,
    FaultCode.REQUEST_ID_EXISTS: RequestIdConflictError,
}
