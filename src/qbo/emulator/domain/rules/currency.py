"""Currency rules of name lists and Preferences (the rates themselves are the ledger's)."""

from __future__ import annotations

from typing import Any

from qbo.emulator.domain.rules.base import Rule
from qbo.emulator.ledger.currency import enabled_in, forget_multicurrency, has_postings
from qbo.emulator.store.session import Session
from qbo.emulator.values import ref_id
from qbo.schema import EntityDef
from qbo.schema.faults import Fault, FaultCode


class CurrencyPrefsRule(Rule):
    """Preferences: multi-currency cannot be switched off, nor the home currency changed."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        forget_multicurrency(s)
        if old is None:
            return
        before = old.get("CurrencyPrefs") or {}
        after = doc.get("CurrencyPrefs")
        if not isinstance(after, dict):
            doc["CurrencyPrefs"] = before
            return
        if (
            before.get("MultiCurrencyEnabled") is True
            and after.get("MultiCurrencyEnabled") is False
        ):
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                "Multicurrency cannot be turned off once it has been turned on",
                element="CurrencyPrefs.MultiCurrencyEnabled",
            )
        after.setdefault("MultiCurrencyEnabled", before.get("MultiCurrencyEnabled", False))
        home = ref_id(after.get("HomeCurrency"))
        if home is not None and home.upper() != s.realm.currency:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"The home currency is {s.realm.currency} and cannot be changed",
                element="CurrencyPrefs.HomeCurrency",
            )
        after["HomeCurrency"] = {"value": s.realm.currency}


class PartyCurrencyRule(Rule):
    """Customer, Vendor: one currency each, fixed once a transaction uses it (QBO's rule)."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        code = (ref_id(doc.get("CurrencyRef")) or s.realm.currency).upper()
        if code != s.realm.currency and not enabled_in(s):
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"Multicurrency is not enabled for this company: CurrencyRef {code} is not the "
                f"home currency {s.realm.currency}",
                element="CurrencyRef",
            )
        if "CurrencyRef" in doc:
            doc["CurrencyRef"] = {"value": code, "name": s.currency_name(code)}
        if old is None:
            return
        before = (ref_id(old.get("CurrencyRef")) or s.realm.currency).upper()
        if before != code and has_postings(s, entity.name, int(doc["Id"])):
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"The {entity.name.lower()}'s currency is {before} and cannot change: it has "
                "transactions",
                element="CurrencyRef",
            )
