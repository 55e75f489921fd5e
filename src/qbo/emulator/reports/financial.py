"""ProfitAndLoss, BalanceSheet, TrialBalance and CashFlow, computed from the ledger.

Signs: income, liability and equity figures are shown credit-positive; asset and expense
figures debit-positive, as on QBO's statements. The balance sheet's equity holds
Retained Earnings (its own postings plus every earlier fiscal year's net income) and a
"Net Income" row (this fiscal year up to the report date), so assets always equal
liabilities plus equity. The trial balance uses the same convention: balance-sheet
accounts as of the end date, income and expense accounts for the fiscal year to that date.
The statement of cash flows uses the indirect method with Bank accounts as cash.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from qbo.emulator.reports import data as ledger
from qbo.emulator.reports.accounts_tree import account_rows
from qbo.emulator.reports.dates import buckets
from qbo.emulator.reports.params import BY_PERIOD, Params
from qbo.emulator.reports.shape import Row, cell, column, data, money, report, section
from qbo.emulator.reports.txns import names
from qbo.emulator.store.session import Session

CREDIT_NORMAL = ("Liability", "Equity", "Revenue")
PL_GROUPS = (
    ("Income", "Income", ("Income",)),
    ("COGS", "Cost of Goods Sold", ("Cost of Goods Sold",)),
    ("Expenses", "Expenses", ("Expense",)),
    ("OtherIncome", "Other Income", ("Other Income",)),
    ("OtherExpenses", "Other Expenses", ("Other Expense",)),
)
PL_TYPES = {t for _, _, types in PL_GROUPS for t in types}


def natural(doc: dict[str, Any], debit: int) -> int:
    return -debit if doc.get("Classification") in CREDIT_NORMAL else debit


class Columns:
    """The value columns of a summary report: one per period or dimension value, and Total."""

    def __init__(self, s: Session, p: Params, by: str, dates: bool, total: bool = True) -> None:
        self.p = p
        self.by = by
        self.periods = buckets(p.start, p.end, by, p.fiscal_month) if dates else []
        self.dim = ledger.DIMENSIONS.get(by)
        self.keys: list[Any] = []
        self.total = total
        self.titles: list[tuple[str, str, list[dict[str, str]]]] = []
        if self.periods:
            for first, last, title in self.periods:
                self.titles.append(
                    (
                        title,
                        title,
                        [
                            {"Name": "StartDate", "Value": first.isoformat()},
                            {"Name": "EndDate", "Value": last.isoformat()},
                        ],
                    )
                )
        self.s = s

    def with_dimension(self, values: set[Any], names: dict[Any, str]) -> None:
        ordered = sorted(
            (v for v in values if v is not None), key=lambda v: (names.get(v, "").lower(), v)
        )
        self.keys = [*ordered, *([None] if None in values else [])]
        self.titles = [
            (
                names.get(v, str(v)) if v is not None else "Not Specified",
                str(v) if v is not None else "not_specified",
                [],
            )
            for v in self.keys
        ]

    def definitions(self, first_col: tuple[str, str, str]) -> list[dict[str, Any]]:
        cols = [column(*first_col)]
        for title, key, extra in self.titles:
            cols.append(column(title, "Money", key, extra))
        if self.total:
            cols.append(column("Total", "Money", "total"))
        return cols

    @property
    def width(self) -> int:
        return len(self.titles) + (1 if self.total else 0)


def dimension_names(s: Session, dim: str) -> dict[Any, str]:
    entity = {
        "customer_id": "Customer",
        "vendor_id": "Vendor",
        "class_id": "Class",
        "department_id": "Department",
        "item_id": "Item",
    }[dim]
    return dict(names(s, entity))


def _pl_values(
    s: Session, p: Params, cols: Columns, start: date, end: date
) -> dict[int, list[int]]:
    """Per account: debit sums per column (then Total), for the period."""
    accts = ledger.accounts(s)
    out: dict[int, list[int]] = {}
    if cols.periods:
        raw = ledger.sums(s, p, start, end, "txn_date")
        for (aid, day), amount in raw.items():
            vals = out.setdefault(aid, [0] * cols.width)
            for i, (first, last, _) in enumerate(cols.periods):
                if first.isoformat() <= day <= last.isoformat():
                    vals[i] += amount
                    break
            vals[-1] += amount
    elif cols.dim:
        raw = ledger.sums(s, p, start, end, cols.dim)
        present = {key for (aid, key) in raw if accts.get(aid, {}).get("AccountType") in PL_TYPES}
        cols.with_dimension(present, dimension_names(s, cols.dim))
        index = {k: i for i, k in enumerate(cols.keys)}
        for (aid, key), amount in raw.items():
            vals = out.setdefault(aid, [0] * cols.width)
            if key in index:
                vals[index[key]] += amount
            vals[-1] += amount
    else:
        for (aid, _), amount in ledger.sums(s, p, start, end).items():
            out[aid] = [amount]
    return out


def _pl_sections(s: Session, p: Params, cols: Columns, debits: dict[int, list[int]]) -> list[Row]:
    accts = ledger.accounts(s)
    width = cols.width
    totals: dict[str, list[int]] = {}
    rows: list[Row] = []

    def summary_only(title: str, values: list[int], group: str) -> Row:
        return section(None, [], [cell(title), *[cell(money(v)) for v in values]], group)

    def combine(a: list[int], b: list[int], sign: int = -1) -> list[int]:
        return [x + sign * y for x, y in zip(a, b, strict=True)]

    for group, title, types in PL_GROUPS:
        ids = {
            aid
            for aid, vals in debits.items()
            if aid in accts and accts[aid].get("AccountType") in types and any(vals)
        }
        values = lambda aid: [natural(accts[aid], v) for v in debits.get(aid, [0] * width)]  # noqa: E731
        body, total = account_rows(accts, ids, values, width)
        totals[group] = total
        rows.append(
            section(
                [cell(title), *[cell("") for _ in range(width)]],
                body,
                [cell(f"Total {title}"), *[cell(money(v)) for v in total]],
                group,
            )
        )
        if group == "COGS":
            gross = combine(totals["Income"], totals["COGS"])
            totals["GrossProfit"] = gross
            rows.append(summary_only("Gross Profit", gross, "GrossProfit"))
        if group == "Expenses":
            net_operating = combine(totals["GrossProfit"], totals["Expenses"])
            totals["NetOperatingIncome"] = net_operating
            rows.append(summary_only("Net Operating Income", net_operating, "NetOperatingIncome"))
    net_other = combine(totals["OtherIncome"], totals["OtherExpenses"])
    rows.append(summary_only("Net Other Income", net_other, "NetOtherIncome"))
    rows.append(
        summary_only("Net Income", combine(totals["NetOperatingIncome"], net_other, 1), "NetIncome")
    )
    return rows


def profit_and_loss(s: Session, p: Params) -> dict[str, Any]:
    dates = p.summarize in BY_PERIOD
    cols = Columns(s, p, p.summarize, dates, total=True)
    debits = _pl_values(s, p, cols, p.start, p.end)
    if not dates and not cols.dim:
        cols.titles = []
    rows = _pl_sections(s, p, cols, debits)
    return report(
        s,
        "ProfitAndLoss",
        p,
        cols.definitions(("", "Account", "account")),
        rows,
        summarize=p.summarize,
    )


def net_income(
    s: Session, p: Params, start: date | None, end: date, dim: str | None = None
) -> dict[Any, int]:
    """Credit-positive net income by dimension value (None: all) over a period."""
    accts = ledger.accounts(s)
    out: dict[Any, int] = {}
    for (aid, key), amount in ledger.sums(s, p, start, end, dim).items():
        if accts.get(aid, {}).get("AccountType") in PL_TYPES:
            out[key] = out.get(key, 0) - amount
    return out


BS_LAYOUT: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
    (
        "TotalAssets",
        "ASSETS",
        (
            (
                "CurrentAssets",
                "Current Assets",
                (
                    ("BankAccounts", "Bank Accounts", ("Bank",)),
                    ("AR", "Accounts Receivable", ("Accounts Receivable",)),
                    ("OtherCurrentAssets", "Other Current Assets", ("Other Current Asset",)),
                ),
            ),
            ("FixedAssets", "Fixed Assets", ("Fixed Asset",)),
            ("OtherAssets", "Other Assets", ("Other Asset",)),
        ),
    ),
    (
        "TotalLiabilitiesAndEquity",
        "LIABILITIES AND EQUITY",
        (
            (
                "Liabilities",
                "Liabilities",
                (
                    (
                        "CurrentLiabilities",
                        "Current Liabilities",
                        (
                            ("AP", "Accounts Payable", ("Accounts Payable",)),
                            ("CreditCards", "Credit Cards", ("Credit Card",)),
                            (
                                "OtherCurrentLiabilities",
                                "Other Current Liabilities",
                                ("Other Current Liability",),
                            ),
                        ),
                    ),
                    ("LongTermLiabilities", "Long-Term Liabilities", ("Long Term Liability",)),
                ),
            ),
            ("Equity", "Equity", ("Equity",)),
        ),
    ),
)


def _bs_columns(s: Session, p: Params) -> tuple[Columns, list[tuple[date, Any]]]:
    """Columns and, for each, the (as-of date, dimension value) it shows."""
    dates = p.summarize in BY_PERIOD
    if dates:
        cols = Columns(s, p, p.summarize, True, total=False)
        return cols, [(last, None) for _, last, _ in cols.periods]
    cols = Columns(s, p, p.summarize, False, total=True)
    if not cols.dim:
        cols.titles = []
    return cols, []


def balance_sheet(s: Session, p: Params) -> dict[str, Any]:
    accts = ledger.accounts(s)
    cols, points = _bs_columns(s, p)
    balances: dict[int, list[int]] = {}
    net: list[int] = []
    retained: list[int] = []
    if cols.dim:
        raw = ledger.sums(s, p, None, p.end, cols.dim)
        present = {key for (aid, key) in raw}
        cols.with_dimension(present, dimension_names(s, cols.dim))
        points = [(p.end, k) for k in cols.keys]
    if not points:
        points = [(p.end, None)]
    plan = points + ([(p.end, "__total__")] if cols.dim else [])
    cache: dict[tuple[date, str | None], tuple[Any, Any, Any]] = {}
    for index, (as_of, key) in enumerate(plan):
        dim = cols.dim if key != "__total__" else None
        if (as_of, dim) not in cache:
            fy = p.fiscal_start(as_of)
            cache[(as_of, dim)] = (
                ledger.sums(s, p, None, as_of, dim),
                net_income(s, p, None, fy - timedelta(days=1), dim),
                net_income(s, p, fy, as_of, dim),
            )
        raw, prior, current = cache[(as_of, dim)]
        for (aid, k), amount in raw.items():
            if not dim or k == key:
                balances.setdefault(aid, [0] * len(plan))[index] += amount
        net.append(sum(v for k, v in current.items() if not dim or k == key))
        retained.append(sum(v for k, v in prior.items() if not dim or k == key))
    width = len(plan)
    re_account = next(
        (aid for aid, a in accts.items() if a.get("AccountSubType") == "RetainedEarnings"), None
    )

    def values(aid: int) -> list[int]:
        vals = [natural(accts[aid], v) for v in balances.get(aid, [0] * width)]
        if aid == re_account:
            vals = [a + b for a, b in zip(vals, retained, strict=True)]
        return vals

    def build(node: tuple[Any, ...]) -> tuple[Row, list[int]]:
        group, title, inner = node
        if inner and isinstance(inner[0], str):
            ids = {
                aid
                for aid, a in accts.items()
                if a.get("AccountType") in inner
                and (any(balances.get(aid, [])) or (aid == re_account and any(retained)))
            }
            body, total = account_rows(accts, ids, values, width)
            if group == "Equity":
                body.append(data([cell("Net Income"), *[cell(money(v)) for v in net]]))
                total = [a + b for a, b in zip(total, net, strict=True)]
        else:
            body, total = [], [0] * width
            for child in inner:
                row, sub = build(child)
                body.append(row)
                total = [a + b for a, b in zip(total, sub, strict=True)]
        label = title
        return section(
            [cell(label), *[cell("") for _ in range(width)]],
            body,
            [
                cell(f"Total {title}" if not title.isupper() else f"TOTAL {title}"),
                *[cell(money(v)) for v in total],
            ],
            group,
        ), total

    rows = [build(node)[0] for node in BS_LAYOUT]
    if cols.dim:
        cols.total = True
    return report(
        s,
        "BalanceSheet",
        p,
        cols.definitions(("", "Account", "account")),
        rows,
        summarize=p.summarize,
    )


def trial_balance(s: Session, p: Params) -> dict[str, Any]:
    accts = ledger.accounts(s)
    fy = p.fiscal_start(p.end)
    balance = {aid: v for (aid, _), v in ledger.sums(s, p, None, p.end).items()}
    activity = {aid: v for (aid, _), v in ledger.sums(s, p, fy, p.end).items()}
    prior = net_income(s, p, None, fy - timedelta(days=1)).get(None, 0)
    re_account = next(
        (aid for aid, a in accts.items() if a.get("AccountSubType") == "RetainedEarnings"), None
    )
    rows: list[Row] = []
    debit_total = credit_total = 0
    ordered = ledger.by_name(accts)
    for aid in ordered:
        doc = accts[aid]
        amount = activity.get(aid, 0) if doc.get("AccountType") in PL_TYPES else balance.get(aid, 0)
        if aid == re_account:
            amount -= prior
        if not amount:
            continue
        debit, credit = (amount, None) if amount > 0 else (None, -amount)
        debit_total += debit or 0
        credit_total += credit or 0
        rows.append(
            data(
                [
                    cell(str(doc.get("FullyQualifiedName") or doc.get("Name")), aid),
                    cell(money(debit)),
                    cell(money(credit)),
                ]
            )
        )
    if re_account is None and prior:
        debit, credit = (None, prior) if prior > 0 else (-prior, None)
        debit_total += debit or 0
        credit_total += credit or 0
        rows.append(data([cell("Retained Earnings"), cell(money(debit)), cell(money(credit))]))
    rows.append(
        section(
            None,
            [],
            [cell("TOTAL"), cell(money(debit_total)), cell(money(credit_total))],
            "GrandTotal",
        )
    )
    cols = [
        column("", "Account", "account"),
        column("Debit", "Money", "debt_amt"),
        column("Credit", "Money", "credit_amt"),
    ]
    return report(s, "TrialBalance", p, cols, rows)


def cash_flow(s: Session, p: Params) -> dict[str, Any]:
    accts = ledger.accounts(s)
    change = {aid: v for (aid, _), v in ledger.sums(s, p, p.start, p.end).items()}
    before = {
        aid: v for (aid, _), v in ledger.sums(s, p, None, p.start - timedelta(days=1)).items()
    }
    income = net_income(s, p, p.start, p.end).get(None, 0)
    operating_types = (
        "Accounts Receivable",
        "Other Current Asset",
        "Accounts Payable",
        "Credit Card",
        "Other Current Liability",
    )
    investing_types = ("Fixed Asset", "Other Asset")
    financing_types = ("Long Term Liability", "Equity")

    def effects(types: tuple[str, ...]) -> tuple[list[Row], list[int]]:
        ids = {aid for aid, a in accts.items() if a.get("AccountType") in types and change.get(aid)}
        return account_rows(accts, ids, lambda aid: [-change.get(aid, 0)], 1)

    op_rows, op_total = effects(operating_types)
    adjustments = section(
        [cell("Adjustments to reconcile Net Income to Net Cash provided by operations:"), cell("")],
        op_rows,
        [
            cell("Total Adjustments to reconcile Net Income to Net Cash provided by operations:"),
            cell(money(op_total[0])),
        ],
        "OperatingAdjustments",
    )
    operating = op_total[0] + income
    inv_rows, inv_total = effects(investing_types)
    fin_rows, fin_total = effects(financing_types)
    cash_ids = [aid for aid, a in accts.items() if a.get("AccountType") == "Bank"]
    begin = sum(before.get(aid, 0) for aid in cash_ids)
    increase = operating + inv_total[0] + fin_total[0]
    rows = [
        section(
            [cell("OPERATING ACTIVITIES"), cell("")],
            [data([cell("Net Income"), cell(money(income))]), adjustments],
            [cell("Net cash provided by operating activities"), cell(money(operating))],
            "OperatingActivities",
        ),
        section(
            [cell("INVESTING ACTIVITIES"), cell("")],
            inv_rows,
            [cell("Net cash provided by investing activities"), cell(money(inv_total[0]))],
            "InvestingActivities",
        ),
        section(
            [cell("FINANCING ACTIVITIES"), cell("")],
            fin_rows,
            [cell("Net cash provided by financing activities"), cell(money(fin_total[0]))],
            "FinancingActivities",
        ),
        section(
            None, [], [cell("NET CASH INCREASE FOR PERIOD"), cell(money(increase))], "CashIncrease"
        ),
        section(
            None, [], [cell("Cash at beginning of period"), cell(money(begin))], "BeginningCash"
        ),
        section(
            None, [], [cell("CASH AT END OF PERIOD"), cell(money(begin + increase))], "EndingCash"
        ),
    ]
    cols = [column("", "Account", "account"), column("Total", "Money", "total")]
    return report(s, "CashFlow", p, cols, rows)
