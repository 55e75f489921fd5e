"""Reading again the names and accounts that applied transactions touched.

See :mod:`qbo.sync.references` for why: balances and quantities move without a new
version. Customers are read with their ancestors (a sub-customer's balance is part of
its parents' ``BalanceWithJobs``); accounts are read in full (one page for most
companies).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qbo.client import AsyncClient
from qbo.sync.documents import Change, Document
from qbo.sync.fetching import fetch
from qbo.sync.mirror import Mirror
from qbo.sync.references import References

MAX_DEPTH = 5  # QBO nests sub-customers at most five levels deep


@dataclass
class Refreshed:
    changes: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def _parent(data: Mapping[str, Any]) -> str | None:
    ref = data.get("ParentRef")
    value = ref.get("value") if isinstance(ref, Mapping) else None
    return value if isinstance(value, str) and value else None


async def refresh_derived(mirror: Mirror, client: AsyncClient, touched: References) -> Refreshed:
    """Read ``touched`` again and apply what changed (same version, newer fields)."""
    out = Refreshed()
    if not touched:
        return out
    documents: list[Change] = []
    wanted = {entity: set(ids) for entity, ids in touched.ids.items() if ids}
    done: set[tuple[str, str]] = set()
    for _ in range(MAX_DEPTH + 1):
        if not wanted:
            break
        fetched = await fetch(client, wanted)
        out.requests += fetched.requests
        out.errors.update(fetched.errors)
        done |= {(e, i) for e, ids in wanted.items() for i in ids}
        documents.extend(fetched.documents)
        parents = {
            p
            for d in fetched.documents
            if d.entity == "Customer" and (p := _parent(d.data)) is not None
        }
        wanted = {"Customer": {p for p in parents if ("Customer", p) not in done}}
        wanted = {e: ids for e, ids in wanted.items() if ids}
    if touched.accounts:
        async for page in client.extract(["Account"]):
            out.requests += 1
            if page.error is not None:
                out.errors["Account"] = f"{type(page.error).__name__}: {page.error}"
                continue
            documents.extend(Document("Account", raw=row) for row in page.raw_rows)
    with mirror.transaction() as conn:
        out.changes += mirror.apply(conn, client.realm_id, documents)
    return out
