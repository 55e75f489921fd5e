"""Everything the API reads from an HTTP request, parsed in one place.

An :class:`ApiRequest` is the request as the route table sees it (method, path segments,
lower-cased query parameters, raw body); the functions below turn its body into what an
operation takes (a JSON document, a query text, uploaded parts) or into the fault QBO sends
for a body that cannot be read (2010 for JSON and multipart, 4000 for a query).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from qbo.emulator.attachments import Part
from qbo.emulator.http.multipart_lines import decoded, with_crlf_lines
from qbo.schema import jsoncodec
from qbo.schema.faults import Fault, FaultCode


@dataclass
class ApiRequest:
    """What an operation's route needs to know about one HTTP request."""

    method: str
    parts: list[str]
    params: dict[str, str]
    body: bytes
    content_type: str = ""  # the Content-Type header (multipart uploads need its boundary)
    #: Where the emulator is reached, for the URLs it hands out; asked only when a route
    #: needs it (building it from the Host header costs more than a read by id).
    base_url_from: Callable[[], str] | None = None
    max_upload_bytes: int = 100 * 1024 * 1024  # per uploaded file (config.max_upload_bytes)

    @property
    def base_url(self) -> str:
        return self.base_url_from() if self.base_url_from is not None else ""

    @property
    def include(self) -> frozenset[str]:
        return frozenset(
            p.strip().lower() for p in self.params.get("include", "").split(",") if p.strip()
        )

    def fingerprint(self) -> str:
        """What tells one request from another under the same ``requestid``."""
        params = sorted(
            (k, v) for k, v in self.params.items() if k not in ("requestid", "minorversion")
        )
        digest = hashlib.sha256()
        digest.update(self.method.encode())
        digest.update("/".join(self.parts).lower().encode())
        digest.update(repr(params).encode())
        digest.update(self.body)
        return digest.hexdigest()

    def json(self) -> Any:
        return json_body(self.body)


def json_body(body: bytes) -> Any:
    """The JSON document of a body, or fault 2010 saying why it cannot be read."""
    if not body.strip():
        raise Fault.of(
            FaultCode.INVALID_PROPERTY,
            "Request has invalid or unsupported property: the request body is empty",
        )
    try:
        return jsoncodec.loads(body.decode("utf-8"))
    except jsoncodec.JSONTooDeepError:
        raise Fault.of(
            FaultCode.INVALID_PROPERTY,
            "Request has invalid or unsupported property: the body is nested too deeply",
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        detail = str(exc).split("\n")[0][:200]
        raise Fault.of(
            FaultCode.INVALID_PROPERTY,
            f"Request has invalid or unsupported property: the body is not valid JSON ({detail})",
        ) from None


def query_text(body: bytes) -> str:
    """The query a ``POST /query`` body carries (``Content-Type: application/text``)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Fault.of(
            FaultCode.QUERY_PARSE, "QueryParserError: the query is not valid UTF-8"
        ) from None
    if not text.strip():
        raise Fault.of(FaultCode.QUERY_PARSE, "QueryParserError: the request body holds no query")
    return text


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """The parts of a ``multipart/form-data`` body, or fault 2010."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not kind.startswith(b"multipart/") or not boundary:
        raise Fault.of(
            FaultCode.INVALID_PROPERTY,
            "Request has invalid or unsupported property: an upload must be "
            "multipart/form-data with a boundary",
        )
    parts: list[Part] = []
    encodings: dict[int, str] = {}  # part index -> Content-Transfer-Encoding
    headers: list[tuple[bytes, bytes]] = []
    header_field = bytearray()
    header_value = bytearray()

    def on_part_begin() -> None:
        parts.append(Part())
        headers.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].data += data[start:end]

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        headers.append((bytes(header_field).lower(), bytes(header_value)))
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        part = parts[-1]
        for name, value in headers:
            if name == b"content-disposition":
                _, params = parse_options_header(value)
                part.name = params.get(b"name", b"").decode("utf-8", "replace")
                filename = params.get(b"filename")
                part.filename = None if filename is None else filename.decode("utf-8", "replace")
            elif name == b"content-type":
                part.content_type = value.decode("latin-1").strip() or None
            elif name == b"content-transfer-encoding":
                encodings[len(parts) - 1] = value.decode("latin-1")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
        },
    )
    try:
        parser.write(with_crlf_lines(body, boundary))
        parser.finalize()
    except MultipartParseError as exc:
        raise Fault.of(
            FaultCode.INVALID_PROPERTY,
            f"Request has invalid or unsupported property: the multipart body does not parse ({exc})",
        ) from None
    for index, encoding in encodings.items():
        parts[index].data = bytearray(decoded(bytes(parts[index].data), encoding))
    return parts
