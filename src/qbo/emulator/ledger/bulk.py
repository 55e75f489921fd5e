"""Bulk posting for seeds: derived figures of name-list objects written once at the end.

Posting 50,000 invoices would otherwise rewrite the A/R account, the income account and
the customer after every one. Inside ``with bulk(session):`` those documents are staged
(the ledger keeps reading its staged copy) and written once when the block ends. Only
seeds use it: nothing else reads balances in between, and the API path stays immediate.
The block also holds the session's rows back and writes them many per statement
(:meth:`Session.held_writes`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qbo.emulator.store.session import Session

Key = tuple[str, int]
Staged = dict[Key, tuple[dict[str, Any], set[str]]]
_MEMO = "ledger.bulk"  # Session.memo key: the staged documents of an open bulk block


def _pending(s: Session) -> Staged | None:
    pending: Staged | None = s.memo.get(_MEMO)
    return pending


@contextmanager
def bulk(s: Session) -> Iterator[None]:
    if _pending(s) is not None:
        yield
        return
    pending: Staged = {}
    s.memo[_MEMO] = pending
    try:
        with s.held_writes():
            yield
            for (entity, _), (doc, props) in pending.items():
                s.replace_derived(entity, doc, props)
    finally:
        s.memo.pop(_MEMO, None)


def staged(s: Session, key: Key) -> dict[str, Any] | None:
    pending = _pending(s)
    if pending is None or key not in pending:
        return None
    return pending[key][0]


def stage(s: Session, key: Key, doc: dict[str, Any], props: set[str]) -> bool:
    """Keep a changed document for the end of the bulk block; False outside one."""
    pending = _pending(s)
    if pending is None:
        return False
    if key in pending:
        pending[key][1].update(props)
    else:
        pending[key] = (doc, set(props))
    return True
