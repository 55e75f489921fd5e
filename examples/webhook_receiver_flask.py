"""Receive QuickBooks webhooks in Flask: verify the signature, parse, answer 200.

Check the signature on the raw body before anything else; answer fast and do the work
later (a queue, a thread, a task runner). Both payload formats (the legacy
``eventNotifications`` and CloudEvents) parse into the same ``WebhookEvent``.

    QBO_WEBHOOK_VERIFIER_TOKEN=... python webhook_receiver_flask.py   # port 8000
"""

import os

from flask import Flask, request

from qbo.client.webhooks import (
    SIGNATURE_HEADER,
    WebhookPayloadError,
    parse_events,
    verify_signature,
)

app = Flask(__name__)
VERIFIER_TOKEN = os.environ["QBO_WEBHOOK_VERIFIER_TOKEN"]


@app.post("/hooks/qbo")
def qbo_webhook() -> tuple[str, int]:
    body = request.get_data()
    if not verify_signature(body, request.headers.get(SIGNATURE_HEADER), VERIFIER_TOKEN):
        return "bad signature", 401
    try:
        events = parse_events(body)
    except WebhookPayloadError:
        return "bad payload", 400
    for event in events:  # in a real app: enqueue, and return at once
        print(f"{event.realm_id} {event.entity} {event.entity_id} {event.operation}", flush=True)
    return "", 200


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"listening on http://127.0.0.1:{port}/hooks/qbo", flush=True)
    app.run(host="127.0.0.1", port=port)
