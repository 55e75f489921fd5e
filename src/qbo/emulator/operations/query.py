"""The query operation: one statement of QBO's query language, answered as QueryResponse."""

from __future__ import annotations

from typing import Any

from qbo.emulator.querying import run_query
from qbo.emulator.store.session import Session
from qbo.schema.faults import Fault, FaultCode


def query(s: Session, text: str | None) -> dict[str, Any]:
    """The ``QueryResponse`` object for ``text``; fault 4000 when there is no query."""
    if text is None or not text.strip():
        raise Fault.of(
            FaultCode.QUERY_PARSE, "QueryParserError: the query parameter is missing or empty"
        )
    return run_query(s, text, raw_json=True)
