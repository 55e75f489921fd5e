"""``qbo sync``: mirror the company into SQLite or PostgreSQL and keep it current.

``init`` creates (or upgrades) the mirror, ``run`` does one pass (the initial load, or
the changes since the last pass) with a progress bar per entity, ``serve`` receives
webhooks into the mirror, ``watch`` does both (webhooks plus a CDC sweep every
``--interval`` seconds) with a live status line, ``status`` shows each entity's rows,
tombstones, cursor, lag and last error, and ``reset`` starts the company over. The
company and its tokens come from ``qbo auth login`` (or the global options), like every
other command.
"""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qbo.cli.connection import open_async_client, resolve_connection
from qbo.cli.errors import EXIT_CONFIG, EXIT_FAILED, CommandError
from qbo.cli.fleet_commands import emit_fleet, has_fleet, serve_fleet_webhooks
from qbo.cli.mirror_access import MirrorOption, SchemaOption, opened
from qbo.cli.output import OutputFormat, OutputOption, chosen, emit

if TYPE_CHECKING:
    from qbo.client import AsyncClient
    from qbo.sync import Mirror, PassReport, Progress

app = typer.Typer(
    help="Mirror the company into SQLite or PostgreSQL (webhooks + CDC).", no_args_is_help=True
)


def _client() -> AsyncClient:
    return open_async_client(resolve_connection())


@app.command()
def init(mirror: MirrorOption = None, mirror_schema: SchemaOption = None) -> None:
    """Create the mirror's tables (or upgrade an older mirror)."""
    from qbo.sync.schema_version import current

    with opened(mirror, mirror_schema) as m:
        typer.echo(f"mirror ready at schema revision {current(m.engine)}")


class ProgressBars:
    """Rich progress bars (on stderr), one per entity: objects, requests, ETA."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[requests]} requests"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.tasks: dict[str, Any] = {}

    def __call__(self, p: Progress) -> None:
        key = f"{p.phase} {p.entity}"
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(key, total=p.total, requests=0)
        task = self.tasks[key]
        total = p.total if p.total is not None else None
        if p.done:
            total = p.objects
        self.progress.update(task, completed=p.objects, total=total, requests=p.requests)


def _summary(report: PassReport) -> dict[str, Any]:
    return {
        "realm": report.realm_id,
        "created": report.changes["created"],
        "updated": report.changes["updated"],
        "deleted": report.changes["deleted"],
        "merged": report.changes["merged"],
        "requests": report.requests,
        "loaded": len(report.loaded),
        "reloaded": ", ".join(report.reloaded),
        "errors": "; ".join(f"{k}: {v}" for k, v in report.errors.items()),
    }


@app.command()
def run(
    mirror: MirrorOption = None,
    mirror_schema: SchemaOption = None,
    entities: Annotated[
        str | None, typer.Option(help="Comma-separated entities (default: every one).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars on stderr.")] = True,
    output: OutputOption = None,
) -> None:
    """One pass: the initial load, or every change since the last pass."""
    from qbo.sync import Syncer

    names = [e.strip() for e in entities.split(",") if e.strip()] if entities else None
    with opened(mirror, mirror_schema) as m:
        bars = ProgressBars() if progress else None

        async def go() -> PassReport:
            async with _client() as client:
                syncer = Syncer(m, client, entities=names, on_progress=bars)
                return await syncer.run_once()

        if bars is not None:
            with bars.progress:
                report = asyncio.run(go())
        else:
            report = asyncio.run(go())
    emit([_summary(report)], output)
    if report.stopped is not None:
        raise CommandError(f"realm {report.realm_id} stopped: {report.stopped}", EXIT_FAILED)
    if report.errors:
        raise CommandError("some entities failed: " + _summary(report)["errors"], EXIT_FAILED)


@app.command()
def status(
    mirror: MirrorOption = None, mirror_schema: SchemaOption = None, output: OutputOption = None
) -> None:
    """Per realm and entity: rows, tombstones, cursor, lag and last error."""
    from qbo.sync.status import realm_ids, realm_status

    records: list[dict[str, Any]] = []
    with opened(mirror, mirror_schema) as m:
        for realm_id in realm_ids(m):
            realm = realm_status(m, realm_id)
            for e in realm.entities:
                records.append(
                    {
                        "realm": realm_id,
                        "state": realm.state,
                        "entity": e.entity,
                        "phase": e.phase,
                        "rows": e.rows,
                        "tombstones": e.tombstones,
                        "cursor": e.cursor,
                        "lag_s": None if e.lag_seconds is None else round(e.lag_seconds),
                        "last_error": e.last_error or realm.last_error,
                        "note": e.note,
                    }
                )
        fleet = has_fleet(m)
    if not records:
        typer.echo("the mirror holds no company yet: run qbo sync run", err=True)
    emit(records, output, title="mirror status")
    if fleet and chosen(output) is OutputFormat.table:  # machine output: qbo sync fleet
        emit_fleet(mirror, mirror_schema, output)


@app.command()
def reset(
    mirror: MirrorOption = None,
    mirror_schema: SchemaOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Forget the company's mirror (and a stopped state): the next run loads it again."""
    from qbo.sync.reset import reset_realm

    realm_id = resolve_connection().realm_id
    if not yes:
        typer.confirm(f"Remove every mirrored object of realm {realm_id}?", abort=True)
    with opened(mirror, mirror_schema) as m:
        removed = reset_realm(m, realm_id)
    typer.echo(f"realm {realm_id}: {removed} objects removed; the next run loads it again")


