"""Accounts: type and detail type agree, classification derived, balances start at zero."""

from __future__ import annotations

from typing import Any

from qbo.emulator.domain.chart import CLASSIFICATION, SUBTYPES, TYPE_OF_SUBTYPE
from qbo.emulator.domain.rules.base import Rule
from qbo.emulator.store.session import Session
from qbo.emulator.values import ZERO
from qbo.schema import EntityDef
from qbo.schema.faults import Fault, FaultCode


class AccountRule(Rule):
    def prepare(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        sub = doc.get("AccountSubType")
        if sub and not doc.get("AccountType"):
            kind = TYPE_OF_SUBTYPE.get(str(sub))
            if kind is None:
                raise Fault.of(
                    FaultCode.INVALID_PROPERTY,
                    f"Property Name:AccountSubType specified is unsupported or invalid: {sub}",
                    element="AccountSubType",
                )
            doc["AccountType"] = kind

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        kind = str(doc["AccountType"])
        allowed = SUBTYPES.get(kind)
        if allowed is None:
            raise Fault.of(
                FaultCode.INVALID_PROPERTY,
                f"Property Name:AccountType specified is unsupported or invalid: {kind}",
                element="AccountType",
            )
        sub = doc.get("AccountSubType")
        if not sub:
            doc["AccountSubType"] = allowed[0]
        elif sub not in allowed:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"AccountSubType {sub} does not belong to AccountType {kind}",
                element="AccountSubType",
            )
        doc["Classification"] = CLASSIFICATION[kind]
        doc.setdefault("CurrencyRef", s.home_currency_ref())
        doc["CurrentBalance"] = old.get("CurrentBalance", ZERO) if old else ZERO
        doc["CurrentBalanceWithSubAccounts"] = (
            old.get("CurrentBalanceWithSubAccounts", ZERO) if old else ZERO
        )
