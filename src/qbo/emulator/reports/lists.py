"""AccountList, CustomerIncome and ItemSales."""

from __future__ import annotations

from typing import Any

from qbo.emulator.reports import data as ledger
from qbo.emulator.reports.financial import PL_TYPES
from qbo.emulator.reports.params import Params
from qbo.emulator.reports.shape import Row, cell, column, data, money, report, section
from qbo.emulator.reports.txns import Txns
from qbo.emulator.store.session import Session

TYPE_ORDER = (
    "Bank",
    "Accounts Receivable",
    "Other Current Asset",
    "Fixed Asset",
    "Other Asset",
    "Accounts Payable",
    "Credit Card",
    "Other Current Liability",
    "Long Term Liability",
    "Equity",
    "Income",
    "Cost of Goods Sold",
    "Expense",
    "Other Income",
    "Other Expense",
)


def account_list(s: Session, p: Params) -> dict[str, Any]:
    """Active accounts by type then name, with their current balances (as of now)."""
    accts = [a for a in s.all("Account") if a.get("Active", True)]
    accts.sort(
        key=lambda a: (
            TYPE_ORDER.index(a["AccountType"])
            if a.get("AccountType") in TYPE_ORDER
            else len(TYPE_ORDER),
            str(a.get("FullyQualifiedName") or a.get("Name")).lower(),
        )
    )
    rows: list[Row] = []
    for a in accts:
        balance = a.get("CurrentBalanceWithSubAccounts", a.get("CurrentBalance", 0))
        rows.append(
            data(
                [
                    cell(str(a.get("FullyQualifiedName") or a.get("Name")), a["Id"]),
                    cell(str(a.get("AccountType", ""))),
                    cell(str(a.get("AccountSubType", ""))),
                    cell(str(a.get("Description", ""))),
                    cell(f"{float(balance):.2f}" if a.get("AccountType") not in PL_TYPES else ""),
                ]
            )
        )
    cols = [
        column("Account", "String", "account_name"),
        column("Type", "String", "account_type"),
        column("Detail Type", "String", "detail_acc_type"),
        column("Description", "String", "account_desc"),
        column("Balance", "Money", "account_bal"),
    ]
    return report(s, "AccountList", p, cols, rows, basis=False)


def customer_income(s: Session, p: Params) -> dict[str, Any]:
    """Income and expenses tagged with each customer over the period."""
    accts = ledger.accounts(s)
    txns = Txns(s)
    per: dict[Any, list[int]] = {}
    for (aid, customer), amount in ledger.sums(s, p, p.start, p.end, "customer_id").items():
        doc = accts.get(aid, {})
        if customer is None or doc.get("AccountType") not in PL_TYPES:
            continue
        vals = per.setdefault(customer, [0, 0])
        if doc.get("Classification") == "Revenue":
            vals[0] -= amount
        else:
            vals[1] += amount
    rows: list[Row] = []
    totals = [0, 0, 0]
    for customer in sorted(per, key=lambda c: (txns.name_of("Customer", c).lower(), c)):
        income, expense = per[customer]
        if not income and not expense:
            continue
        vals = [income, expense, income - expense]
        totals = [a + b for a, b in zip(totals, vals, strict=True)]
        rows.append(
            data(
                [
                    cell(txns.name_of("Customer", customer), customer),
                    *[cell(money(v)) for v in vals],
                ]
            )
        )
    rows.append(section(None, [], [cell("TOTAL"), *[cell(money(v)) for v in totals]], "GrandTotal"))
    cols = [
        column("", "Customer", "customer"),
        column("Income", "Money", "income"),
        column("Expenses", "Money", "expenses"),
        column("Net Income", "Money", "net_income"),
    ]
    return report(s, "CustomerIncome", p, cols, rows)


def item_sales(s: Session, p: Params) -> dict[str, Any]:
    """Quantity and amount sold per product or service over the period."""
    accts = ledger.accounts(s)
    txns = Txns(s)
    per: dict[int, list[Any]] = {}
    from decimal import Decimal

    for r in ledger.rows(s, p, p.start, p.end):
        doc = accts.get(int(r["account_id"]), {})
        if r["item_id"] is None or doc.get("Classification") != "Revenue" or r["role"]:
            continue
        vals = per.setdefault(int(r["item_id"]), [Decimal(0), 0])
        vals[0] += Decimal(r["qty"]) if r["qty"] is not None else Decimal(0)
        vals[1] -= int(r["amount"])
    total_amount = sum(v[1] for v in per.values())
    total_qty = sum((v[0] for v in per.values()), Decimal(0))
    rows: list[Row] = []
    for item in sorted(per, key=lambda i: (txns.name_of("Item", i).lower(), i)):
        qty, amount = per[item]
        share = f"{Decimal(amount) * 100 / total_amount:.2f} %" if total_amount else ""
        avg = money(int(Decimal(amount) / qty)) if qty else ""
        rows.append(
            data(
                [
                    cell(txns.name_of("Item", item), item),
                    cell(f"{qty:f}".rstrip("0").rstrip(".") if qty else "0"),
                    cell(money(amount)),
                    cell(share),
                    cell(avg),
                ]
            )
        )
    rows.append(
        section(
            None,
            [],
            [
                cell("TOTAL"),
                cell(f"{total_qty:f}".rstrip("0").rstrip(".") if total_qty else "0"),
                cell(money(total_amount)),
                cell("100.00 %" if total_amount else ""),
                cell(""),
            ],
            "GrandTotal",
        )
    )
    cols = [
        column("", "ProductsAndService", "product_service"),
        column("Quantity", "Rate", "qty"),
        column("Amount", "Money", "amount"),
        column("% of Sales", "Rate", "pct_sales"),
        column("Avg Price", "Rate", "avg_price"),
    ]
    return report(s, "ItemSales", p, cols, rows)
