"""Turn any failed QBO response into one typed exception, whatever its body looks like.

QBO answers failures in several shapes, and a client that understands only one crashes on
the others (a common complaint about today's libraries):

* the API's JSON fault: ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}],
  "type"}}``;
* the gateway's lower-case fault (401, 403, 429): ``{"fault": {"error": [{"message",
  "detail", "code"}], "type"}}``;
* XML (``<IntuitResponse><Fault type><Error code><Message>...``), which QBO has sent even
  to clients that asked for JSON, notably for 3001 throttles;
* an OAuth-style ``{"error": "...", "error_description": "..."}``;
* HTML pages from load balancers (502, 503, 504), plain text, or nothing at all.

The class is chosen by HTTP status first (401, 403, 429, 5xx say what happened even when
the body says nothing), then by fault code (:data:`qbo.client.errors.VALIDATION_CODES`).
Error text never includes request headers, so a token cannot leak into a message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from defusedxml import ElementTree as SafeElementTree

from qbo.client.errors import (
    VALIDATION_CODES,
    AuthenticationError,
    AuthorizationError,
    QBOError,
    RateLimitError,
    ServiceError,
    TransportError,
    ValidationError,
)
from qbo.schema import jsoncodec
from qbo.schema.faults import FaultCode

_SNIPPET = 200  # longest piece of an unparseable body quoted in a message
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _normalise_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """One error entry with QBO's canonical keys, whichever casing it came in."""
    lowered = {str(k).lower(): v for k, v in item.items()}
    return {
        "Message": _text(lowered.get("message")) or "",
        "Detail": _text(lowered.get("detail")) or "",
        "code": _text(lowered.get("code")) or "",
        "element": _text(lowered.get("element")) or "",
    }


def fault_errors(body: Any) -> tuple[list[dict[str, Any]], str | None] | None:
    """The error entries and fault type of a JSON body, or None when it holds no fault.

    Accepts a whole response body (``{"Fault": ...}`` / ``{"fault": ...}``) or the fault
    object itself (as batch items carry it).
    """
    if not isinstance(body, Mapping):
        return None
    fault = body.get("Fault", body.get("fault"))
    if fault is None and ("Error" in body or "error" in body) and "type" in body:
        fault = body
    if not isinstance(fault, Mapping):
        return None
    raw = fault.get("Error", fault.get("error"))
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        return None
    items = [_normalise_item(i) for i in raw if isinstance(i, Mapping)]
    return items, _text(fault.get("type"))


def _xml_errors(text: str) -> tuple[list[dict[str, Any]], str | None] | None:
    """Errors of an XML fault, parsed with defusedxml (no entities, no external DTDs)."""
    try:
        root = SafeElementTree.fromstring(text)
    except Exception:  # malformed or hostile XML: treat as an unparseable body
        return None

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    fault = root if local(root.tag) == "Fault" else None
    if fault is None:
        fault = next((el for el in root.iter() if local(el.tag) == "Fault"), None)
    if fault is None:
        return None
    items: list[dict[str, Any]] = []
    for error in fault:
        if local(error.tag) != "Error":
            continue
        fields = {local(child.tag).lower(): (child.text or "") for child in error}
        items.append(
            _normalise_item(
                {
                    "message": fields.get("message"),
                    "detail": fields.get("detail"),
                    "code": error.get("code"),
                    "element": error.get("element"),
                }
            )
        )
    return items, _text(fault.get("type"))


