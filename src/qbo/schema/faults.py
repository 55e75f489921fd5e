"""QBO's fault model and code table.

One table drives both sides: the emulator raises :class:`Fault` and renders it exactly as
QuickBooks does; the client maps a received code back to the same facts. Gateway faults
(401, 403, 429) have their own lower-case shape, rendered by :func:`gateway_body`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from qbo.schema.overlay import ENTITIES
from qbo.schema.types import EntityKind


class FaultType(StrEnum):
    VALIDATION = "ValidationFault"
    SYSTEM = "SystemFault"
    AUTHENTICATION = "AuthenticationFault"
    AUTHORIZATION = "AuthorizationFault"


class FaultCode(StrEnum):
    """Every fault code the API uses, by what it means. Emulator and client both name codes
    through this enum, so each code is written once; members compare equal to the strings."""

    UNSUPPORTED_OPERATION = "500"
    REQUEST_ID_EXISTS = "600"
    OBJECT_NOT_FOUND = "610"
    BATCH_TOO_LARGE = "1040"
    INVALID_PROPERTY = "2010"
    REQUIRED_MISSING = "2020"
    STRING_LENGTH = "2050"
    INVALID_REFERENCE = "2500"
    QUERY_PARSE = "4000"
    QUERY_INVALID = "4001"
    STALE_OBJECT = "5010"
    BUSINESS_VALIDATION = "6000"
    AMOUNT_CALCULATION = "6070"
    DUPLICATE_DOC_NUMBER = "6140"
    DUPLICATE_NAME = "6240"
    THROTTLED = "3001"
    NOT_AUTHORIZED = "3100"
    NOT_AUTHENTICATED = "3200"
    INTERNAL_ERROR = "10000"


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What a fault code means: its standard Message, HTTP status and fault type."""

    code: str
    message: str
    http_status: int
    type: FaultType


def _code(
    code: str, message: str, status: int = 400, kind: FaultType = FaultType.VALIDATION
) -> CodeInfo:
    return CodeInfo(code, message, status, kind)


CODES: dict[str, CodeInfo] = {
    info.code: info
    for info in (
        _code(FaultCode.UNSUPPORTED_OPERATION, "Unsupported Operation"),
        _code(FaultCode.REQUEST_ID_EXISTS, "RequestId already exists"),
        _code(FaultCode.OBJECT_NOT_FOUND, "Object Not Found"),
        _code(FaultCode.BATCH_TOO_LARGE, "batch size exceeds allowed limit"),
        _code(FaultCode.INVALID_PROPERTY, "Request has invalid or unsupported property"),
        _code(
            FaultCode.REQUIRED_MISSING,
            "Required param missing, need to supply the required value for the API",
        ),
        _code(
            FaultCode.STRING_LENGTH,
            "String length is either shorter or longer than supported by specification",
        ),
        _code(FaultCode.INVALID_REFERENCE, "Invalid Reference Id"),
        _code(FaultCode.QUERY_PARSE, "Error parsing query"),
        _code(FaultCode.QUERY_INVALID, "Invalid query"),
        _code(FaultCode.STALE_OBJECT, "Stale Object Error"),
        _code(
            FaultCode.BUSINESS_VALIDATION,
            "A business validation error has occurred while processing your request",
        ),
        _code(FaultCode.AMOUNT_CALCULATION, "Amount calculation incorrect"),
        _code(FaultCode.DUPLICATE_DOC_NUMBER, "Duplicate Document Number Error"),
        _code(FaultCode.DUPLICATE_NAME, "Duplicate Name Exists Error"),
        _code(
            FaultCode.THROTTLED,
            "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            429,
            FaultType.SYSTEM,
        ),
        _code(
            FaultCode.NOT_AUTHORIZED,
            "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
            403,
            FaultType.AUTHORIZATION,
        ),
        _code(
            FaultCode.NOT_AUTHENTICATED,
            "message=AuthenticationFailed; errorCode=003200; statusCode=401",
            401,
            FaultType.AUTHENTICATION,
        ),
        _code(
            FaultCode.INTERNAL_ERROR,
            "An application error has occurred while processing your request",
            500,
            FaultType.SYSTEM,
        ),
    )
}


