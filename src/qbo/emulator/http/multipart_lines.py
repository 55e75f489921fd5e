"""Multipart bodies as QBO reads them: line endings and transfer encodings clients use.

RFC 7578 bodies end their delimiter and header lines in CRLF, and the multipart parser
insists on it; QBO also reads bodies whose lines end in a bare LF (python-quickbooks
builds its upload bodies from an indented text template, so every line ends in ``\\n``),
and parts sent with ``Content-Transfer-Encoding: base64``. These functions bring such a
body to the strict form before it is parsed and decode such parts after, so one parser
serves both. Part data is never rewritten: only delimiter lines and part headers are.
"""

from __future__ import annotations

import base64
import binascii
import re

from qbo.schema.faults import Fault, FaultCode


def with_crlf_lines(body: bytes, boundary: bytes) -> bytes:
    """``body`` with CRLF delimiter and header lines, when it uses bare LF ones."""
    delimiter = b"--" + boundary
    if b"\r\n" + delimiter in body or body.startswith(delimiter + b"\r\n"):
        return body  # already strict
    marks = list(re.finditer(rb"(?:\A|\n)" + re.escape(delimiter) + rb"(--)?[ \t]*(?:\n|\Z)", body))
    if not marks:
        return body  # not multipart at all: the parser will say so
    out = bytearray()
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        if mark.group(1):  # the close delimiter: nothing after it counts
            out += delimiter + b"--\r\n"
            break
        out += delimiter + b"\r\n"
        if following is None:
            out += body[mark.end() :]
            break
        chunk = body[mark.end() : following.start()]
        head, blank, data = chunk.partition(b"\n\n")
        if not blank:
            head, data = chunk, b""
        lines = [line.rstrip(b"\r") for line in head.split(b"\n")]
        out += b"\r\n".join(lines) + b"\r\n\r\n" + data + b"\r\n"
    return bytes(out)


def decoded(data: bytes, transfer_encoding: str | None) -> bytes:
    """A part's data with its ``Content-Transfer-Encoding`` undone (2010 when invalid)."""
    encoding = (transfer_encoding or "").strip().lower()
    if encoding in ("", "binary", "8bit", "7bit"):
        return data
    if encoding == "base64":
        try:
            return base64.b64decode(b"".join(data.split()), validate=True)
        except (binascii.Error, ValueError):
            raise Fault.of(
                FaultCode.INVALID_PROPERTY,
                "Request has invalid or unsupported property: a base64 part does not decode",
            ) from None
    raise Fault.of(
        FaultCode.INVALID_PROPERTY,
        f"Request has invalid or unsupported property: Content-Transfer-Encoding {encoding!r}",
    )
