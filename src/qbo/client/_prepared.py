"""One logical request, fixed once before the first attempt and sent unchanged by every retry.

The ``requestid`` of a write is made here, once: a retry that reached QBO the first time
is answered from QBO's request log instead of writing twice. The body is serialised once,
so every attempt sends the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from qbo.client._config import ClientSettings, check_request_id, new_request_id
from qbo.client.pacing import Cost
from qbo.schema import jsoncodec


@dataclass(frozen=True)
class PreparedRequest:
    method: str
    url: str
    path: str  # for logs and hooks: the part after the company URL (or "download")
    params: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    request_id: str | None = None
    cost: Cost | None = None  # None: not paced (downloads)
    auth: bool = True  # False: no credentials are sent, redirects are followed

    @property
    def what(self) -> str:
        return f"{self.method} {self.path}"


class RequestOptions(TypedDict, total=False):
    """What a caller may say about one API request, besides its method and path."""

    params: Mapping[str, str] | None
    json: Any  # serialised once, as the body
    content: bytes | None  # a body given as bytes
    content_type: str | None
    accept: str  # default application/json
    write: bool  # a write: gets a requestid (the given one, or a new one)
    request_id: str | None
    cost: Cost | None  # what it counts as for pacing (default: one request)


def prepare_api_request(
    settings: ClientSettings, method: str, path: str, **options: Unpack[RequestOptions]
) -> PreparedRequest:
    """An API request to the company: ``minorversion``, a write's ``requestid``, the body."""
    query: dict[str, str] = dict(options.get("params") or {})
    if settings.minor_version is not None:
        query["minorversion"] = str(settings.minor_version)
    rid: str | None = None
    if options.get("write", False):
        given = options.get("request_id")
        rid = check_request_id(given) if given is not None else new_request_id()
        query["requestid"] = rid
    body = options.get("content")
    content_type = options.get("content_type")
    if options.get("json") is not None:
        body = jsoncodec.dumps(options["json"]).encode("utf-8")
        content_type = content_type or "application/json"
    headers = {"Accept": options.get("accept", "application/json")}
    if body is not None:
        headers["Content-Type"] = content_type or "application/octet-stream"
    url = f"{settings.company_url}/{path.lstrip('/')}"
    cost = options.get("cost") or Cost()
    return PreparedRequest(method, url, path, query, body, headers, rid, cost)


def prepare_download(url: str) -> PreparedRequest:
    """A GET of a URL QBO handed out (a download link): no credentials, not paced."""
    return PreparedRequest("GET", url, "download", headers={"Accept": "*/*"}, auth=False)
