"""Bulk posting for seeds: derived figures of name-list objects written once at the end.

Posting 50,000 invoices would otherwise rewrite the A/R account, the income account and
the customer after every one. Inside ``with bulk(session):`` those documents are staged
(the ledger keeps reading its staged copy) and written once when the block ends. Only
seeds use it: nothing else reads balances in between, and the API path stays immediate.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qbo.emulator.domain.session import Session

Key = tuple[str, int]
_staged: weakref.WeakKeyDictionary[Session, dict[Key, tuple[dict[str, Any], set[str]]]] = (
    weakref.WeakKeyDictionary()
)


@contextmanager
def bulk(s: Session) -> Iterator[None]:
    if s in _staged:
        yield
        return
    _staged[s] = {}
    try:
        yield
        for (entity, _), (doc, props) in _staged[s].items():
            s.replace_derived(entity, doc, props)
    finally:
        _staged.pop(s, None)


def staged(s: Session, key: Key) -> dict[str, Any] | None:
    pending = _staged.get(s)
    if pending is None or key not in pending:
        return None
    return pending[key][0]


def stage(s: Session, key: Key, doc: dict[str, Any], props: set[str]) -> bool:
    """Keep a changed document for the end of the bulk block; False outside one."""
    pending = _staged.get(s)
    if pending is None:
        return False
    if key in pending:
        pending[key][1].update(props)
    else:
        pending[key] = (doc, set(props))
    return True
