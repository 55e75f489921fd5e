"""``qbo sync worker | connect | fleet``: the sync engine as a fleet on PostgreSQL.

``connect`` adds the company of the current login (``qbo auth login``) to the fleet: its
tokens go into the fleet's shared, encrypted SQL token store (``QBO_TOKEN_KEY`` on every
worker) and its initial load is queued. ``worker`` runs jobs until stopped; run as many
as you like, on as many machines. ``fleet`` shows the fleet: realms, their state, lag and
last error, jobs queued, running and failed, and the workers alive.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qbo.cli.connection import resolve_connection
from qbo.cli.errors import EXIT_CONFIG, CommandError
from qbo.cli.mirror_access import MirrorOption, SchemaOption, opened
from qbo.cli.output import OutputFormat, OutputOption, emit

if TYPE_CHECKING:
    from qbo.sync import Mirror
    from qbo.sync.fleet import Fleet

ConcurrencyOption = Annotated[
    int, typer.Option("--concurrency", "-c", help="Jobs this worker runs at once.")
]


def _fleet(mirror: str | None, schema: str | None, **overrides: Any) -> Fleet:
    """The fleet on the PostgreSQL mirror, with the login's app when none is configured."""
    try:
        from qbo.sync.fleet import Fleet, FleetSettings
        from qbo.sync.fleet.settings import FleetConfigError
    except ImportError as exc:
        raise CommandError(
            f"the fleet needs {exc.name}: pip install 'qbo[sync,postgres]'", EXIT_CONFIG
        ) from None
    url = mirror or os.environ.get("QBO_FLEET_DATABASE") or os.environ.get("QBO_MIRROR")
    if not url:
        raise CommandError(
            "name the fleet's PostgreSQL database: --mirror postgresql+psycopg://... "
            "(or QBO_FLEET_DATABASE)",
            EXIT_CONFIG,
        )
    if not os.environ.get("QBO_CLIENT_ID"):
        conn = resolve_connection()
        if conn.credentials is not None:
            overrides.setdefault("client_id", conn.credentials.client_id)
            overrides.setdefault("client_secret", conn.credentials.client_secret)
            overrides.setdefault("environment", conn.environment)
    try:
        settings = FleetSettings.from_env(url, schema=schema, **overrides)
    except FleetConfigError as exc:
        raise CommandError(str(exc), EXIT_CONFIG) from None
    return Fleet(settings)


def connect(mirror: MirrorOption = None, mirror_schema: SchemaOption = None) -> None:
    """Add the logged-in company to the fleet and queue its initial load."""
    conn = resolve_connection()
    if conn.token_store is None:
        raise CommandError("connect needs a login (qbo auth login), not QBO_ACCESS_TOKEN", 3)
    token = conn.token_store.load(conn.realm_id)
    if token is None:
        raise CommandError(f"no tokens for company {conn.realm_id}: run qbo auth login", 3)
    fleet = _fleet(mirror, mirror_schema)
    try:
        fleet.install()
        realm_id = fleet.connect(token, conn.environment)
    finally:
        fleet.close()
    typer.echo(f"company {realm_id} joined the fleet; its initial load is queued", err=True)


def worker(
    mirror: MirrorOption = None,
    mirror_schema: SchemaOption = None,
    concurrency: ConcurrencyOption = 4,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics on this port (off by default).")
    ] = None,
    redis: Annotated[
        str | None,
        typer.Option(envvar="QBO_REDIS_URL", help="Pace through Redis instead of PostgreSQL."),
    ] = None,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Stop when no job is left (for scripts).")
    ] = False,
) -> None:
    """Run fleet jobs (loads, CDC passes, webhook processing, sweeps) until stopped."""
    from qbo.sync.fleet.logs import configure_json_logs

    if concurrency < 1:
        raise typer.BadParameter("must be at least 1", param_hint="--concurrency")
    fleet = _fleet(mirror, mirror_schema, redis_url=redis)
    configure_json_logs()
    try:
        fleet.install()
        if metrics_port is not None:
            from qbo.sync.fleet import metrics

            metrics.serve(metrics_port)
            typer.echo(f"metrics on http://127.0.0.1:{metrics_port}/metrics", err=True)
        asyncio.run(fleet.run_worker(concurrency=concurrency, wait=not until_idle))
    finally:
        fleet.close()


def fleet_status(
    mirror: MirrorOption = None, mirror_schema: SchemaOption = None, output: OutputOption = None
) -> None:
    """The fleet: realms, state, lag and last error; jobs by state; workers alive."""
    emit_fleet(mirror, mirror_schema, output)


def has_fleet(m: Mirror) -> bool:
    """Whether the mirror is a fleet's (PostgreSQL, with realms joined)."""
    from qbo.sync.fleet import registry

    if m.engine.dialect.name != "postgresql":
        return False
    with m.transaction() as conn:
        return bool(registry.all_realms(conn))


def emit_fleet(mirror: str | None, schema: str | None, output: OutputFormat | None) -> None:
    """The fleet's table: realms, state, lag, jobs, last error; workers alive in its title."""
    from qbo.sync.fleet.fleet import job_queue
    from qbo.sync.fleet.status import fleet_overview

    url = mirror or os.environ.get("QBO_FLEET_DATABASE") or os.environ.get("QBO_MIRROR")
    if not url:
        raise CommandError("name the fleet's database: --mirror postgresql+psycopg://...", 3)
    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with opened(url, schema) as m:
        overview = asyncio.run(fleet_overview(m, job_queue(conninfo, schema)))
    now = datetime.now(UTC)
    emit(
        [
            {
                "realm": r.realm_id,
                "state": r.state,
                "lag_s": None if r.last_ok is None else round((now - r.last_ok).total_seconds()),
                "queued": r.queued,
                "running": r.running,
                "failed": r.failed,
                "last_error": r.reason,
            }
            for r in overview.realms
        ],
        output,
        title=f"fleet: {overview.workers_alive} worker(s) alive",
    )


def serve_fleet_webhooks(
    mirror: str | None, schema: str | None, verifier_token: str, host: str, port: int, path: str
) -> None:
    """``qbo sync serve --fleet``: store each delivery per company and queue its job."""
    import socket

    import uvicorn

    fleet = _fleet(mirror, schema, webhook_verifier_token=verifier_token)
    try:
        fleet.install()
        sock = socket.create_server((host, port))
        typer.echo(
            f"receiving webhooks on http://{host}:{sock.getsockname()[1]}{path} "
            "(each company's events are queued for the fleet's workers)",
            err=True,
        )
        server = uvicorn.Server(
            uvicorn.Config(fleet.webhook_app(path), log_level="warning", lifespan="on")
        )
        server.run(sockets=[sock])
    finally:
        fleet.close()


def register(sync_app: typer.Typer) -> None:
    """Add the fleet's commands to ``qbo sync``."""
    sync_app.command("connect")(connect)
    sync_app.command("worker")(worker)
    sync_app.command("fleet")(fleet_status)
