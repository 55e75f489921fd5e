"""``qbo webhooks listen``: receive webhook deliveries, verify them, print their events.

A quick way to see what QuickBooks (or the emulator) sends: point the app's webhook URL
at the printed address. Deliveries whose ``intuit-signature`` does not match the verifier
token are refused with 401 and not printed.
"""

from __future__ import annotations

import socket
import sys
from typing import Annotated, Any

import typer

from qbo.cli.output import OutputFormat, OutputOption, chosen, emit

app = typer.Typer(help="Receive and inspect webhook deliveries.", no_args_is_help=True)


@app.command()
def listen(
    verifier_token: Annotated[
        str,
        typer.Option(
            envvar="QBO_WEBHOOK_VERIFIER_TOKEN",
            help="The app's webhook verifier token.",
            show_default=False,
        ),
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 8770,
    path: Annotated[str, typer.Option(help="Path deliveries are posted to.")] = "/webhooks",
    count: Annotated[
        int | None, typer.Option(help="Stop after this many events (default: run until Ctrl-C).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Verify deliveries and print each event as it arrives."""
    import uvicorn

    from qbo.client.webhooks import WebhookEvent, WebhookReceiver

    form = chosen(output)
    if form is OutputFormat.table:
        form = OutputFormat.jsonl  # one line per event as it comes; a table needs the end
    seen = {"events": 0}
    server: uvicorn.Server | None = None

    def show(event: WebhookEvent) -> None:
        record: dict[str, Any] = {
            "realm": event.realm_id,
            "entity": event.entity,
            "id": event.entity_id,
            "operation": str(event.operation),
            "occurred_at": event.occurred_at.isoformat() if event.occurred_at else None,
            "deleted_id": event.deleted_id,
            "event_id": event.event_id,
        }
        emit([record], form)
        sys.stdout.flush()
        seen["events"] += 1
        if count is not None and seen["events"] >= count and server is not None:
            server.should_exit = True

    receiver = WebhookReceiver(verifier_token, show, path=path)
    sock = socket.create_server((host, port))
    actual = sock.getsockname()[1]
    typer.echo(f"listening on http://{host}:{actual}{path}", err=True)
    server = uvicorn.Server(uvicorn.Config(receiver, log_level="warning", lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
