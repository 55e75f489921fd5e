"""The Reports API: ``GET /v3/company/{realm}/reports/{Name}``, computed from the ledger.

Reports: ProfitAndLoss, ProfitAndLossDetail, BalanceSheet, TrialBalance, GeneralLedger,
CashFlow, AgedReceivables, AgedReceivableDetail, AgedPayables, AgedPayableDetail,
CustomerBalance, CustomerBalanceDetail, VendorBalance, VendorBalanceDetail,
CustomerIncome, ItemSales, TransactionList, AccountList (names are matched
case-insensitively). Parameters: see :mod:`qbo.emulator.reports.params`.

An unknown report name gets a ValidationFault with code 6000 naming the known reports
(QBO's own code for it is not documented); a bad parameter gets 2010 naming the parameter.
The response is the report object itself, without the ``time`` envelope of entity reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qbo.emulator.reports import aging, detail, financial, lists
from qbo.emulator.reports.params import Params, parse
from qbo.emulator.store.session import Session
from qbo.schema.faults import Fault, FaultCode

Builder = Callable[[Session, Params], dict[str, Any]]

REPORTS: dict[str, Builder] = {
    "ProfitAndLoss": financial.profit_and_loss,
    "ProfitAndLossDetail": detail.profit_and_loss_detail,
    "BalanceSheet": financial.balance_sheet,
    "TrialBalance": financial.trial_balance,
    "GeneralLedger": detail.general_ledger,
    "CashFlow": financial.cash_flow,
    "AgedReceivables": aging.receivables("AgedReceivables"),
    "AgedReceivableDetail": aging.receivables("AgedReceivableDetail"),
    "CustomerBalance": aging.receivables("CustomerBalance"),
    "CustomerBalanceDetail": aging.receivables("CustomerBalanceDetail"),
    "AgedPayables": aging.payables("AgedPayables"),
    "AgedPayableDetail": aging.payables("AgedPayableDetail"),
    "VendorBalance": aging.payables("VendorBalance"),
    "VendorBalanceDetail": aging.payables("VendorBalanceDetail"),
    "CustomerIncome": lists.customer_income,
    "ItemSales": lists.item_sales,
    "TransactionList": detail.transaction_list,
    "AccountList": lists.account_list,
}
_BY_LOWER = {name.lower(): name for name in REPORTS}


def run_report(s: Session, name: str, params: dict[str, str]) -> dict[str, Any]:
    """A report by name with query parameters (lower-cased keys), or the fault for it."""
    canonical = _BY_LOWER.get(name.lower())
    if canonical is None:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"Unsupported report: {name} is not a report this server provides "
            f"(one of {', '.join(REPORTS)})",
            element="ReportName",
        )
    return REPORTS[canonical](s, parse(s, params))
