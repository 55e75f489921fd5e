"""A multipart/form-data body built once, so every retry of an upload sends the same bytes.

QBO's ``requestid`` replay compares requests, and httpx draws a new random boundary for
each encoding; building the body once (with a boundary derived from the request id) keeps
every attempt byte-identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    data: bytes
    content_type: str
    filename: str | None = None


def _quoted(value: str) -> str:
    """A header parameter value: no line breaks, quotes percent-encoded (RFC 7578)."""
    cleaned = value.replace("\r", " ").replace("\n", " ").replace('"', "%22")
    return f'"{cleaned}"'


def encode(parts: Sequence[Part], boundary: str) -> tuple[bytes, str]:
    """The body and its Content-Type header value."""
    chunks: list[bytes] = []
    for part in parts:
        disposition = f"form-data; name={_quoted(part.name)}"
        if part.filename is not None:
            disposition += f"; filename={_quoted(part.filename)}"
        head = (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
            f"Content-Type: {part.content_type}\r\n\r\n"
        )
        chunks.append(head.encode("utf-8") + part.data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
