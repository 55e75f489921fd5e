"""Transaction-level reports: GeneralLedger, ProfitAndLossDetail and TransactionList.

Amounts are in each account's natural sign (credits positive on income, liability and
equity accounts), so a section's rows add up to its "Total for" line and the running
balance column ends at the account's balance. "Split" names the other account of a
two-sided transaction, or "-Split-" when there are several.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from qbo.emulator.reports import data as ledger
from qbo.emulator.reports.financial import PL_GROUPS, PL_TYPES, natural
from qbo.emulator.reports.params import Params, bad
from qbo.emulator.reports.shape import Row, cell, column, data, detail_time, money, report, section
from qbo.emulator.reports.txns import Txns
from qbo.emulator.store.session import Session

DETAIL_COLUMNS = [
    column("Date", "Date", "tx_date"),
    column("Transaction Type", "String", "txn_type"),
    column("Num", "String", "doc_num"),
    column("Name", "String", "name"),
    column("Memo/Description", "String", "memo"),
    column("Split", "String", "split_acc"),
    column("Amount", "Money", "subt_nat_amount"),
    column("Balance", "Money", "rbal_nat_amount"),
]


def _splits(
    rows: list[dict[str, Any]], accts: dict[int, dict[str, Any]]
) -> dict[tuple[str, int, int], tuple[str, int | None]]:
    """For each (txn, account): the other account's (name, id), or "-Split-"."""
    per_txn: dict[tuple[str, int], set[int]] = defaultdict(set)
    for r in rows:
        per_txn[(r["txn_type"], int(r["txn_id"]))].add(int(r["account_id"]))
    out: dict[tuple[str, int, int], tuple[str, int | None]] = {}
    for (kind, tid), ids in per_txn.items():
        for aid in ids:
            others = ids - {aid}
            if len(others) == 1:
                other = next(iter(others))
                out[(kind, tid, aid)] = (str(accts.get(other, {}).get("Name", "")), other)
            else:
                out[(kind, tid, aid)] = ("-Split-", None)
    return out


def _txn_rows(
    s: Session, p: Params, rows: list[dict[str, Any]], accts: dict[int, dict[str, Any]], txns: Txns
) -> dict[int, list[tuple[list[Any], int]]]:
    """Per account: (cells without the running balance, natural amount) in date order."""
    splits = _splits(rows, accts)
    out: dict[int, list[tuple[list[Any], int]]] = defaultdict(list)
    for r in rows:
        aid = int(r["account_id"])
        doc = accts.get(aid)
        if doc is None:
            continue
        kind, tid = str(r["txn_type"]), int(r["txn_id"])
        amount = natural(doc, int(r["amount"]))
        name, name_id = txns.party(r)
        split, split_id = splits[(kind, tid, aid)]
        cells = [
            cell(str(r["txn_date"])),
            cell(txns.label(kind, tid), tid),
            cell(txns.number(kind, tid)),
            cell(name, name_id),
            cell(str(r["memo"] or txns.memo(kind, tid))),
            cell(split, split_id),
            cell(money(amount)),
        ]
        out[aid].append((cells, amount))
    return out


def _account_section(
    doc: dict[str, Any], aid: int, items: list[tuple[list[Any], int]], begin: int | None, p: Params
) -> tuple[Row, int]:
    body: list[Row] = []
    running = begin or 0
    if begin is not None:
        body.append(
            data([cell("Beginning Balance"), *[cell("") for _ in range(6)], cell(money(begin))])
        )
    if p.descending:
        items = list(reversed(items))
    total = 0
    for cells, amount in items:
        running += amount
        total += amount
        body.append(data([*cells, cell(money(running))]))
    name = str(doc.get("FullyQualifiedName") or doc.get("Name", ""))
    header = [cell(name, aid), *[cell("") for _ in range(7)]]
    summary = [
        cell(f"Total for {name}"),
        *[cell("") for _ in range(5)],
        cell(money(total)),
        cell(money(running) if begin is not None else ""),
    ]
    return section(header, body, summary), total


def general_ledger(s: Session, p: Params) -> dict[str, Any]:
    accts = ledger.accounts(s)
    txns = Txns(s)
    rows = ledger.rows(s, p, p.start, p.end)
    fy = p.fiscal_start(p.start)
    opening = {
        aid: v for (aid, _), v in ledger.sums(s, p, None, p.start - timedelta(days=1)).items()
    }
    opening_pl = (
        {aid: v for (aid, _), v in ledger.sums(s, p, fy, p.start - timedelta(days=1)).items()}
        if fy < p.start
        else {}
    )
    per = _txn_rows(s, p, rows, accts, txns)
    out: list[Row] = []
    ordered = ledger.by_name(accts)
    for aid in ordered:
        doc = accts[aid]
        begin_debit = (
            opening_pl.get(aid, 0) if doc.get("AccountType") in PL_TYPES else opening.get(aid, 0)
        )
        items = per.get(aid, [])
        if not items and not begin_debit:
            continue
        row, _ = _account_section(doc, aid, items, natural(doc, begin_debit), p)
        out.append(row)
    return report(s, "GeneralLedger", p, DETAIL_COLUMNS, out)


