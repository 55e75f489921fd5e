"""Webhooks: signed notifications of changes, sent to each app's endpoint.

>>> from qbo.emulator.webhooks import webhooks_for
>>> dispatcher = webhooks_for(emulator)
>>> dispatcher.start()                      # background delivery (``qbo emulator serve``)
>>> await dispatcher.run_once(force=True)   # or one pass, now (tests)

See :mod:`.dispatcher` for how events become deliveries, :mod:`.events` for the payload
formats, :mod:`.schedule` for retries and :mod:`.signature` for ``intuit-signature``.
"""

from __future__ import annotations

from qbo.emulator.core import Emulator
from qbo.emulator.oauth.registry import attached
from qbo.emulator.webhooks.dispatcher import PassReport, WebhookDispatcher
from qbo.emulator.webhooks.signature import sign, verify
from qbo.emulator.webhooks.targets import WebhookTarget, webhook_targets


def webhooks_for(emulator: Emulator) -> WebhookDispatcher:
    """The webhook dispatcher of this emulator (made on first use, not started)."""
    return attached(
        emulator,
        "webhooks",
        lambda: WebhookDispatcher(emulator.store, emulator.config),
    )


__all__ = [
    "PassReport",
    "WebhookDispatcher",
    "WebhookTarget",
    "sign",
    "verify",
    "webhook_targets",
    "webhooks_for",
]
