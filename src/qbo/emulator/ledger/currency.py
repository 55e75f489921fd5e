"""Multi-currency: the switch in Preferences, exchange rates, and a transaction's rate.

``Preferences.CurrencyPrefs.MultiCurrencyEnabled`` turns it on; as in QBO it cannot be
turned off again, and the home currency cannot change once it is on. A transaction in a
foreign currency uses the ExchangeRate it carries, or else the company's latest rate for
that currency dated on or before its TxnDate (``POST /exchangerate`` records rates). With
no rate at all the request is refused (6000): the emulator has no market feed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from qbo.emulator.store.session import Session
from qbo.emulator.values import dec, ref_id, tidy
from qbo.schema import EntityDef
from qbo.schema.faults import Fault, FaultCode

ONE = Decimal(1)


def latest_rate(s: Session, code: str, on: str) -> dict[str, Any] | None:
    rates = [
        r
        for r in s.find("ExchangeRate", "SourceCurrencyCode", code, limit=100_000)
        if str(r.get("AsOfDate", "")) <= on
    ]
    return max(rates, key=lambda r: (str(r.get("AsOfDate", "")), int(r["Id"]))) if rates else None


def rate_for(s: Session, doc: dict[str, Any]) -> Decimal:
    """The exchange rate of a transaction (home currency units per unit of its currency)."""
    code = ref_id(doc.get("CurrencyRef")) or s.realm.currency
    if code.upper() == s.realm.currency:
        return ONE
    given = doc.get("ExchangeRate")
    if given is not None:
        rate = dec(given)
        if rate <= 0:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                "ExchangeRate must be greater than zero",
                element="ExchangeRate",
            )
        return rate
    on = str(doc.get("TxnDate") or s.meta_now()[:10])
    found = latest_rate(s, code.upper(), on)
    if found is None:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"No exchange rate for {code} on or before {on}: send ExchangeRate or record one with "
            "POST /exchangerate",
            element="ExchangeRate",
        )
    return dec(found.get("Rate"))


def party_currency(s: Session, doc: dict[str, Any]) -> tuple[str, str] | None:
    """The (entity, currency) of the customer or vendor a transaction is with."""
    for prop, entity in (("CustomerRef", "Customer"), ("VendorRef", "Vendor")):
        rid = ref_id(doc.get(prop))
        if rid:
            party = s.get(entity, rid)
            if party is not None:
                return entity, (ref_id(party.get("CurrencyRef")) or s.realm.currency).upper()
    ref = doc.get("EntityRef")
    if isinstance(ref, dict) and ref.get("type") in ("Customer", "Vendor"):
        party = s.get(str(ref["type"]), str(ref.get("value")))
        if party is not None:
            return str(ref["type"]), (ref_id(party.get("CurrencyRef")) or s.realm.currency).upper()
    return None


_MEMO = "ledger.multicurrency"  # Session.memo key: whether multicurrency is on


def enabled_in(s: Session) -> bool:
    """Whether multi-currency is on, read once per session (Preferences updates reset it)."""
    if _MEMO not in s.memo:
        s.memo[_MEMO] = s.multicurrency_enabled()
    return bool(s.memo[_MEMO])


def apply_currency(s: Session, entity: EntityDef, doc: dict[str, Any]) -> None:
    """CurrencyRef default and checks, ExchangeRate and the HomeTotalAmt slot."""
    home = s.realm.currency
    enabled = enabled_in(s)
    party = party_currency(s, doc) if enabled else None
    given = ref_id(doc.get("CurrencyRef"))
    code = given.upper() if given is not None else (party[1] if party else home)
    if code != home and not enabled:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"Multicurrency is not enabled for this company: CurrencyRef {code} is not the home "
            f"currency {home}",
            element="CurrencyRef",
        )
    if party is not None and party[1] != code:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"The {party[0].lower()} uses {party[1]}; a transaction with it must be in {party[1]}, "
            f"not {code}",
            element="CurrencyRef",
        )
    doc["CurrencyRef"] = {"value": code, "name": s.currency_name(code)}
    if "ExchangeRate" not in entity.fields:
        return
    if enabled:
        doc["ExchangeRate"] = tidy(rate_for(s, doc))
        if "HomeTotalAmt" in entity.fields:
            doc["HomeTotalAmt"] = Decimal(0)
    else:
        doc.pop("ExchangeRate", None)
        doc.pop("HomeTotalAmt", None)


def forget_multicurrency(s: Session) -> None:
    """Read the switch again on next use (Preferences are being changed)."""
    s.memo.pop(_MEMO, None)


def has_postings(s: Session, entity: str, object_id: int) -> bool:
    """Whether any ledger row names this customer or vendor."""
    t = s.store.tables.ledger
    column = t.c.customer_id if entity == "Customer" else t.c.vendor_id
    found = s.conn.execute(
        select(t.c.txn_id).where(t.c.realm_id == s.realm.realm_id, column == object_id).limit(1)
    ).first()
    return found is not None
