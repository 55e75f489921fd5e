"""Save an invoice's PDF, as QuickBooks renders it, to a file."""

import sys
from pathlib import Path

from _client import connect

from qbo.query import select

with connect() as qb:
    invoice = qb.invoices.first(select("Invoice").limit(1))
    assert invoice is not None, "the company has no invoice"
    target = Path(sys.argv[1] if len(sys.argv) > 1 else f"invoice-{invoice.DocNumber}.pdf")
    target.write_bytes(qb.invoices.pdf(invoice.Id))
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
