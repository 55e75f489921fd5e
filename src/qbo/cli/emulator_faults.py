"""``qbo emulator faults``: inject failures into a running emulator; serve's surface options.

``add`` / ``list`` / ``clear`` are a thin shell over the control plane (``/_emulator/faults``,
see ``qbo.emulator.faults`` for what a rule means). ``surface_config`` turns
``qbo emulator serve``'s throttle and latency options into ``EmulatorConfig`` fields.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from qbo.cli import control_plane
from qbo.cli.control_plane import DEFAULT_URL, AdminTokenOption, UrlOption, call, present

app = typer.Typer(
    help="Inject failures (error statuses, connection resets, latency) into a running emulator.",
    no_args_is_help=True,
)


def _faults_url(url: str) -> str:
    return control_plane.control_url(url, "/_emulator/faults")


@app.command("add")
def add(
    kind: Annotated[str, typer.Option("--kind", help="status, reset or latency.")],
    status: Annotated[
        int | None, typer.Option("--status", help="For kind=status: 429, 500, 502, 503 or 504.")
    ] = None,
    when: Annotated[
        str,
        typer.Option(
            "--when",
            help="before_commit: the request is not processed; after_commit: it commits, then fails.",
        ),
    ] = "before_commit",
    realm: Annotated[str | None, typer.Option("--realm", help="Only this company.")] = None,
    method: Annotated[str | None, typer.Option("--method", help="Only GET or POST ...")] = None,
    path_prefix: Annotated[
        str | None,
        typer.Option(
            "--path-prefix",
            help="Only API paths starting so (invoice, batch, query); a leading / matches the whole URL path.",
        ),
    ] = None,
    probability: Annotated[
        float | None, typer.Option("--probability", help="Chance of firing, 0 < p <= 1.")
    ] = None,
    count: Annotated[int | None, typer.Option("--count", help="Fire at most this often.")] = None,
    latency_ms: Annotated[
        int | None, typer.Option("--latency-ms", help="For kind=latency: the added delay.")
    ] = None,
    retry_after: Annotated[
        float | None, typer.Option("--retry-after", help="For status 429: a Retry-After header.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the rule's random source.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    admin_token: AdminTokenOption = None,
) -> None:
    """Add a fault rule; prints it (with its id) as JSON."""
    body: dict[str, Any] = {"kind": kind, "when": when}
    match = present(method=method, path_prefix=path_prefix)
    if match:
        body["match"] = match
    body |= present(
        status=status,
        realm=realm,
        probability=probability,
        count=count,
        latency_ms=latency_ms,
        retry_after=retry_after,
        seed=seed,
    )
    control_plane.echo_json(call("POST", _faults_url(url), admin_token, body))


@app.command("list")
def list_faults(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    url: UrlOption = DEFAULT_URL,
    admin_token: AdminTokenOption = None,
) -> None:
    """List the fault rules and how often each fired."""
    rules = call("GET", _faults_url(url), admin_token)
    if as_json:
        control_plane.echo_json(rules)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "kind", "when", "realm", "match", "probability", "remaining", "fired")
    for rule in rules:
        what = rule["kind"]
        if rule.get("status") is not None:
            what += f" {rule['status']}"
        if rule.get("latency_ms") is not None:
            what += f" {rule['latency_ms']} ms"
        match = " ".join(f"{k}={v}" for k, v in rule["match"].items()) or "*"
        remaining = "∞" if rule["remaining"] is None else str(rule["remaining"])
        table.add_row(
            rule["id"],
            what,
            rule["when"],
            rule["realm"] or "*",
            match,
            f"{rule['probability']:g}",
            remaining,
            str(rule["fired"]),
        )
    Console().print(table)


@app.command("clear")
def clear(
    fault_id: Annotated[
        str | None, typer.Argument(help="The rule to remove (default: every rule).")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    admin_token: AdminTokenOption = None,
) -> None:
    """Remove one fault rule, or all of them."""
    target = _faults_url(url) + (f"/{fault_id}" if fault_id else "")
    result = call("DELETE", target, admin_token)
    typer.echo(json.dumps(result))


def surface_config(
    throttle: str,
    limits: str | None,
    retry_after: float | None,
    throttle_xml: bool,
    latency: str,
    latency_seed: int,
) -> dict[str, Any]:
    """``EmulatorConfig`` fields from ``qbo emulator serve``'s options (BadParameter if wrong)."""
    from qbo.emulator.latency import PROFILES
    from qbo.emulator.throttle import LimitsError, ThrottleSettings, parse_limits

    if throttle not in ("on", "off"):
        raise typer.BadParameter("--throttle must be on or off")
    if latency not in PROFILES:
        raise typer.BadParameter(f"--latency must be one of {', '.join(PROFILES)}")
    if retry_after is not None and not 0 <= retry_after <= 86_400:
        raise typer.BadParameter("--retry-after must be between 0 and 86400 seconds")
    try:
        parsed = parse_limits(limits or "")
    except LimitsError as exc:
        raise typer.BadParameter(f"--limits: {exc}") from None
    settings = ThrottleSettings(
        enabled=throttle == "on", limits=parsed, retry_after=retry_after, xml=throttle_xml
    )
    return {"throttle": settings, "latency": latency, "latency_seed": latency_seed}
