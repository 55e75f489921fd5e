"""Random companies: a plan drawn by hypothesis, applied through the domain layer.

A plan is a list of steps (create a customer, a sub-customer, a vendor, an item, an
account, an invoice; rename or inactivate something), each after a random move of the
emulator clock so MetaData times differ (and sometimes tie). Names mix case, accents,
quotes, ``%``, ``_`` and backslashes so comparison, LIKE and ordering meet every trap.
A step the domain refuses (a duplicate name, an inactive reference...) is skipped: the
company is whatever the rules let through, which is what real data looks like.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from qbo.emulator import Emulator
from qbo.emulator.domain import crud
from qbo.emulator.store.session import Realm
from qbo.schema import catalogue
from qbo.schema.faults import Fault

ZONES = ["America/Los_Angeles", "UTC", "Asia/Kolkata", "Pacific/Chatham", "Europe/London"]

# Words chosen to collide under case folding and to tempt quoting and LIKE bugs.
WORDS = [
    "acme", "Acme", "ACME", "Ácme", "äcme", "O'Brien", "o'brien", "100%", "snake_case",
    "snake", "Zeta", "zeta", "Straße", "STRASSE", "Ωmega", "back\\slash", "b", "B", "Beta",
    "beta%", "_x", "ü", "Ü", "é", "e", "Z", "a_b", "a%b", "10", "9", "",
]  # fmt: skip

_extra = st.text(alphabet="aAbBzZ0123456789 '%_\\éÉßΩ.-", max_size=4)
names = st.builds(
    lambda words, sep, extra: sep.join(words) + extra,
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
    st.sampled_from([" ", "", "-"]),
    _extra,
).filter(lambda n: n.strip() != "" and len(n) <= 60)

amounts = st.decimals(min_value=Decimal("-50"), max_value=Decimal("5000"), places=2)
dates = st.dates(min_value=date(2024, 12, 20), max_value=date(2026, 2, 10))
gaps = st.one_of(st.just(0), st.integers(1, 5), st.integers(60, 200_000))

ACCOUNT_TYPES = ["Bank", "Expense", "Income", "Other Current Asset", "Equity"]


@st.composite
def _fields(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    step: dict[str, Any] = {"kind": kind, "gap": draw(gaps), "pick": draw(st.integers(0, 10**6))}
    if kind in ("customer", "subcustomer", "vendor", "item", "account", "rename"):
        step["name"] = draw(names)
    if kind in ("customer", "subcustomer", "vendor"):
        step["given"] = draw(st.none() | names)
        step["company"] = draw(st.none() | names)
        step["notes"] = draw(st.none() | names)
    if kind == "item":
        step["price"] = draw(st.none() | amounts.map(abs))
        step["sku"] = draw(st.none() | names)
    if kind == "account":
        step["type"] = draw(st.sampled_from(ACCOUNT_TYPES))
        step["number"] = draw(st.none() | st.from_regex(r"[0-9]{1,5}", fullmatch=True))
    if kind == "invoice":
        step["date"] = draw(st.none() | dates)
        step["due"] = draw(st.none() | st.integers(0, 90))
        step["doc"] = draw(st.none() | st.from_regex(r"[A-Za-z0-9%_'-]{1,8}", fullmatch=True))
        step["lines"] = draw(st.lists(amounts, min_size=1, max_size=3))
        step["note"] = draw(st.none() | names)
    if kind in ("rename", "inactivate", "touch"):
        step["entity"] = draw(st.sampled_from(["Customer", "Vendor", "Item", "Account", "Invoice"]))
    return step


def _some(kind: str, low: int, high: int) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(_fields(kind), min_size=low, max_size=high)


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    """Lists first (customers, vendors, items, accounts), then invoices and changes mixed."""
    first = (
        draw(_some("customer", 3, 8))
        + draw(_some("vendor", 1, 4))
        + draw(_some("item", 1, 3))
        + draw(_some("account", 0, 3))
    )
    later = (
        draw(_some("subcustomer", 0, 3))
        + draw(_some("invoice", 2, 10))
        + draw(_some("rename", 0, 3))
        + draw(_some("inactivate", 0, 3))
        + draw(_some("touch", 0, 2))
    )
    return {
        "zone": draw(st.sampled_from(ZONES)),
        "steps": draw(st.permutations(first)) + draw(st.permutations(later)),
    }


@dataclass
class Company:
    """A realm built from a plan, and the ids it ended up with."""

    emulator: Emulator
    realm: Realm
    ids: dict[str, list[str]] = field(default_factory=dict)
    skipped: int = 0

    def docs(self, entity: str) -> list[dict[str, Any]]:
        with self.emulator.realms.session(self.realm, write=False) as s:
            return s.all(entity)


def _pick(ids: list[str], pick: int) -> str | None:
    return ids[pick % len(ids)] if ids else None


def build(emulator: Emulator, plan: dict[str, Any]) -> Company:
    realm = emulator.realms.create("empty", timezone=plan["zone"])
    company = Company(emulator, realm)
    with emulator.realms.session(realm, write=False) as s:
        accounts = {a["Name"]: a["Id"] for a in s.all("Account")}
        company.ids["Account"] = list(accounts.values())
    for step in plan["steps"]:
        if step["gap"]:
            emulator.clock.advance(step["gap"])
        try:
            _apply(company, accounts, step)
        except Fault:
            company.skipped += 1
    return company


def _apply(company: Company, accounts: dict[str, str], step: dict[str, Any]) -> None:
    cat = catalogue()
    ids = company.ids
    kind = step["kind"]
    with company.emulator.realms.session(company.realm, write=True) as s:
        body: dict[str, Any]
        if kind in ("customer", "subcustomer", "vendor"):
            entity = "Vendor" if kind == "vendor" else "Customer"
            body = {"DisplayName": step["name"]}
            for key, prop in (
                ("given", "GivenName"),
                ("company", "CompanyName"),
                ("notes", "Notes"),
            ):
                if step[key] is not None:
                    body[prop] = step[key]
            if kind == "subcustomer":
                parent = _pick(ids.get("Customer", []), step["pick"])
                if parent is None:
                    return
                body["ParentRef"] = {"value": parent}
                body["Job"] = True
            created = crud.create(s, cat.entity(entity), body)
            ids.setdefault(entity, []).append(created["Id"])
        elif kind == "item":
            body = {
                "Name": step["name"],
                "Type": "Service",
                "IncomeAccountRef": {"value": accounts["Services"]},
            }
            if step["price"] is not None:
                body["UnitPrice"] = step["price"]
            if step["sku"] is not None:
                body["Sku"] = step["sku"]
            ids.setdefault("Item", []).append(crud.create(s, cat.entity("Item"), body)["Id"])
        elif kind == "account":
            body = {"Name": step["name"], "AccountType": step["type"]}
            if step["number"] is not None:
                body["AcctNum"] = step["number"]
            ids["Account"].append(crud.create(s, cat.entity("Account"), body)["Id"])
        elif kind == "invoice":
            customer = _pick(ids.get("Customer", []), step["pick"])
            item = _pick(ids.get("Item", []), step["pick"])
            if customer is None or item is None:
                return
            body = {
                "CustomerRef": {"value": customer},
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": amount,
                        "SalesItemLineDetail": {"ItemRef": {"value": item}},
                    }
                    for amount in step["lines"]
                ],
            }
            if step["date"] is not None:
                body["TxnDate"] = step["date"].isoformat()
                if step["due"] is not None:
                    body["DueDate"] = (step["date"] + timedelta(days=step["due"])).isoformat()
            if step["doc"] is not None:
                body["DocNumber"] = step["doc"]
            if step["note"] is not None:
                body["PrivateNote"] = step["note"]
            ids.setdefault("Invoice", []).append(crud.create(s, cat.entity("Invoice"), body)["Id"])
        else:
            _change(company, s, step)


def _change(company: Company, s: Any, step: dict[str, Any]) -> None:
    entity = step["entity"]
    target = _pick(company.ids.get(entity, []), step["pick"])
    if target is None:
        return
    definition = catalogue().entity(entity)
    doc = s.get(entity, target)
    if doc is None:
        return
    patch: dict[str, Any] = {"Id": target, "SyncToken": doc["SyncToken"], "sparse": True}
    if step["kind"] == "rename":
        if entity == "Invoice":
            patch["PrivateNote"] = step["name"]
        else:
            patch["DisplayName" if entity in ("Customer", "Vendor") else "Name"] = step["name"]
    elif step["kind"] == "inactivate":
        if entity == "Invoice":
            patch["DocNumber"] = None
        else:
            patch["Active"] = False
    # "touch": an update that changes nothing but SyncToken and LastUpdatedTime
    crud.update(s, definition, patch, sparse=True)