#: Entities whose 610 Detail is QBO's recorded wording for a deleted transaction.
TRANSACTION_NAMES = frozenset(n for n, f in ENTITIES.items() if f.kind is EntityKind.TRANSACTION)

#: Codes whose errors come without an ``element`` key (query faults, as recorded).
_NO_ELEMENT = frozenset({FaultCode.QUERY_PARSE, FaultCode.QUERY_INVALID})


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """One entry of Fault.Error."""

    code: str
    message: str
    detail: str = ""
    element: str = ""

    def to_json(self) -> dict[str, str]:
        body = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.code not in _NO_ELEMENT:  # recorded query faults have no element key
            body["element"] = self.element
        return body


@dataclass(slots=True)
class Fault(Exception):
    """A QBO fault: one or more errors, a fault type and an HTTP status.

    Raised anywhere in the emulator's domain code and rendered at the HTTP edge, so a
    rejected request changes nothing (the surrounding transaction rolls back).
    """

    errors: list[ErrorItem]
    type: FaultType = FaultType.VALIDATION
    http_status: int = 400
    extra_headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.summary())

    @classmethod
    def of(
        cls, code: str, detail: str = "", element: str = "", message: str | None = None
    ) -> Fault:
        """A fault with one error whose message, status and type come from the code table."""
        info = CODES.get(code)
        if info is None:
            return cls([ErrorItem(code, message or "", detail, element)])
        return cls(
            [ErrorItem(code, message or info.message, detail, element)],
            info.type,
            info.http_status,
        )

    @property
    def code(self) -> str:
        return self.errors[0].code

    def summary(self) -> str:
        return "; ".join(f"{e.code} {e.message}: {e.detail}".rstrip(": ") for e in self.errors)

    def body(self) -> dict[str, Any]:
        """The `Fault` object as it appears in a response (without `time`)."""
        return {"Error": [e.to_json() for e in self.errors], "type": self.type.value}


def not_found(entity: str, object_id: str) -> Fault:
    """610. For a transaction, QBO's own words (recorded); for other objects, whose
    wording is not known, a Detail naming the object."""
    if entity in TRANSACTION_NAMES:
        return Fault.of(
            FaultCode.OBJECT_NOT_FOUND,
            "Object Not Found : Another user has deleted this transaction.",
        )
    return Fault.of(
        FaultCode.OBJECT_NOT_FOUND,
        f"Object Not Found : {entity} with Id {object_id} was not found or has been deleted",
    )


def stale_object(user: str = "another user") -> Fault:
    return Fault.of(
        FaultCode.STALE_OBJECT,
        f"Stale Object Error : You and {user} were working on this at the same time. "
        f"{user} finished before you did, so your work was not saved.",
    )


def invalid_property(prop: str, why: str = "") -> Fault:
    detail = f"Property Name:{prop} specified is unsupported or invalid"
    if why:
        detail = f"{detail}: {why}"
    return Fault.of(FaultCode.INVALID_PROPERTY, detail, element=prop)


def required_missing(element: str) -> Fault:
    return Fault.of(
        FaultCode.REQUIRED_MISSING,
        f"Required parameter {element} is missing in the request",
        element=element,
    )


def unsupported_operation(entity: str, operation: str) -> Fault:
    return Fault.of(
        FaultCode.UNSUPPORTED_OPERATION, f"Operation {operation} is not supported on {entity}"
    )


def gateway_body(code: str, detail: str, epoch_ms: int) -> dict[str, Any]:
    """The lower-case body the API gateway sends for 401, 403 and 429."""
    info = CODES[code]
    kind = "AUTHENTICATION" if code == FaultCode.NOT_AUTHENTICATED else "SERVICE"
    error: dict[str, Any] = {"message": info.message, "detail": detail, "code": code}
    if code != FaultCode.NOT_AUTHENTICATED:  # recorded 401 bodies have no element key
        error["element"] = None
    return {
        "fault": {
            "error": [error],
            "type": kind,
        },
        "time": epoch_ms,
    }
