"""The system accounts postings need (A/R, A/P, Undeposited Funds, Sales Tax Payable...).

Each is found by its AccountSubType (the first active one, by Id), so a company may rename
them. When a company has none (the user made it inactive, or a seed left it out) it is
created on first use under QBO's standard name, as QBO itself does for system accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qbo.emulator.store.session import Session
from qbo.emulator.values import ref_id

#: key -> (AccountSubType, AccountType, standard Name)
SYSTEM: dict[str, tuple[str, str, str]] = {
    "ar": ("AccountsReceivable", "Accounts Receivable", "Accounts Receivable (A/R)"),
    "ap": ("AccountsPayable", "Accounts Payable", "Accounts Payable (A/P)"),
    "uf": ("UndepositedFunds", "Other Current Asset", "Undeposited Funds"),
    "tax": ("SalesTaxPayable", "Other Current Liability", "Sales Tax Payable"),
    "obe": ("OpeningBalanceEquity", "Equity", "Opening Balance Equity"),
    "re": ("RetainedEarnings", "Equity", "Retained Earnings"),
    "fx": ("ExchangeGainOrLoss", "Other Expense", "Exchange Gain or Loss"),
    "discount": ("DiscountsRefundsGiven", "Income", "Discounts given"),
    "inventory": ("Inventory", "Other Current Asset", "Inventory Asset"),
    "cogs": ("SuppliesMaterialsCogs", "Cost of Goods Sold", "Cost of Goods Sold"),
    "income": ("ServiceFeeIncome", "Income", "Services"),
}

_PREFERRED = {"ar": "DefaultARAccount", "ap": "DefaultAPAccount"}
_MEMO = "ledger.system_accounts"  # Session.memo key: system account key -> Id
_MAKER = "ledger.account_maker"  # Session.memo key: the domain's AccountMaker

#: Creates an Account as an API create would (the domain's rules, Id, change log) and
#: returns its Id. The ledger never creates entities itself: the domain, which sits above
#: it, hands its way in (:func:`use_account_maker`) before any rule can reach the ledger.
AccountMaker = Callable[[Session, dict[str, Any]], int]


def use_account_maker(s: Session, maker: AccountMaker) -> None:
    """Let the ledger create missing system accounts in this session with ``maker``."""
    s.memo[_MAKER] = maker


def system_account(s: Session, key: str) -> int:
    """The Id of a system account, created when the company has none."""
    known: dict[str, int] = s.memo.setdefault(_MEMO, {})
    if key in known:
        return known[key]
    sub, kind, name = SYSTEM[key]
    found: int | None = None
    pref = _PREFERRED.get(key)
    if pref is not None:
        section = s.preferences().get("AccountingInfoPrefs")
        pref_id = ref_id(section.get(pref)) if isinstance(section, dict) else None
        doc = s.get("Account", pref_id) if pref_id else None
        if doc is not None and doc.get("Active", True):
            found = int(doc["Id"])
    if found is None:
        for doc in s.find("Account", "AccountSubType", sub, limit=20):
            if doc.get("Active", True):
                found = int(doc["Id"])
                break
    if found is None:
        found = _create(s, name, kind, sub)
    known[key] = found
    return found


def _create(s: Session, name: str, kind: str, sub: str) -> int:
    taken = {d.get("Name") for d in s.find("Account", "Name", name, limit=5)}
    label = name if name not in taken else f"{name} ({sub})"
    maker: AccountMaker | None = s.memo.get(_MAKER)
    if maker is None:
        raise RuntimeError("the ledger was reached without the domain's AccountMaker")
    return maker(s, {"Name": label, "AccountType": kind, "AccountSubType": sub})


def account(s: Session, account_id: int | str) -> dict[str, Any] | None:
    return s.get("Account", account_id)


def account_type(s: Session, account_id: int | str) -> str:
    doc = s.get("Account", account_id)
    return str(doc.get("AccountType", "")) if doc else ""
