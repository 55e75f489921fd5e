"""Progress reports for bars and status lines: per entity, objects and requests so far."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """Where one entity of one realm stands in the current pass.

    ``phase`` is ``load`` (the initial load or a reload), ``refresh`` (an entity CDC does
    not cover, read again by query), ``cdc`` or ``webhook``. ``total`` is the entity's row
    count when a load started (None when unknown); ``done`` marks the entity's last report
    of the pass.
    """

    realm_id: str
    entity: str
    phase: str
    objects: int
    requests: int
    total: int | None = None
    done: bool = False


OnProgress = Callable[[Progress], None]
