"""Sales tax on a US sales form, from the rate-based tax code it names.

Tax codes and rates are made through TaxService (:mod:`qbo.emulator.operations.tax_codes`);
this is how the transaction rules apply them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qbo.emulator.store.session import Session
from qbo.emulator.values import money, tidy


def _rates_of(s: Session, code: dict[str, Any]) -> list[dict[str, Any]]:
    rate_list = code.get("SalesTaxRateList") or {}
    out = []
    for detail in rate_list.get("TaxRateDetail") or []:
        rate_id = (detail.get("TaxRateRef") or {}).get("value")
        rate = s.get("TaxRate", str(rate_id)) if rate_id is not None else None
        if rate is not None:
            out.append(rate)
    return out


def sales_tax(
    s: Session,
    tax_detail: dict[str, Any],
    taxable: Decimal,
    subtotal: Decimal,
    discount: Decimal,
    after_discount: bool,
    exempt: bool,
) -> dict[str, Any]:
    """TxnTaxDetail for a US sales form, computed from its rate-based tax code.

    ``TxnTaxDetail.TxnTaxCodeRef`` names a code created through TaxService; every rate of
    that code applies to the taxable lines (TaxCodeRef ``TAX``). With
    ``ApplyTaxAfterDiscount`` the discount is shared out over taxable and non-taxable
    lines in proportion to their amounts, and tax is charged on the taxable share left;
    otherwise on the taxable lines' full amount. A tax-exempt customer (``Taxable: false``)
    is charged no tax. Each rate's tax is rounded half up to the cent. Without a code the
    TotalTax the client sent is kept (QBO's automated sales tax is not emulated).
    """
    code_ref = tax_detail.get("TxnTaxCodeRef")
    code = None
    if isinstance(code_ref, dict) and code_ref.get("value") not in (None, "TAX", "NON"):
        code = s.get("TaxCode", str(code_ref["value"]))
    if code is None:
        total = Decimal(str(tax_detail.get("TotalTax") or 0))
        return {**tax_detail, "TotalTax": tidy(total)}
    base = taxable
    if after_discount and subtotal and discount:
        base = money(taxable - discount * taxable / subtotal)
    if exempt:
        base = Decimal(0)
    tax_lines: list[dict[str, Any]] = []
    total = Decimal(0)
    for rate in _rates_of(s, code):
        percent = Decimal(str(rate.get("RateValue") or 0))
        amount = money(base * percent / Decimal(100))
        total += amount
        tax_lines.append(
            {
                "Amount": amount,
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate["Id"], "name": rate.get("Name", "")},
                    "PercentBased": True,
                    "TaxPercent": tidy(percent),
                    "NetAmountTaxable": tidy(base),
                },
            }
        )
    return {
        "TxnTaxCodeRef": {"value": code["Id"], "name": code.get("Name", "")},
        "TotalTax": money(total),
        "TaxLine": tax_lines,
    }
