"""How an emulator is configured (from the CLI, or directly in tests)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AuthMode(StrEnum):
    NONE = "none"  # any or no bearer token is accepted: local experiments only
    OAUTH = "oauth"


@dataclass(frozen=True)
class EmulatorConfig:
    db: str | None = None  # path, ":memory:" or SQLAlchemy URL; None: ./.qbo/emulator.db
    seed: str = "demo"  # seed of the realm created when the database has none
    auth: AuthMode = AuthMode.NONE
    admin_token: str | None = None  # required as a bearer token on /_emulator when set
    db_schema: str | None = None  # PostgreSQL schema (isolates test runs)
    max_body_bytes: int = 4 * 1024 * 1024
