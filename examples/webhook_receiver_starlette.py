"""Receive QuickBooks webhooks in a Starlette (or FastAPI) app.

``WebhookReceiver`` checks the intuit-signature header, answers 200 at once and hands
each event to your code afterwards (Intuit wants an answer within seconds). Events can
come late, twice or out of order: make the handler idempotent (``event.event_id``).

    QBO_WEBHOOK_VERIFIER_TOKEN=... python webhook_receiver_starlette.py   # port 8000

Mount it in FastAPI the same way: ``app.mount("/hooks/qbo", receiver)``.
"""

import os

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from qbo.client.webhooks import WebhookEvent, WebhookReceiver


async def on_event(event: WebhookEvent) -> None:
    print(f"{event.realm_id} {event.entity} {event.entity_id} {event.operation}", flush=True)


receiver = WebhookReceiver(os.environ["QBO_WEBHOOK_VERIFIER_TOKEN"], on_event, path="/")
app = Starlette(routes=[Mount("/hooks/qbo", app=receiver)])

if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"listening on http://127.0.0.1:{port}/hooks/qbo/", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
