"""Rows for a set of accounts, sub-accounts nested under their parents as QBO shows them.

A parent with sub-accounts becomes a Section: its own figures in the Header, the
sub-accounts as rows, and "Total <parent>" (own + subs) as the Summary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qbo.emulator.reports.shape import Cell, Row, cell, data, money, section
from qbo.emulator.values import ref_id

Values = Callable[[int], list[int]]


def _children(accounts: dict[int, dict[str, Any]], ids: set[int]) -> dict[int | None, list[int]]:
    tree: dict[int | None, list[int]] = {}
    for aid in ids:
        parent = ref_id(accounts[aid].get("ParentRef"))
        key = int(parent) if parent and parent.isdigit() and int(parent) in ids else None
        tree.setdefault(key, []).append(aid)
    for kids in tree.values():
        kids.sort(key=lambda a: (str(accounts[a].get("Name", "")).lower(), a))
    return tree


def _name(doc: dict[str, Any]) -> str:
    return str(doc.get("Name", ""))


def account_rows(
    accounts: dict[int, dict[str, Any]], ids: set[int], values: Values, width: int
) -> tuple[list[Row], list[int]]:
    """Rows for the accounts in ``ids`` (and their ancestors) and the column totals."""
    wanted = set(ids)
    for aid in list(ids):
        parent = ref_id(accounts[aid].get("ParentRef"))
        seen = 0
        while parent and parent.isdigit() and int(parent) in accounts and seen < 8:
            wanted.add(int(parent))
            parent = ref_id(accounts[int(parent)].get("ParentRef"))
            seen += 1
    tree = _children(accounts, wanted)

    def build(aid: int) -> tuple[Row, list[int]]:
        own = values(aid) if aid in ids else [0] * width
        kids = tree.get(aid, [])
        doc = accounts[aid]
        if not kids:
            return data([cell(_name(doc), aid), *[cell(money(v)) for v in own]]), own
        rows, totals = [], list(own)
        for kid in kids:
            row, sub = build(kid)
            rows.append(row)
            totals = [a + b for a, b in zip(totals, sub, strict=True)]
        header: list[Cell] = [
            cell(_name(doc), aid),
            *[cell(money(v) if aid in ids else "") for v in own],
        ]
        summary = [cell(f"Total {_name(doc)}"), *[cell(money(v)) for v in totals]]
        return section(header, rows, summary), totals

    out: list[Row] = []
    grand = [0] * width
    for aid in tree.get(None, []):
        row, sub = build(aid)
        out.append(row)
        grand = [a + b for a, b in zip(grand, sub, strict=True)]
    return out, grand
