"""Objects every US company has without rows of their own: the TAX and NON tax codes.

QuickBooks' US sales-tax model uses the pseudo tax codes ``TAX`` and ``NON`` on lines;
their Ids are those words, not numbers, and they cannot be changed, so they are served
from here rather than stored.
"""

from __future__ import annotations

from typing import Any

_META = {"CreateTime": "2020-01-01T00:00:00-08:00", "LastUpdatedTime": "2020-01-01T00:00:00-08:00"}


def _tax_code(code: str, name: str, taxable: bool) -> dict[str, Any]:
    return {
        "Id": code,
        "SyncToken": "0",
        "domain": "QBO",
        "sparse": False,
        "Name": name,
        "Description": name,
        "Active": True,
        "Taxable": taxable,
        "TaxGroup": False,
        "Hidden": False,
        "MetaData": dict(_META),
    }


BUILTIN: dict[tuple[str, str], dict[str, Any]] = {
    ("TaxCode", "TAX"): _tax_code("TAX", "TAX", True),
    ("TaxCode", "NON"): _tax_code("NON", "NON", False),
}
