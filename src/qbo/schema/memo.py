"""Small bounded memos for values worked out again and again (dates, amounts, columns).

A memo is a plain dict emptied when it reaches its limit: the values it holds repeat in
runs (one page, one seed), so forgetting everything at once costs one miss per value and
keeps every lookup a single dict access.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(memo: dict[K, V], key: K, value: V, limit: int) -> V:
    """``value``, kept in ``memo`` (emptied first when it holds ``limit``) under ``key``."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value
