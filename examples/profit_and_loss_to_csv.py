"""This fiscal year's profit and loss as a CSV file (money as exact decimals)."""

import sys
from pathlib import Path

from _client import connect

with connect() as qb:
    report = qb.reports.profit_and_loss(date_macro="This Fiscal Year", accounting_method="Accrual")
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "profit-and-loss.csv")
    target.write_text(report.to_csv())
    net = next(r for r in report.rows() if r[report.columns[0].key] == "Net Income")
    print(
        f"wrote {target}: {len(report.rows())} rows, net income {net[report.columns[-1].key]:,.2f}"
    )
