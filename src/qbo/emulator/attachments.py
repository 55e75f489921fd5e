"""File attachments: ``POST /upload`` (multipart), ``GET /download/{id}`` and the file URLs.

An upload carries pairs of parts with a common suffix: ``file_metadata_<n>`` (the
Attachable as JSON; optional) and ``file_content_<n>`` (the bytes, with the file name and
type in its part headers). Each pair becomes an Attachable with ``FileName``,
``ContentType``, ``Size``, ``FileAccessUri`` and ``TempDownloadUri``; the answer is
``{"AttachableResponse": [{"Attachable": {...}}, ...], "time"}``. The bytes are kept in the
database (``attachment_files``), so they survive a restart.

``GET /download/{id}`` answers, as ``text/plain``, a temporary URL on the emulator
(``/_emulator/files/{token}``) valid for 15 minutes on the emulator clock. The token is
``{file key}.{expiry}.{HMAC}`` under a secret kept with the file: nothing is written when a
URL is handed out, and a URL cannot be forged or extended. Like an S3 pre-signed URL it
needs no other credential.

Choices where QBO's behaviour is not documented:
- One upload is one transaction: if any file is refused, none is kept, and the answer is
  an ordinary Fault (HTTP 400) rather than a Fault inside ``AttachableResponse``.
- A file over the size limit (QBO: 100 MB, ``max_upload_bytes`` here) or of a type QBO
  does not accept gets a ValidationFault with code 6000 naming ``Size``/``ContentType``.
- Accepted types are those Intuit lists for attachments: ai, csv, doc, docx, eps, gif,
  jpeg/jpg, ods, pages, pdf, png, rtf, tif/tiff, txt, xls, xlsx, xml. ``image/jpg`` (used
  in Intuit's own sample) is accepted as ``image/jpeg``.
- ``AttachableRef.EntityRef`` must name an entity type (2010 otherwise) and an existing
  object of it (2500 otherwise).
- Deleting an Attachable leaves its bytes behind; they can no longer be downloaded, since
  a download needs the Attachable (and its ``Size`` matching the stored file).
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from qbo.emulator.domain import crud
from qbo.emulator.domain.refs import is_active
from qbo.emulator.domain.validate import coerce_entity
from qbo.emulator.store import Store
from qbo.emulator.store.delivery_tables import delivery_tables
from qbo.emulator.store.session import Session
from qbo.emulator.timefmt import epoch_ms
from qbo.schema import catalogue, jsoncodec
from qbo.schema.faults import Fault, FaultCode, not_found, required_missing

DOWNLOAD_TTL = timedelta(minutes=15)
FILES_PATH = "/_emulator/files/"

#: Content types QBO accepts for attachments (see the module docstring), with aliases.
ALLOWED_TYPES: dict[str, str] = {
    "application/postscript": "ai, eps",
    "application/illustrator": "ai",
    "application/eps": "eps",
    "image/x-eps": "eps",
    "text/csv": "csv",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "image/gif": "gif",
    "image/jpeg": "jpeg, jpg",
    "image/jpg": "jpg",
    "image/pjpeg": "jpeg",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.apple.pages": "pages",
    "application/x-iwork-pages-sectioned": "pages",
    "application/pdf": "pdf",
    "image/png": "png",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "image/tiff": "tif, tiff",
    "text/plain": "txt",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/xml": "xml",
    "text/xml": "xml",
}
#: File extensions that imply an accepted type when a part names no type.
EXTENSION_TYPES = {
    "ai": "application/postscript",
    "eps": "application/postscript",
    "pages": "application/vnd.apple.pages",
    "jpg": "image/jpeg",
    "tif": "image/tiff",
}


@dataclass
class Part:
    """One part of a multipart body."""

    name: str = ""
    filename: str | None = None
    content_type: str | None = None
    data: bytearray = field(default_factory=bytearray)


def media_type(value: str | None) -> str:
    """``image/PNG; name=x`` -> ``image/png``."""
    return (value or "").split(";")[0].strip().lower()


def content_type_of(declared: str | None, part_type: str | None, file_name: str) -> str:
    """The file's type: as declared in the metadata, else its part's, else its extension's.

    A declared type is kept as written (QBO echoes it back); ``application/octet-stream``
    says nothing and is passed over.
    """
    if declared and media_type(declared) not in ("", "application/octet-stream"):
        return declared
    if media_type(part_type) not in ("", "application/octet-stream"):
        return media_type(part_type)
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    guessed = EXTENSION_TYPES.get(extension) or mimetypes.guess_type(f"x.{extension}")[0]
    return guessed or "application/octet-stream"


def check_file(file_name: str, content_type: str, size: int, limit: int) -> None:
    if media_type(content_type) not in ALLOWED_TYPES:
        accepted = sorted({ext for exts in ALLOWED_TYPES.values() for ext in exts.split(", ")})
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"Unsupported file type {content_type!r} for {file_name!r}: "
            f"accepted types are {', '.join(accepted)}",
            element="ContentType",
        )
    if size > limit:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"File {file_name!r} is too large: {size} bytes, at most {limit} bytes",
            element="Size",
        )


def check_attachable_refs(s: Session, doc: dict[str, Any]) -> None:
    """Every ``EntityRef`` names an entity type and an existing, active object."""
    for index, ref in enumerate(doc.get("AttachableRef") or []):
        path = f"AttachableRef[{index}].EntityRef"
        target = ref.get("EntityRef")
        if target is None:
            continue
        kind = target.get("type")
        if not kind:
            raise required_missing(f"{path}.type")
        entity = catalogue().find_entity(kind)
        if entity is None:
            raise Fault.of(
                FaultCode.INVALID_PROPERTY,
                f"Property Name:{path}.type specified is unsupported or invalid: "
                f"{kind!r} is not an entity",
                element=f"{path}.type",
            )
        found = s.get(entity.name, target["value"])
        if found is None or not is_active(found):
            raise Fault.of(
                FaultCode.INVALID_REFERENCE,
                f"Invalid Reference Id : {entity.name} assigned to {path} "
                f"({target['value']}) is {'missing' if found is None else 'inactive'}",
                element=path,
            )
        target["type"] = entity.name
        ref.setdefault("IncludeOnSend", False)


def _metadata(part: Part | None) -> dict[str, Any]:
    if part is None:
        return {}
    try:
        body = jsoncodec.loads(bytes(part.data).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise Fault.of(
            FaultCode.INVALID_PROPERTY,
            f"Request has invalid or unsupported property: {part.name} is not valid JSON",
        ) from None
    if isinstance(body, dict) and set(body) == {"Attachable"}:
        body = body["Attachable"]
    if not isinstance(body, dict):
        raise Fault.of(
            FaultCode.INVALID_PROPERTY,
            f"Request has invalid or unsupported property: {part.name} must be an Attachable object",
        )
    return body


def _sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def download_url(base_url: str, file_key: str, secret: str, expires_ms: int) -> str:
    payload = f"{file_key}.{expires_ms}"
    return f"{base_url}{FILES_PATH}{payload}.{_sign(secret, payload)}"


def store_file(
    s: Session, attachable_id: str, part: Part, file_name: str, kind: str
) -> tuple[str, str]:
    """Keep the bytes of an Attachable (replacing any earlier file); its key and secret."""
    files = delivery_tables(s.store).attachment_files
    key, secret = secrets.token_hex(16), secrets.token_hex(32)
    s.conn.execute(
        delete(files).where(
            files.c.realm_id == s.realm.realm_id, files.c.attachable_id == int(attachable_id)
        )
    )
    s.conn.execute(
        insert(files),
        {
            "realm_id": s.realm.realm_id,
            "attachable_id": int(attachable_id),
            "file_key": key,
            "secret": secret,
            "file_name": file_name,
            "content_type": kind,
            "size": len(part.data),
            "content": bytes(part.data),
            "created_ms": s.now_ms,
        },
    )
    return key, secret


def _create(
    s: Session, meta: Part | None, content: Part, base_url: str, max_upload_bytes: int
) -> dict[str, Any]:
    entity = catalogue().entity("Attachable")
    body = _metadata(meta)
    if not body.get("FileName") and content.filename:
        body["FileName"] = content.filename
    doc = coerce_entity(entity, body)
    file_name = doc.get("FileName")
    if not file_name:
        raise required_missing("FileName")
    kind = content_type_of(doc.get("ContentType"), content.content_type, file_name)
    check_file(file_name, kind, len(content.data), max_upload_bytes)
    doc["FileName"] = file_name
    doc["ContentType"] = kind
    check_attachable_refs(s, doc)
    doc = crud.insert_new(s, entity, doc)
    key, secret = store_file(s, doc["Id"], content, file_name, kind)
    expires = epoch_ms(s.now + DOWNLOAD_TTL)
    doc["Size"] = len(content.data)
    doc["FileAccessUri"] = f"/v3/company/{s.realm.realm_id}/download/{doc['Id']}"
    doc["TempDownloadUri"] = download_url(base_url, key, secret, expires)
    s.replace(entity.name, doc)
    return doc


def upload(
    s: Session, parts: list[Part], base_url: str, max_upload_bytes: int
) -> list[dict[str, Any]]:
    """``POST /upload``: one Attachable per ``file_content_<n>`` part (the new objects)."""
    metadata: dict[str, Part] = {}
    contents: dict[str, Part] = {}
    for part in parts:
        prefix, _, suffix = part.name.rpartition("_")
        if prefix == "file_metadata":
            metadata[suffix] = part
        elif prefix == "file_content":
            contents[suffix] = part
        else:
            raise Fault.of(
                FaultCode.INVALID_PROPERTY,
                f"Request has invalid or unsupported property: unexpected part {part.name!r} "
                "(expected file_metadata_<n> and file_content_<n>)",
            )
    if not contents:
        raise required_missing("file_content_0")
    for suffix in metadata:
        if suffix not in contents:
            raise required_missing(f"file_content_{suffix}")
    return [
        _create(s, metadata.get(n), part, base_url, max_upload_bytes)
        for n, part in contents.items()
    ]


def download(s: Session, attachable_id: str, base_url: str) -> str:
    """``GET /download/{id}``: a temporary URL to the file."""
    doc = s.get("Attachable", attachable_id)
    if doc is None:
        raise not_found("Attachable", attachable_id)
    files = delivery_tables(s.store).attachment_files
    try:
        number = int(attachable_id)
    except ValueError:
        raise not_found("Attachable", attachable_id) from None
    row = s.conn.execute(
        select(files.c.file_key, files.c.secret, files.c.size).where(
            files.c.realm_id == s.realm.realm_id, files.c.attachable_id == number
        )
    ).first()
    if row is None or doc.get("Size") != int(row.size):
        raise Fault.of(
            FaultCode.OBJECT_NOT_FOUND,
            f"Object Not Found : Attachable {attachable_id} has no file to download",
        )
    return download_url(base_url, row.file_key, row.secret, epoch_ms(s.now + DOWNLOAD_TTL))


@dataclass(frozen=True)
class StoredFile:
    file_name: str
    content_type: str
    content: bytes


def open_download(store: Store, token: str, now_ms: int) -> StoredFile | str:
    """The file a download token names, or why not: ``"unknown"`` or ``"expired"``."""
    try:
        key, expires_text, signature = token.split(".")
        expires = int(expires_text)
    except ValueError:
        return "unknown"
    files = delivery_tables(store).attachment_files
    with store.read() as conn:
        row = conn.execute(select(files).where(files.c.file_key == key)).first()
    if row is None or not hmac.compare_digest(_sign(row.secret, f"{key}.{expires}"), signature):
        return "unknown"
    if now_ms > expires:
        return "expired"
    return StoredFile(row.file_name, row.content_type, bytes(row.content))
