"""The ``requestid`` log: one answer per (realm, requestid), so a retried write is not run twice.

QBO makes a POST idempotent when it carries ``?requestid=``: the same id with the same
request answers the first response again, the same id with another request gets fault
600. The log row is written in the same transaction as the write it answers, so a replay
after a crash is exact; a request's fingerprint (method, path, parameters, body) tells
"the same request" from "another one".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from qbo.emulator.store.tables import Tables
from qbo.schema import jsoncodec
from qbo.schema.faults import Fault, FaultCode

MAX_REQUEST_ID = 50


@dataclass(frozen=True)
class LoggedAnswer:
    status: int
    body: dict[str, Any]


def valid_request_id(request_id: str) -> bool:
    """At most 50 characters, not blank, and storable (no control characters or surrogates)."""
    # isprintable() is False for control characters and surrogates alike
    return (
        0 < len(request_id) <= MAX_REQUEST_ID
        and request_id.strip() != ""
        and request_id.isprintable()
    )


def check_request_id(request_id: str) -> None:
    """Fault 6000 for a requestid QBO would not take.

    QBO's code for a malformed requestid is not documented: a ValidationFault (6000) that
    says what is wrong is the most useful answer.
    """
    if not valid_request_id(request_id):
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"requestid must be 1 to {MAX_REQUEST_ID} printable characters "
            f"(got {len(request_id)} characters)",
            element="requestid",
        )


def replayed(
    conn: Connection, tables: Tables, realm_id: str, request_id: str, fingerprint: str
) -> LoggedAnswer | None:
    """The logged answer to this request, None when the id is new, fault 600 on a reuse."""
    log_table = tables.request_log
    row = conn.execute(
        select(log_table.c.fingerprint, log_table.c.status, log_table.c.body).where(
            log_table.c.realm_id == realm_id, log_table.c.request_id == request_id
        )
    ).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise Fault.of(
            FaultCode.REQUEST_ID_EXISTS,
            f"RequestId already exists : requestid {request_id} was used for a different request",
        )
    return LoggedAnswer(int(row.status), jsoncodec.loads(row.body))


def record(
    conn: Connection,
    tables: Tables,
    realm_id: str,
    request_id: str,
    fingerprint: str,
    answer: LoggedAnswer,
    now_ms: int,
) -> None:
    """Log the answer to a request (in the caller's transaction)."""
    conn.execute(
        insert(tables.request_log),
        {
            "realm_id": realm_id,
            "request_id": request_id,
            "fingerprint": fingerprint,
            "status": answer.status,
            # a lone surrogate echoed from a client's path cannot be stored: replace it
            "body": jsoncodec.dumps(answer.body).encode("utf-8", "replace").decode("utf-8"),
            "created_ms": now_ms,
        },
    )
