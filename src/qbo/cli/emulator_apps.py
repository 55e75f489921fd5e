"""``qbo emulator apps``: register and list OAuth apps on a running emulator.

A thin shell over the control plane (``POST`` / ``GET /_emulator/apps``): the command
prints the server's JSON, so a script can read the client id and secret from stdout.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from qbo.cli import control_plane
from qbo.cli.control_plane import DEFAULT_URL, AdminTokenOption, UrlOption, call

app = typer.Typer(help="Register and list OAuth apps of a running emulator.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="The app's name, shown on the consent page.")],
    redirect_uri: Annotated[
        list[str],
        typer.Option("--redirect-uri", help="A redirect URI the app may use (repeatable)."),
    ],
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="A scope the app may ask for (repeatable; default: all)."),
    ] = None,
    auto_approve: Annotated[
        bool,
        typer.Option(
            "--auto-approve",
            help="Skip the consent page: approve at once for the first user and company.",
        ),
    ] = False,
    webhook_url: Annotated[
        str | None, typer.Option("--webhook-url", help="Where webhooks will be delivered.")
    ] = None,
    webhook_format: Annotated[
        str, typer.Option("--webhook-format", help="cloudevents (default) or legacy.")
    ] = "cloudevents",
    url: UrlOption = DEFAULT_URL,
    admin_token: AdminTokenOption = None,
) -> None:
    """Register an app; prints {"client_id", "client_secret", "verifier_token", ...} as JSON."""
    body: dict[str, Any] = {
        "name": name,
        "redirect_uris": redirect_uri,
        "auto_approve": auto_approve,
        "webhook_format": webhook_format,
    }
    if scope:
        body["scopes"] = scope
    if webhook_url is not None:
        body["webhook_url"] = webhook_url
    control_plane.echo_json(
        call("POST", control_plane.control_url(url, "/_emulator/apps"), admin_token, body)
    )


@app.command("list")
def list_apps(url: UrlOption = DEFAULT_URL, admin_token: AdminTokenOption = None) -> None:
    """List the registered apps as JSON (without secrets)."""
    control_plane.echo_json(
        call("GET", control_plane.control_url(url, "/_emulator/apps"), admin_token)
    )
