"""Intuit's OAuth scopes."""

from __future__ import annotations

ACCOUNTING = "com.intuit.quickbooks.accounting"
PAYMENT = "com.intuit.quickbooks.payment"
OPENID = "openid"

#: Every scope Intuit knows, in the order discovery lists them.
ALL: tuple[str, ...] = (ACCOUNTING, PAYMENT, OPENID, "profile", "email", "phone", "address")

#: Scopes that connect a company: a grant with one of them carries a realm.
QUICKBOOKS = frozenset({ACCOUNTING, PAYMENT})

DESCRIPTIONS = {
    ACCOUNTING: "Read and change the company's accounting data",
    PAYMENT: "Process payments for the company",
    OPENID: "Know who you are",
    "profile": "See your name",
    "email": "See your e-mail address",
    "phone": "See your phone number",
    "address": "See your address",
}


def parse(text: str) -> list[str]:
    """Scopes from a space-separated parameter, in order, without duplicates."""
    seen: list[str] = []
    for scope in text.split():
        if scope not in seen:
            seen.append(scope)
    return seen


def connects_company(scopes: list[str] | frozenset[str]) -> bool:
    return any(s in QUICKBOOKS for s in scopes)
