"""Reports: ``client.reports.run(name, **params)`` and one helper per common report.

Parameters are QBO's (``start_date``, ``end_date``, ``date_macro``, ``accounting_method``,
``summarize_column_by``, ``customer``, ...); dates may be ``date`` objects, lists of ids
are joined with commas. The answer is a typed :class:`~qbo.client.reports.Report`.
"""

from __future__ import annotations

import re

from qbo.client._async.core import AsyncCore
from qbo.client.pacing import Cost
from qbo.client.reports import Report, ReportParam, parse_report, report_params

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


class AsyncReports:
    """The reports of one company."""

    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def run(self, name: str, **params: ReportParam) -> Report:
        """Any report by its QBO name (``ProfitAndLoss``, ``AgedReceivableDetail``, ...)."""
        if not _NAME.match(name):
            raise ValueError(f"not a report name: {name!r}")
        body = await self._core.transport.request_json(
            "GET", f"reports/{name}", params=report_params(params), cost=Cost()
        )
        return parse_report(body)

    async def profit_and_loss(self, **params: ReportParam) -> Report:
        """The ``ProfitAndLoss`` report."""
        return await self.run("ProfitAndLoss", **params)

    async def profit_and_loss_detail(self, **params: ReportParam) -> Report:
        """The ``ProfitAndLossDetail`` report."""
        return await self.run("ProfitAndLossDetail", **params)

    async def balance_sheet(self, **params: ReportParam) -> Report:
        """The ``BalanceSheet`` report."""
        return await self.run("BalanceSheet", **params)

    async def trial_balance(self, **params: ReportParam) -> Report:
        """The ``TrialBalance`` report."""
        return await self.run("TrialBalance", **params)

    async def cash_flow(self, **params: ReportParam) -> Report:
        """The ``CashFlow`` report."""
        return await self.run("CashFlow", **params)

    async def general_ledger(self, **params: ReportParam) -> Report:
        """The ``GeneralLedger`` report."""
        return await self.run("GeneralLedger", **params)

    async def customer_balance(self, **params: ReportParam) -> Report:
        """The ``CustomerBalance`` report."""
        return await self.run("CustomerBalance", **params)

    async def customer_balance_detail(self, **params: ReportParam) -> Report:
        """The ``CustomerBalanceDetail`` report."""
        return await self.run("CustomerBalanceDetail", **params)

    async def aged_receivables(self, **params: ReportParam) -> Report:
        """The ``AgedReceivables`` report."""
        return await self.run("AgedReceivables", **params)

    async def aged_receivable_detail(self, **params: ReportParam) -> Report:
        """The ``AgedReceivableDetail`` report."""
        return await self.run("AgedReceivableDetail", **params)

    async def vendor_balance(self, **params: ReportParam) -> Report:
        """The ``VendorBalance`` report."""
        return await self.run("VendorBalance", **params)

    async def vendor_balance_detail(self, **params: ReportParam) -> Report:
        """The ``VendorBalanceDetail`` report."""
        return await self.run("VendorBalanceDetail", **params)

    async def aged_payables(self, **params: ReportParam) -> Report:
        """The ``AgedPayables`` report."""
        return await self.run("AgedPayables", **params)

    async def aged_payable_detail(self, **params: ReportParam) -> Report:
        """The ``AgedPayableDetail`` report."""
        return await self.run("AgedPayableDetail", **params)

    async def customer_income(self, **params: ReportParam) -> Report:
        """The ``CustomerIncome`` report."""
        return await self.run("CustomerIncome", **params)

    async def customer_sales(self, **params: ReportParam) -> Report:
        """The ``CustomerSales`` report."""
        return await self.run("CustomerSales", **params)

    async def item_sales(self, **params: ReportParam) -> Report:
        """The ``ItemSales`` report."""
        return await self.run("ItemSales", **params)

    async def vendor_expenses(self, **params: ReportParam) -> Report:
        """The ``VendorExpenses`` report."""
        return await self.run("VendorExpenses", **params)

    async def inventory_valuation_summary(self, **params: ReportParam) -> Report:
        """The ``InventoryValuationSummary`` report."""
        return await self.run("InventoryValuationSummary", **params)

    async def transaction_list(self, **params: ReportParam) -> Report:
        """The ``TransactionList`` report."""
        return await self.run("TransactionList", **params)

    async def account_list(self, **params: ReportParam) -> Report:
        """The ``AccountList`` report."""
        return await self.run("AccountList", **params)

    async def tax_summary(self, **params: ReportParam) -> Report:
        """The ``TaxSummary`` report."""
        return await self.run("TaxSummary", **params)
