"""Multi-currency helpers: currency references and amounts in the home currency.

With multi-currency on, a transaction carries ``CurrencyRef`` and ``ExchangeRate`` (home
currency units per foreign unit) and QBO adds home amounts (``HomeTotalAmt``, ...).
:func:`home_amount` prefers the amount QBO computed and otherwise converts, rounding half
up to cents as QBO does. Everything stays ``Decimal``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from qbo.schema.base import QBOModel
from qbo.schema.models import ReferenceType

CENT = Decimal("0.01")


def currency_ref(code: str, name: str | None = None) -> ReferenceType:
    """``CurrencyRef`` for an ISO 4217 code (``"EUR"``)."""
    code = code.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"not an ISO 4217 currency code: {code!r}")
    return ReferenceType(value=code, name=name)


def to_home(amount: Decimal, rate: Decimal | None) -> Decimal:
    """A foreign amount in home currency at ``rate`` (None or missing: 1), to the cent."""
    return (amount * (rate if rate is not None else Decimal(1))).quantize(CENT, ROUND_HALF_UP)


def currency_of(txn: QBOModel) -> str | None:
    ref = getattr(txn, "CurrencyRef", None)
    value = getattr(ref, "value", None)
    return str(value) if value else None


def home_amount(txn: QBOModel, field: str = "TotalAmt") -> Decimal | None:
    """``txn.<field>`` in the home currency: ``Home<field>`` when QBO sent it, else converted.

    None when the transaction has no such amount.
    """
    home = getattr(txn, f"Home{field}", None)
    if isinstance(home, Decimal | int):
        return Decimal(home)
    amount = getattr(txn, field, None)
    if amount is None:
        return None
    rate = getattr(txn, "ExchangeRate", None)
    return to_home(Decimal(amount), Decimal(rate) if rate is not None else None)
