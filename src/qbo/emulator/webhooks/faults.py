"""Webhook delivery faults, for testing receivers: drop, duplicate, delay and reorder.

Real deliveries arrive late, twice, out of order or not at all; a receiver is only proven
against all four. The rule is set on the control plane (``POST /_emulator/webhooks/faults``)
and applied by the dispatcher to each delivery it is about to send:

- ``drop`` (probability): the delivery is never sent (marked failed, "dropped");
- ``duplicate`` (probability): it is sent twice;
- ``delay`` (probability): it is held back ``delay_seconds`` (real time) without counting
  an attempt, so later deliveries overtake it;
- ``reorder`` (true/false): the deliveries due in one pass are sent in a shuffled order.

Decisions come from a ``seed``ed generator (repeatable) and at most ``limit`` faults are
injected (bounded); after that deliveries are sent normally.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, insert, update

from qbo.emulator.control_input import unknown_fields
from qbo.emulator.store.delivery_tables import DeliveryTables

T = TypeVar("T")
FIELDS = ("drop", "duplicate", "delay", "delay_seconds", "reorder", "seed", "limit")
SEND, DROP, DUPLICATE, DELAY = "send", "drop", "duplicate", "delay"


class DeliveryFaultError(ValueError):
    """A fault setting the control plane refuses."""


def _probability(body: dict[str, Any], name: str) -> float:
    value = body.get(name, 0)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | Decimal)
        or not 0 <= value <= 1
    ):
        raise DeliveryFaultError(f"{name} must be a probability from 0 to 1")
    return float(value)


@dataclass
class DeliveryFaults:
    """The current rule and how many faults it has injected."""

    drop: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    delay_seconds: float = 1.0
    reorder: bool = False
    seed: int | None = None
    limit: int | None = None
    injected: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> DeliveryFaults:
        problem = unknown_fields(body, FIELDS)
        if problem:
            raise DeliveryFaultError(problem)
        delay_seconds = body.get("delay_seconds", 1.0)
        if (
            isinstance(delay_seconds, bool)
            or not isinstance(delay_seconds, int | float | Decimal)
            or not 0 <= delay_seconds <= 3600
        ):
            raise DeliveryFaultError("delay_seconds must be 0 to 3600")
        reorder = body.get("reorder", False)
        if not isinstance(reorder, bool):
            raise DeliveryFaultError("reorder must be true or false")
        seed, limit = body.get("seed"), body.get("limit")
        for name, value in (("seed", seed), ("limit", limit)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise DeliveryFaultError(f"{name} must be an integer")
        if limit is not None and limit < 0:
            raise DeliveryFaultError("limit must be 0 or more")
        return cls(
            drop=_probability(body, "drop"),
            duplicate=_probability(body, "duplicate"),
            delay=_probability(body, "delay"),
            delay_seconds=float(delay_seconds),
            reorder=reorder,
            seed=seed,
            limit=limit,
            _rng=random.Random(seed),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "drop": self.drop,
            "duplicate": self.duplicate,
            "delay": self.delay,
            "delay_seconds": self.delay_seconds,
            "reorder": self.reorder,
            "seed": self.seed,
            "limit": self.limit,
            "injected": self.injected,
        }

    def _spend(self) -> bool:
        if self.limit is not None and self.injected >= self.limit:
            return False
        self.injected += 1
        return True

    def order(self, items: list[T]) -> list[T]:
        """``items`` in the order to send them (shuffled when reordering)."""
        with self._lock:
            if not self.reorder or len(items) < 2 or not self._spend():
                return items
            shuffled = list(items)
            self._rng.shuffle(shuffled)
            return shuffled

    def action(self) -> str:
        """What to do with the next delivery: send, drop, duplicate or delay."""
        with self._lock:
            for name, probability in (
                (DROP, self.drop),
                (DUPLICATE, self.duplicate),
                (DELAY, self.delay),
            ):
                if probability and self._rng.random() < probability and self._spend():
                    return name
            return SEND


def record_drop(
    conn: Connection, t: DeliveryTables, delivery_id: int, app_id: str, url: str, now_ms: int
) -> None:
    """Log a dropped delivery as a failed attempt that never reached the endpoint."""
    conn.execute(
        insert(t.webhook_attempts).values(
            delivery_id=delivery_id,
            app_id=app_id,
            attempt=1,
            url=url,
            status_code=None,
            error="dropped by webhook fault injection",
            duration_ms=0,
            at_wall_ms=now_ms,
        )
    )
    d = t.webhook_deliveries
    conn.execute(
        update(d)
        .where(d.c.id == delivery_id, d.c.state == "pending")
        .values(state="failed", done_wall_ms=now_ms)
    )


def postpone(conn: Connection, t: DeliveryTables, delivery_id: int, next_ms: int) -> None:
    d = t.webhook_deliveries
    conn.execute(
        update(d).where(d.c.id == delivery_id, d.c.state == "pending").values(next_wall_ms=next_ms)
    )