VerifierOption = Annotated[
    str | None,
    typer.Option(
        envvar="QBO_WEBHOOK_VERIFIER_TOKEN",
        help="The app's webhook verifier token (webhooks are received only with it).",
        show_default=False,
    ),
]


async def _serve(
    m: Mirror,
    verifier_token: str | None,
    host: str,
    port: int,
    path: str,
    interval: float | None,
    passes: int | None,
) -> None:
    """Receive webhooks (when a token is given), apply them, and sweep every interval."""
    import uvicorn
    from rich.console import Console

    from qbo.cli.sync_watch import status_view, watch_loop
    from qbo.sync import WebhookInbox

    console = Console(stderr=True)
    wake = asyncio.Event()
    loop = asyncio.get_running_loop()
    server: uvicorn.Server | None = None
    serving: asyncio.Task[None] | None = None
    if verifier_token:
        inbox = WebhookInbox(
            m, verifier_token, path=path, on_stored=lambda: loop.call_soon_threadsafe(wake.set)
        )
        sock = socket.create_server((host, port))
        console.print(f"receiving webhooks on http://{host}:{sock.getsockname()[1]}{path}")
        server = uvicorn.Server(uvicorn.Config(inbox, log_level="warning", lifespan="off"))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
    async with _client() as client:
        try:
            with status_view(console) as view:
                await watch_loop(m, client, view, interval=interval, passes=passes, wake=wake)
        finally:
            if server is not None and serving is not None:
                server.should_exit = True
                await serving


@app.command()
def serve(
    verifier_token: VerifierOption = None,
    mirror: MirrorOption = None,
    mirror_schema: SchemaOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 8771,
    path: Annotated[str, typer.Option(help="Path deliveries are posted to.")] = "/webhooks",
    fleet: Annotated[
        bool,
        typer.Option(
            "--fleet", help="Only store and queue each company's job (fleet workers apply them)."
        ),
    ] = False,
) -> None:
    """Receive webhooks into the mirror (verified, stored, then applied)."""
    if not verifier_token:
        raise CommandError("serve needs --verifier-token (QBO_WEBHOOK_VERIFIER_TOKEN)", EXIT_CONFIG)
    if fleet:
        serve_fleet_webhooks(mirror, mirror_schema, verifier_token, host, port, path)
        return
    with opened(mirror, mirror_schema) as m:
        asyncio.run(_serve(m, verifier_token, host, port, path, None, None))


@app.command()
def watch(
    verifier_token: VerifierOption = None,
    mirror: MirrorOption = None,
    mirror_schema: SchemaOption = None,
    interval: Annotated[float, typer.Option(help="Seconds between CDC sweeps.")] = 300.0,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 8771,
    path: Annotated[str, typer.Option(help="Path deliveries are posted to.")] = "/webhooks",
    passes: Annotated[
        int | None, typer.Option(help="Stop after this many sweeps (default: until Ctrl-C).")
    ] = None,
) -> None:
    """Webhooks plus a periodic CDC sweep, continuously, with a live status line
    (a line per event when the output is not a terminal)."""
    if interval <= 0:
        raise CommandError("--interval must be more than 0 seconds", EXIT_CONFIG)
    with opened(mirror, mirror_schema) as m:
        asyncio.run(_serve(m, verifier_token, host, port, path, interval, passes))
