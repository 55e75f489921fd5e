"""What the ``qbo emulator ...`` commands share: options and calls to the control plane."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

DEFAULT_URL = "http://127.0.0.1:8555"
UrlOption = Annotated[
    str,
    typer.Option(
        "--url",
        envvar="QBO_EMULATOR_URL",
        help="The emulator's base URL (qbo emulator serve's default address).",
    ),
]
AdminTokenOption = Annotated[
    str | None,
    typer.Option(
        "--admin-token",
        help="The emulator's admin token, when it was started with one.",
        envvar="QBO_EMULATOR_ADMIN_TOKEN",
    ),
]


def control_url(base_url: str, path: str) -> str:
    """The URL of a control-plane ``path`` (``/_emulator/...``) on the emulator at ``base_url``."""
    return base_url.rstrip("/") + path


def echo_json(data: Any) -> None:
    """A control-plane answer on standard output, as indented JSON."""
    typer.echo(json.dumps(data, indent=2))


def call(method: str, url: str, admin_token: str | None, body: Any = None) -> Any:
    """One control-plane request; its JSON, or a clear message and exit code 1."""
    import httpx  # imported here so `qbo --help` stays fast

    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    try:
        response = httpx.request(method, url, json=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        typer.echo(f"error: cannot reach the emulator at {url}: {type(exc).__name__}", err=True)
        raise typer.Exit(1) from None
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 400:
        message = data.get("error") if isinstance(data, dict) else None
        typer.echo(
            f"error: HTTP {response.status_code}: {message or response.text[:200]}", err=True
        )
        raise typer.Exit(1)
    return data


def present(**values: Any) -> dict[str, Any]:
    """The options that were given (not None), as a control-plane request body."""
    return {key: value for key, value in values.items() if value is not None}
