"""Seeds: what a new company holds. Every object is written through the domain's CRUD path."""

from __future__ import annotations

import re

from qbo.emulator.ledger.bulk import bulk
from qbo.emulator.seeds.demo import seed_demo
from qbo.emulator.seeds.empty import seed_empty
from qbo.emulator.seeds.large import seed_large
from qbo.emulator.store.session import Session
from qbo.schema.collector import paused

SEED_PATTERN = re.compile(r"^(empty|demo|large:[1-9][0-9]{0,6})$")


def check_seed(seed: str) -> str:
    """The seed name, or ValueError explaining the accepted forms."""
    if not SEED_PATTERN.match(seed):
        raise ValueError(f"unknown seed {seed!r}: use empty, demo or large:N (N from 1 to 9999999)")
    return seed


def apply_seed(s: Session, seed: str) -> None:
    # Balances of accounts and customers are written once at the end, and rows many per
    # statement (ledger.bulk); the cycle collector waits (qbo.schema.collector).
    with paused(), bulk(s):
        seed_empty(s)
        if seed == "demo":
            seed_demo(s)
        elif seed.startswith("large:"):
            seed_large(s, int(seed.split(":", 1)[1]))
