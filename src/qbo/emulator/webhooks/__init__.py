"""Webhooks: signed notifications of changes, sent to each app's endpoint.

>>> from qbo.emulator.webhooks import webhooks_for
>>> dispatcher = webhooks_for(emulator)
>>> dispatcher.start()                      # background delivery (``qbo emulator serve``)
>>> await dispatcher.run_once(force=True)   # or one pass, now (tests)

See :mod:`.dispatcher` for how events become deliveries, :mod:`.events` for the payload
formats, :mod:`.schedule` for retries and :mod:`.signature` for ``intuit-signature``.
"""

from __future__ import annotations

from typing import Protocol

from qbo.emulator.webhooks.dispatcher import PassReport, WebhookDispatcher
from qbo.emulator.webhooks.signature import sign, verify
from qbo.emulator.webhooks.targets import WebhookTarget, webhook_targets


class HasWebhooks(Protocol):
    """An emulator (``qbo.emulator.core.Emulator`` owns its dispatcher)."""

    @property
    def webhooks(self) -> WebhookDispatcher: ...


def webhooks_for(emulator: HasWebhooks) -> WebhookDispatcher:
    """The webhook dispatcher of this emulator (made on first use, not started)."""
    return emulator.webhooks


__all__ = [
    "PassReport",
    "WebhookDispatcher",
    "WebhookTarget",
    "sign",
    "verify",
    "webhook_targets",
    "webhooks_for",
]
