"""Checks shared by every control-plane endpoint that takes a JSON object."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def unknown_fields(body: Mapping[str, Any], allowed: Iterable[str]) -> str | None:
    """The error message for fields outside ``allowed``, or None when there are none."""
    known = set(allowed)
    unknown = sorted(set(body) - known)
    if not unknown:
        return None
    return f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
