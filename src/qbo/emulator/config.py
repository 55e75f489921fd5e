"""How an emulator is configured (from the CLI, or directly in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from qbo.emulator.throttle import ThrottleSettings


class AuthMode(StrEnum):
    NONE = "none"  # any or no bearer token is accepted: local experiments only
    OAUTH = "oauth"


@dataclass(frozen=True)
class EmulatorConfig:
    db: str | None = None  # path, ":memory:" or SQLAlchemy URL; None: ./.qbo/emulator.db
    seed: str = "demo"  # seed of the realm created when the database has none
    auth: AuthMode = AuthMode.NONE  # library default; `qbo emulator serve` uses oauth
    admin_token: str | None = field(
        default=None, repr=False
    )  # required as a bearer token on /_emulator when set
    db_schema: str | None = None  # PostgreSQL schema (isolates test runs)
    max_body_bytes: int = 4 * 1024 * 1024
    # Host names served besides loopback, IP literals and names no public DNS can answer
    # (qbo.emulator.http.crosssite); "*" serves any. `serve` adds the address it binds.
    allowed_hosts: tuple[str, ...] = ()
    # Serving conditions (qbo.emulator.throttle, .latency). Throttling is off here, for
    # library and test use; `qbo emulator serve` turns it on unless `--throttle off`.
    throttle: ThrottleSettings = field(default_factory=ThrottleSettings)
    latency: str = "none"  # response-time profile: none | realistic
    latency_seed: int = 0  # seeds the realistic profile's jitter
    # Deliveries (webhooks, attachments); see qbo.emulator.webhooks and .attachments.
    webhook_window: float = 5.0  # seconds (real time) events are gathered into one delivery
    webhook_timeout: float = 3.0  # seconds a receiver has to answer before the attempt fails
    webhook_retry_factor: float = 1.0  # scales QBO's retry schedule (tests use 0.01)
    webhook_max_attempts: int = 12  # attempts before a delivery is given up
    max_upload_bytes: int = 100 * 1024 * 1024  # QBO's limit per uploaded file
