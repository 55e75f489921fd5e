"""``qbo emulator webhooks faults``: make a running emulator's webhook deliveries misbehave.

Real deliveries arrive late, twice, out of order or not at all; ``set`` switches the
emulator's delivery faults on (``POST /_emulator/webhooks/faults``), ``show`` prints the
rule and how many faults it injected, ``clear`` switches them off. The values are checked
here with the emulator's own rules (``qbo.emulator.webhooks.faults``) so a bad one gets a
one-line error before any request is sent.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from qbo.cli import control_plane
from qbo.cli.control_plane import DEFAULT_URL, AdminTokenOption, UrlOption, call, present
from qbo.cli.errors import fail

app = typer.Typer(
    help="Control the emulator's webhook deliveries.",
    no_args_is_help=True,
)
faults_app = typer.Typer(
    help="Drop, duplicate, delay or reorder the emulator's webhook deliveries (seeded, bounded).",
    no_args_is_help=True,
)
app.add_typer(faults_app, name="faults")


def _faults_url(url: str) -> str:
    return control_plane.control_url(url, "/_emulator/webhooks/faults")


def _checked(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` if the emulator would accept it; else a one-line error naming the option."""
    from qbo.emulator.webhooks.faults import FIELDS, DeliveryFaultError, DeliveryFaults

    try:
        DeliveryFaults.from_json(body)
    except DeliveryFaultError as exc:
        name, _, rest = str(exc).partition(" ")
        option = "--" + name.replace("_", "-") if name in FIELDS else name
        raise fail(f"{option} {rest}", 2) from None
    return body


@faults_app.command("set")
def set_faults(
    drop: Annotated[
        float | None,
        typer.Option("--drop", help="Chance (0 to 1) a delivery is never sent (marked failed)."),
    ] = None,
    duplicate: Annotated[
        float | None,
        typer.Option("--duplicate", help="Chance (0 to 1) a delivery is sent twice."),
    ] = None,
    delay: Annotated[
        float | None,
        typer.Option(
            "--delay", help="Chance (0 to 1) a delivery is held back, so later ones overtake it."
        ),
    ] = None,
    delay_seconds: Annotated[
        float | None,
        typer.Option(
            "--delay-seconds",
            help="How long a delayed delivery waits (real time, 0-3600; default 1).",
        ),
    ] = None,
    reorder: Annotated[
        bool,
        typer.Option("--reorder", help="Shuffle the deliveries due in one pass."),
    ] = False,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the decisions (repeatable runs).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Inject at most this many faults.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    admin_token: AdminTokenOption = None,
) -> None:
    """Replace the delivery fault rule; prints it as JSON. Options left out are off."""
    body = present(
        drop=drop,
        duplicate=duplicate,
        delay=delay,
        delay_seconds=delay_seconds,
        reorder=reorder,
        seed=seed,
        limit=limit,
    )
    control_plane.echo_json(call("POST", _faults_url(url), admin_token, _checked(body)))


@faults_app.command("show")
def show(url: UrlOption = DEFAULT_URL, admin_token: AdminTokenOption = None) -> None:
    """Print the delivery fault rule and how many faults it has injected."""
    control_plane.echo_json(call("GET", _faults_url(url), admin_token))


@faults_app.command("clear")
def clear(url: UrlOption = DEFAULT_URL, admin_token: AdminTokenOption = None) -> None:
    """Switch delivery faults off; deliveries are sent normally again."""
    control_plane.echo_json(call("DELETE", _faults_url(url), admin_token))
