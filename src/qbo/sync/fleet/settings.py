"""What a fleet worker needs to know: the database, the app, the limits, the schedule."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from qbo.client.pacing import PacingLimits
from qbo.client.retry import RetryPolicy


class FleetConfigError(ValueError):
    """The fleet cannot run with these settings; the message says what to change."""


@dataclass(frozen=True)
class FleetSettings:
    """One fleet's settings, the same on every worker.

    ``database_url`` is the PostgreSQL database shared by every worker (mirror, jobs,
    tokens, pacing). ``client_id``/``client_secret`` are the app's (one app serves every
    company). ``redis_url`` moves pacing to Redis. ``schema`` keeps everything of this
    fleet in one PostgreSQL schema (tests use that to stay apart).
    """

    database_url: str
    client_id: str
    client_secret: str = field(repr=False)
    environment: str = "production"
    schema: str | None = None
    redis_url: str | None = None
    limits: PacingLimits = field(default_factory=PacingLimits)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    page_size: int = 1000  # rows per query page of a load (QBO's most)
    sweep_cron: str = "*/5 * * * *"  # every five minutes; a 6th field counts seconds
    recover_cron: str = "* * * * * */10"  # how often jobs of dead workers are looked for
    stalled_after: float = 30.0  # seconds without a worker heartbeat before its jobs move
    backoff_base: float = 30.0  # seconds after the first failure, doubling
    backoff_max: float = 3600.0
    webhook_verifier_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.database_url.startswith(("postgresql://", "postgresql+psycopg://")):
            raise FleetConfigError(
                "the fleet needs PostgreSQL (postgresql+psycopg://...); "
                "with a SQLite mirror use qbo sync run or qbo sync watch"
            )
        if not self.client_id or not self.client_secret:
            raise FleetConfigError("the fleet needs the app's client id and secret")

    @classmethod
    def from_env(cls, database_url: str | None = None, **overrides: object) -> FleetSettings:
        """Settings from ``QBO_FLEET_DATABASE``, ``QBO_CLIENT_ID``, ``QBO_CLIENT_SECRET``,
        ``QBO_ENV``/``QBO_BASE_URL``, ``QBO_FLEET_SCHEMA``, ``QBO_REDIS_URL`` and
        ``QBO_WEBHOOK_VERIFIER_TOKEN``; keyword arguments win."""
        url = database_url or os.environ.get("QBO_FLEET_DATABASE", "")
        values: dict[str, object] = {
            "database_url": url,
            "client_id": os.environ.get("QBO_CLIENT_ID", ""),
            "client_secret": os.environ.get("QBO_CLIENT_SECRET", ""),
            "environment": os.environ.get("QBO_BASE_URL")
            or os.environ.get("QBO_ENV")
            or "production",
            "schema": os.environ.get("QBO_FLEET_SCHEMA") or None,
            "redis_url": os.environ.get("QBO_REDIS_URL") or None,
            "webhook_verifier_token": os.environ.get("QBO_WEBHOOK_VERIFIER_TOKEN") or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def psycopg_url(self) -> str:
        """The URL as psycopg (and procrastinate) take it."""
        return self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