def profit_and_loss_detail(s: Session, p: Params) -> dict[str, Any]:
    accts = ledger.accounts(s)
    txns = Txns(s)
    rows = [
        r
        for r in ledger.rows(s, p, p.start, p.end)
        if accts.get(int(r["account_id"]), {}).get("AccountType") in PL_TYPES
    ]
    per = _txn_rows(s, p, rows, accts, txns)
    out: list[Row] = []
    totals: dict[str, int] = {}
    blank = [cell("") for _ in range(7)]
    for group, title, types in PL_GROUPS:
        body: list[Row] = []
        total = 0
        ids = sorted(
            (aid for aid in per if accts[aid].get("AccountType") in types),
            key=lambda a: (str(accts[a].get("Name", "")).lower(), a),
        )
        for aid in ids:
            row, sub = _account_section(accts[aid], aid, per[aid], None, p)
            body.append(row)
            total += sub
        totals[group] = total
        out.append(
            section(
                [cell(title), *blank],
                body,
                [
                    cell(f"Total {title}"),
                    *[cell("") for _ in range(5)],
                    cell(money(total)),
                    cell(""),
                ],
                group,
            )
        )
        if group == "COGS":
            totals["GrossProfit"] = totals["Income"] - totals["COGS"]
            out.append(
                section(
                    None,
                    [],
                    [
                        cell("Gross Profit"),
                        *[cell("") for _ in range(5)],
                        cell(money(totals["GrossProfit"])),
                        cell(""),
                    ],
                    "GrossProfit",
                )
            )
        if group == "Expenses":
            totals["NetOperatingIncome"] = totals["GrossProfit"] - totals["Expenses"]
            out.append(
                section(
                    None,
                    [],
                    [
                        cell("Net Operating Income"),
                        *[cell("") for _ in range(5)],
                        cell(money(totals["NetOperatingIncome"])),
                        cell(""),
                    ],
                    "NetOperatingIncome",
                )
            )
    other = totals["OtherIncome"] - totals["OtherExpenses"]
    out.append(
        section(
            None,
            [],
            [cell("Net Other Income"), *[cell("") for _ in range(5)], cell(money(other)), cell("")],
            "NetOtherIncome",
        )
    )
    out.append(
        section(
            None,
            [],
            [
                cell("Net Income"),
                *[cell("") for _ in range(5)],
                cell(money(totals["NetOperatingIncome"] + other)),
                cell(""),
            ],
            "NetIncome",
        )
    )
    return report(s, "ProfitAndLossDetail", p, DETAIL_COLUMNS, out)


LIST_COLUMNS = {
    "tx_date": ("Date", "Date"),
    "txn_type": ("Transaction Type", "String"),
    "doc_num": ("Num", "String"),
    "is_no_post": ("Posting", "String"),
    "name": ("Name", "String"),
    "memo": ("Memo/Description", "String"),
    "account_name": ("Account", "String"),
    "other_account": ("Split", "String"),
    "subt_nat_amount": ("Amount", "Money"),
    "create_date": ("Create Date", "DateTime"),
    "last_mod_date": ("Last Modified", "DateTime"),
    "due_date": ("Due Date", "Date"),
    "currency": ("Currency", "String"),
}
DEFAULT_LIST = (
    "tx_date",
    "txn_type",
    "doc_num",
    "is_no_post",
    "name",
    "memo",
    "account_name",
    "other_account",
    "subt_nat_amount",
)


def transaction_list(s: Session, p: Params) -> dict[str, Any]:
    """One row per posting transaction dated in the period (its first posting's account)."""

    wanted = p.columns or DEFAULT_LIST
    unknown = [c for c in wanted if c not in LIST_COLUMNS]
    if unknown:
        raise bad("columns", f"unknown column {unknown[0]!r}: use {', '.join(LIST_COLUMNS)}")
    accts = ledger.accounts(s)
    txns = Txns(s)
    grouped: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in ledger.rows(s, p, p.start, p.end):
        grouped[(str(r["txn_type"]), int(r["txn_id"]))].append(r)
    order = sorted(grouped, key=lambda k: (grouped[k][0]["txn_date"], k))
    if p.descending:
        order.reverse()
    out: list[Row] = []
    for kind, tid in order:
        rows = sorted(grouped[(kind, tid)], key=lambda r: r["seq"])
        first = rows[0]
        aid = int(first["account_id"])
        others = {int(r["account_id"]) for r in rows} - {aid}
        other = accts.get(next(iter(others)), {}) if len(others) == 1 else None
        doc = txns.doc(kind, tid) or {}
        name, name_id = txns.party(first)
        values: dict[str, tuple[str, Any]] = {
            "tx_date": (str(first["txn_date"]), None),
            "txn_type": (txns.label(kind, tid), tid),
            "doc_num": (txns.number(kind, tid), None),
            "is_no_post": ("Yes", None),
            "name": (name, name_id),
            "memo": (txns.memo(kind, tid), None),
            "account_name": (str(accts.get(aid, {}).get("Name", "")), aid),
            "other_account": (
                str(other.get("Name", "")) if other else "-Split-",
                other.get("Id") if other else None,
            ),
            "subt_nat_amount": (money(abs(int(first["amount"]))), None),
            "create_date": (detail_time(s, (doc.get("MetaData") or {}).get("CreateTime")), None),
            "last_mod_date": (
                detail_time(s, (doc.get("MetaData") or {}).get("LastUpdatedTime")),
                None,
            ),
            "due_date": (str(doc.get("DueDate") or ""), None),
            "currency": (str(first["currency"]), None),
        }
        out.append(data([cell(values[c][0], values[c][1]) for c in wanted]))
    cols = [column(LIST_COLUMNS[c][0], LIST_COLUMNS[c][1], c) for c in wanted]
    return report(s, "TransactionList", p, cols, out)