def _plain_message(response: httpx.Response) -> str:
    """A short readable summary of a body that is not a fault (HTML, text, empty)."""
    reason = response.reason_phrase or "error"
    try:
        text = response.text
    except Exception:  # undecodable bytes
        text = ""
    if not text.strip():
        return f"HTTP {response.status_code} {reason} (empty body)"
    title = _TITLE.search(text)
    shown = title.group(1) if title else _TAGS.sub(" ", text)
    shown = _SPACES.sub(" ", shown).strip()[:_SNIPPET]
    return (
        f"HTTP {response.status_code} {reason}: {shown}"
        if shown
        else f"HTTP {response.status_code} {reason}"
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds != seconds or seconds < 0:  # NaN or in the past
        return 0.0
    return seconds


def error_class(status: int | None, code: str | None, fault_type: str | None) -> type[QBOError]:
    """Which exception a (status, code, fault type) means; status wins when it is telling."""
    if status == 401 or code == FaultCode.NOT_AUTHENTICATED:
        return AuthenticationError
    if status == 403 or code == FaultCode.NOT_AUTHORIZED:
        return AuthorizationError
    if status == 429 or code == FaultCode.THROTTLED:
        return RateLimitError
    if status is not None and status >= 500:
        return ServiceError
    if code and code in VALIDATION_CODES:
        return VALIDATION_CODES[code]
    if code == FaultCode.INTERNAL_ERROR or (fault_type or "").lower() == "systemfault":
        return ServiceError
    kind = (fault_type or "").lower()
    if kind == "authenticationfault" or kind == "authentication":
        return AuthenticationError
    if kind in ("authorizationfault", "authorizatonfault"):
        return AuthorizationError
    if status == 400 or kind == "validationfault" or (code and code.isdigit()):
        return ValidationError
    return QBOError


def error_from_errors(
    items: list[dict[str, Any]],
    fault_type: str | None,
    *,
    status: int | None,
    intuit_tid: str | None,
    retry_after: float | None = None,
    fallback: str = "QuickBooks reported an error",
) -> QBOError:
    """The exception for a list of normalised error entries (the first one leads)."""
    first = items[0] if items else {}
    code = first.get("code") or None
    cls = error_class(status, code, fault_type)
    message = first.get("Message") or fallback
    kwargs: dict[str, Any] = {
        "code": code,
        "detail": first.get("Detail") or None,
        "element": first.get("element") or None,
        "status_code": status,
        "intuit_tid": intuit_tid,
        "errors": items,
        "retry_after": retry_after,
    }
    return cls(message, **kwargs)


def error_from_fault(
    fault: Any, *, status: int | None = None, intuit_tid: str | None = None
) -> QBOError:
    """The exception for a JSON fault object (a batch item's ``Fault``, for instance)."""
    parsed = fault_errors(fault)
    items, fault_type = parsed if parsed is not None else ([], None)
    return error_from_errors(items, fault_type, status=status, intuit_tid=intuit_tid)


def intuit_tid_of(response: httpx.Response) -> str | None:
    """The ``intuit_tid`` header (some proxies rewrite the underscore to a dash)."""
    value = response.headers.get("intuit_tid") or response.headers.get("intuit-tid")
    return str(value) if value else None


def error_from_response(response: httpx.Response) -> QBOError:
    """The typed exception for a failed (or fault-carrying) HTTP response.

    Never raises: any body, however odd, yields an exception object to raise.
    """
    status = response.status_code
    tid = intuit_tid_of(response)
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    try:
        text = response.text
    except Exception:
        text = ""
    stripped = text.lstrip()
    parsed: tuple[list[dict[str, Any]], str | None] | None = None
    oauth_error: str | None = None
    if stripped.startswith(("{", "[")):
        try:
            body = jsoncodec.loads(text)
        except ValueError:
            body = None
        parsed = fault_errors(body)
        if parsed is None and isinstance(body, Mapping) and isinstance(body.get("error"), str):
            description = _text(body.get("error_description"))
            oauth_error = body["error"] + (f": {description}" if description else "")
    elif stripped.startswith("<") and "fault" in stripped[:4096].lower():
        parsed = _xml_errors(stripped)
    if parsed is not None and parsed[0]:
        items, fault_type = parsed
        return error_from_errors(
            items, fault_type, status=status, intuit_tid=tid, retry_after=retry_after
        )
    message = oauth_error or _plain_message(response)
    cls = error_class(status, None, None)
    return cls(message, status_code=status, intuit_tid=tid, retry_after=retry_after)


def error_from_transport(exc: httpx.HTTPError, *, what: str = "request") -> TransportError:
    """A TransportError for a connection failure, reset or timeout (no URL query, no headers)."""
    kind = type(exc).__name__
    reason = str(exc).strip()[:_SNIPPET]
    message = f"{what} failed: {kind}" + (f": {reason}" if reason else "")
    return TransportError(message)
