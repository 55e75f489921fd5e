"""The hooks entity rules implement; each is a no-op unless overridden.

The CRUD engine (``domain.crud``) calls the hooks of every rule registered for an entity,
in order, inside the request's transaction. A hook raises :class:`~qbo.schema.Fault` to
reject the request, which rolls everything back.
"""

from __future__ import annotations

from typing import Any

from qbo.emulator.store.session import Session
from qbo.schema import EntityDef


class Rule:
    """Business rules for one aspect of an entity."""

    def prepare(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        """Before required-field and reference checks: derive missing inputs."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        """After reference checks: fill defaults, compute derived fields, enforce rules."""

    def void(self, s: Session, entity: EntityDef, doc: dict[str, Any]) -> None:
        """Zero a transaction that is being voided (``doc`` is changed in place)."""

    def delete(self, s: Session, entity: EntityDef, doc: dict[str, Any]) -> None:
        """Undo the effects of a transaction about to be deleted."""
