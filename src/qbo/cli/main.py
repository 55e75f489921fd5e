"""``qbo``: connect a company, query, write and report on it, and run the emulator.

Global options (``--profile``, ``--env``, ``--base-url``, ``--realm``) choose the company
for every command; ``--debug`` shows tracebacks instead of one-line errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from qbo.cli import (
    auth_commands,
    data_commands,
    emulator_apps,
    emulator_faults,
    emulator_webhooks,
    fleet_commands,
    sync_commands,
    webhooks_commands,
)
from qbo.cli.connection import OPTIONS
from qbo.cli.control_plane import DEFAULT_URL
from qbo.cli.errors import DEBUG, ReportingGroup

app = typer.Typer(
    cls=ReportingGroup,
    help="QuickBooks Online toolkit: connect, query, create, report, sync; run the emulator.",
    no_args_is_help=True,
    context_settings={"max_content_width": 80, "help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
emulator_app = typer.Typer(
    help="Run and control the local QuickBooks Online emulator.", no_args_is_help=True
)
app.add_typer(auth_commands.app, name="auth")
data_commands.register(app)
app.add_typer(webhooks_commands.app, name="webhooks")
app.add_typer(sync_commands.app, name="sync")
fleet_commands.register(sync_commands.app)
app.add_typer(emulator_app, name="emulator")
emulator_app.add_typer(emulator_apps.app, name="apps")
emulator_app.add_typer(emulator_faults.app, name="faults")
emulator_app.add_typer(emulator_webhooks.app, name="webhooks")


def _version(value: bool) -> None:
    if value:
        from qbo import __version__

        typer.echo(f"qbo {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    profile: Annotated[
        str | None,
        typer.Option(envvar="QBO_PROFILE", help="Saved login to use (default: default)."),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option("--env", envvar="QBO_ENV", help="production or sandbox."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(envvar="QBO_BASE_URL", help="API root of an emulator (instead of --env)."),
    ] = None,
    realm: Annotated[
        str | None, typer.Option(envvar="QBO_REALM", help="Company id (default: the login's).")
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """QuickBooks Online from the shell: log in once, then query, write and report."""
    if env is not None and env not in ("production", "sandbox"):
        raise typer.BadParameter("use production or sandbox (or --base-url)", param_hint="--env")
    OPTIONS.profile, OPTIONS.environment, OPTIONS.base_url, OPTIONS.realm = (
        profile,
        env,
        base_url,
        realm,
    )
    DEBUG["on"] = debug


@emulator_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 8555,
    db: Annotated[
        str | None,
        typer.Option(
            help="SQLite path, :memory:, or an SQLAlchemy URL (postgresql+psycopg://...). Default: ./.qbo/emulator.db"
        ),
    ] = None,
    seed: Annotated[
        str,
        typer.Option(
            help="Seed of the first realm when the database is new: empty, demo or large:N."
        ),
    ] = "demo",
    auth: Annotated[
        str,
        typer.Option(
            help="oauth: /v3 needs a bearer token from the emulator's OAuth server; none: accept any (local experiments only)."
        ),
    ] = "oauth",
    admin_token: Annotated[
        str | None,
        typer.Option(
            help="Require this bearer token on /_emulator (and allow non-loopback callers).",
            envvar="QBO_EMULATOR_ADMIN_TOKEN",
        ),
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            help="Also serve requests whose Host is this name (repeatable; * serves any). Loopback, IP literals and single-label names are always served."
        ),
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request to stderr.")] = False,
    throttle: Annotated[
        str,
        typer.Option(help="on: enforce QBO's request limits (429 code 3001); off: never throttle."),
    ] = "on",
    limits: Annotated[
        str | None,
        typer.Option(
            help="Override limits: per_minute=500,per_second=10,concurrent=10,batch_per_minute=40,batch_per_minute_realm=120,window_scale=1.0"
        ),
    ] = None,
    retry_after: Annotated[
        float | None, typer.Option(help="Send Retry-After (seconds) with 429s (QBO sends none).")
    ] = None,
    throttle_xml: Annotated[
        bool, typer.Option(help="Answer 429 in XML, as real QBO sometimes does.")
    ] = False,
    latency: Annotated[
        str, typer.Option(help="Response times: none, or realistic (QBO-like, 150-1000 ms).")
    ] = "none",
    latency_seed: Annotated[int, typer.Option(help="Seed of the realistic latency jitter.")] = 0,
    webhook_window: Annotated[
        float, typer.Option(help="Seconds events are gathered into one webhook delivery.")
    ] = 5.0,
    webhook_timeout: Annotated[
        float, typer.Option(help="Seconds a webhook endpoint has to answer.")
    ] = 3.0,
    webhook_retry_factor: Annotated[
        float,
        typer.Option(help="Scales QBO's webhook retry schedule (10 s, 20 s, 30 s, 5 min, ...)."),
    ] = 1.0,
    webhook_max_attempts: Annotated[
        int, typer.Option(help="Attempts before a webhook delivery is given up.")
    ] = 12,
    max_upload_mb: Annotated[
        float, typer.Option(help="Largest file /upload accepts, in MB (QBO: 100).")
    ] = 100.0,
    tls: Annotated[
        bool, typer.Option("--tls", help="Serve HTTPS with a local CA made on first use.")
    ] = False,
    tls_dir: Annotated[
        str,
        typer.Option(envvar="QBO_TLS_DIR", help="Where the local CA and certificate are kept."),
    ] = ".qbo/tls",
) -> None:
    """Serve the emulator. Prints {"base_url", "realms"} as one JSON line on stdout, logs on stderr."""
    from qbo.emulator.config import AuthMode, EmulatorConfig
    from qbo.emulator.seeds import check_seed
    from qbo.emulator.server import serve as run

    try:
        check_seed(seed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--seed") from None
    if auth not in {m.value for m in AuthMode}:
        choices = ", ".join(m.value for m in AuthMode)
        raise typer.BadParameter(f"{auth!r} is not one of: {choices}", param_hint="--auth")
    mode = AuthMode(auth)
    if not 0 <= port <= 65535:
        raise typer.BadParameter("must be between 0 and 65535", param_hint="--port")
    files = None
    if tls:
        from qbo.emulator.tls import ensure_tls

        files = ensure_tls(tls_dir, host)
    run(
        EmulatorConfig(
            db=db,
            seed=seed,
            auth=mode,
            admin_token=admin_token,
            allowed_hosts=(host, *(allowed_host or [])),
            **emulator_faults.surface_config(
                throttle, limits, retry_after, throttle_xml, latency, latency_seed
            ),
            **outbound_config(
                webhook_window,
                webhook_timeout,
                webhook_retry_factor,
                webhook_max_attempts,
                max_upload_mb,
            ),
        ),
        host=host,
        port=port,
        access_log=access_log,
        tls=files,
    )


@emulator_app.command("openapi")
def openapi(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    base_url: Annotated[
        str, typer.Option(help="The server URL the description names (where the emulator runs).")
    ] = DEFAULT_URL,
) -> None:
    """Print the emulator's OpenAPI 3.1 description (no server needed): for client generators and API explorers."""
    from qbo.emulator.http.app import served_routes
    from qbo.emulator.http.openapi import document

    text = json.dumps(document(served_routes(), base_url), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def outbound_config(
    window: float, timeout: float, retry_factor: float, max_attempts: int, max_upload_mb: float
) -> dict[str, Any]:
    """The webhook and upload settings of ``serve``, checked."""
    if window < 0:
        raise typer.BadParameter("--webhook-window must be 0 or more seconds")
    if timeout <= 0:
        raise typer.BadParameter("--webhook-timeout must be more than 0 seconds")
    if retry_factor < 0:
        raise typer.BadParameter("--webhook-retry-factor must be 0 or more")
    if max_attempts < 1:
        raise typer.BadParameter("--webhook-max-attempts must be at least 1")
    if max_upload_mb <= 0:
        raise typer.BadParameter("--max-upload-mb must be more than 0")
    return {
        "webhook_window": window,
        "webhook_timeout": timeout,
        "webhook_retry_factor": retry_factor,
        "webhook_max_attempts": max_attempts,
        "max_upload_bytes": int(max_upload_mb * 1024 * 1024),
    }


def main() -> None:
    app()


if __name__ == "__main__":
    main()
