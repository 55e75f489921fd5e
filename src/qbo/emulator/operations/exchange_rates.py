"""Exchange rates: ``GET /exchangerate`` reads a currency's rate, ``POST`` sets one.

Rates are ``ExchangeRate`` objects, one per currency and date; postings read them through
:mod:`qbo.emulator.ledger.currency`. A rate is only ever set (created when new, updated
when that date already has one): QBO offers no create or delete for them.
"""

from __future__ import annotations

from typing import Any

from qbo.emulator.domain import crud
from qbo.emulator.domain.validate import coerce_entity
from qbo.emulator.store.session import Session
from qbo.emulator.values import dec, tidy
from qbo.schema import catalogue
from qbo.schema.faults import Fault, FaultCode, required_missing, stale_object


def read_rate(s: Session, source_currency: str, as_of: str | None) -> dict[str, Any]:
    """The rate of ``source_currency`` on ``as_of`` (or the newest), 1 for the home currency."""
    code = source_currency.upper()
    if not code:
        raise Fault.of(
            FaultCode.REQUIRED_MISSING,
            "Required parameter sourcecurrencycode is missing in the request",
            element="sourcecurrencycode",
        )
    rates = [
        r
        for r in s.find("ExchangeRate", "SourceCurrencyCode", code, limit=10_000)
        if as_of is None or str(r.get("AsOfDate", "")) <= as_of
    ]
    if code == s.realm.currency:
        return {
            "SourceCurrencyCode": code,
            "TargetCurrencyCode": code,
            "Rate": 1,
            "AsOfDate": as_of or s.now.date().isoformat(),
        }
    if not rates:
        raise Fault.of(
            FaultCode.OBJECT_NOT_FOUND,
            f"Object Not Found : no exchange rate for {code} on or before {as_of or 'today'}",
        )
    return max(rates, key=lambda r: (str(r.get("AsOfDate", "")), int(r["Id"])))


def write_rate(s: Session, body: Any) -> dict[str, Any]:
    """``POST /exchangerate``: set the rate of a currency on a date (created when new)."""
    entity = catalogue().entity("ExchangeRate")
    if not isinstance(body, dict):
        raise Fault.of(FaultCode.INVALID_PROPERTY, "Request body must be a JSON object")
    doc = coerce_entity(entity, body)
    source = str(doc.get("SourceCurrencyCode") or "").upper()
    if not source:
        raise required_missing("SourceCurrencyCode")
    if doc.get("Rate") is None:
        raise required_missing("Rate")
    if not s.multicurrency_enabled():
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            "Multicurrency is not enabled for this company: exchange rates cannot be set",
            element="SourceCurrencyCode",
        )
    home = s.realm.currency
    if source == home:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"{source} is the home currency: its rate is always 1",
            element="SourceCurrencyCode",
        )
    target = str(doc.get("TargetCurrencyCode") or home).upper()
    if target != home:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"TargetCurrencyCode must be the home currency {home}",
            element="TargetCurrencyCode",
        )
    if dec(doc["Rate"]) <= 0:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION, "Rate must be greater than zero", element="Rate"
        )
    as_of = str(doc.get("AsOfDate") or s.meta_now()[:10])
    values = {
        "SourceCurrencyCode": source,
        "TargetCurrencyCode": home,
        "Rate": tidy(dec(doc["Rate"])),
        "AsOfDate": as_of,
    }
    existing = [
        r
        for r in s.find("ExchangeRate", "SourceCurrencyCode", source, limit=100_000)
        if r.get("AsOfDate") == as_of
    ]
    if not existing:
        return crud.insert_new(s, entity, values)
    current = existing[0]
    token = body.get("SyncToken")
    if token is not None and str(token) != str(current["SyncToken"]):
        raise stale_object()
    updated = {**current, **values}
    s.bump(updated, current)
    s.replace("ExchangeRate", updated)
    s.record_change("ExchangeRate", updated["Id"], "Update")
    return updated
