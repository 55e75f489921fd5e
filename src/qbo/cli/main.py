"""``qbo``: run the emulator (and, in later versions, connect, query, report and sync)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    help="QuickBooks Online toolkit: client, emulator, sync.",
    no_args_is_help=True,
    add_completion=False,
)
emulator_app = typer.Typer(
    help="Run and control the local QuickBooks Online emulator.", no_args_is_help=True
)
app.add_typer(emulator_app, name="emulator")


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
        str, typer.Option(help="none: accept any bearer token (local experiments only).")
    ] = "none",
    admin_token: Annotated[
        str | None,
        typer.Option(
            help="Require this bearer token on /_emulator (and allow non-loopback callers).",
            envvar="QBO_EMULATOR_ADMIN_TOKEN",
        ),
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request to stderr.")] = False,
) -> None:
    """Serve the emulator. Prints {"base_url", "realms"} as one JSON line on stdout, logs on stderr."""
    from qbo.emulator.config import AuthMode, EmulatorConfig
    from qbo.emulator.seeds import check_seed
    from qbo.emulator.server import serve as run

    try:
        check_seed(seed)
        mode = AuthMode(auth)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if not 0 <= port <= 65535:
        raise typer.BadParameter("port must be between 0 and 65535")
    run(
        EmulatorConfig(db=db, seed=seed, auth=mode, admin_token=admin_token),
        host=host,
        port=port,
        access_log=access_log,
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
