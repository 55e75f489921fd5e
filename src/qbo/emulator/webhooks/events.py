"""Webhook events, read from the change log, and the two payload formats QBO sends.

Every change is written to the ``changes`` table in the same transaction as the change
itself, so deriving events from it loses none: an event exists exactly when its change
was committed. One change is one event (QBO does not promise to merge an object's events
within a batch either).

Legacy payload::

    {"eventNotifications": [{"realmId": "...", "dataChangeEvent": {"entities": [
        {"name": "Customer", "id": "43", "operation": "Create",
         "lastUpdated": "2016-10-05T03:07:04.000Z"}]}}]}

CloudEvents payload (a JSON array)::

    [{"specversion": "1.0", "id": "...", "source": "intuit....", "type":
      "qbo.customer.created.v1", "datacontenttype": "application/json", "time": "...Z",
      "intuitentityid": "43", "intuitaccountid": "...", "data": {}}]

A Merge carries the removed object's id: ``deletedId`` in the legacy entity and in the
CloudEvent's ``data``. Times are the change's time on the emulator clock, in UTC.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: Entities QBO sends webhooks for (Intuit's webhooks reference).
WEBHOOK_ENTITIES = frozenset(
    {
        "Account",
        "Bill",
        "BillPayment",
        "Budget",
        "Class",
        "CompanyCurrency",
        "CreditMemo",
        "Customer",
        "Department",
        "Deposit",
        "Employee",
        "Estimate",
        "Invoice",
        "Item",
        "JournalCode",
        "JournalEntry",
        "Payment",
        "PaymentMethod",
        "Preferences",
        "Purchase",
        "PurchaseOrder",
        "RefundReceipt",
        "SalesReceipt",
        "TaxAgency",
        "Term",
        "TimeActivity",
        "Transfer",
        "Vendor",
        "VendorCredit",
    }
)
#: Intuit's webhooks reference lists the currency list as "Currency"; the REST entity is
#: CompanyCurrency. Events use the webhooks name.
EVENT_NAMES = {"CompanyCurrency": "Currency"}
#: Change-log operations and the CloudEvents verb of each.
VERBS = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Merge": "merged",
    "Void": "voided",
    "Emailed": "emailed",
}
LEGACY_TYPE = "application/json"
CLOUDEVENTS_TYPE = "application/cloudevents+json"
_ID_NAMESPACE = uuid.UUID("5c0f0b8e-6f1e-4c55-9d0e-2f4f2b0c9a11")


@dataclass(frozen=True)
class Event:
    """One row of the change log that a webhook reports."""

    seq: int
    realm_id: str
    entity: str
    entity_id: str
    operation: str
    changed_ms: int
    deleted_id: str | None = None

    @property
    def name(self) -> str:
        return EVENT_NAMES.get(self.entity, self.entity)


def utc_time(epoch_ms: int) -> str:
    """``2016-10-05T03:07:04.000Z``."""
    at = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def legacy_payload(events: Sequence[Event]) -> bytes:
    """One ``eventNotifications`` entry per realm, realms in order of first event."""
    by_realm: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        entity: dict[str, Any] = {
            "name": event.name,
            "id": event.entity_id,
            "operation": event.operation,
            "lastUpdated": utc_time(event.changed_ms),
        }
        if event.deleted_id is not None:
            entity["deletedId"] = event.deleted_id
        by_realm.setdefault(event.realm_id, []).append(entity)
    return _compact(
        {
            "eventNotifications": [
                {"realmId": realm, "dataChangeEvent": {"entities": entities}}
                for realm, entities in by_realm.items()
            ]
        }
    )


def source_of(app_id: str) -> str:
    """The CloudEvents ``source``: Intuit sends ``intuit.<opaque base64>``, one per app."""
    return "intuit." + base64.b64encode(hashlib.sha256(app_id.encode()).digest()).decode()


def event_id(app_id: str, event: Event) -> str:
    """Unique per event and app, and the same on every retry (the payload is stored)."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{app_id}:{event.realm_id}:{event.seq}"))


def cloudevents_payload(app_id: str, events: Sequence[Event]) -> bytes:
    source = source_of(app_id)
    out = []
    for event in events:
        data: dict[str, Any] = {}
        if event.deleted_id is not None:
            data["deletedId"] = event.deleted_id
        out.append(
            {
                "specversion": "1.0",
                "id": event_id(app_id, event),
                "source": source,
                "type": f"qbo.{event.name.lower()}.{VERBS[event.operation]}.v1",
                "datacontenttype": "application/json",
                "time": utc_time(event.changed_ms),
                "intuitentityid": event.entity_id,
                "intuitaccountid": event.realm_id,
                "data": data,
            }
        )
    return _compact(out)


def payload(app_id: str, fmt: str, events: Sequence[Event]) -> tuple[bytes, str]:
    """The body and its Content-Type in the app's format (``cloudevents`` or ``legacy``)."""
    if fmt == "legacy":
        return legacy_payload(events), LEGACY_TYPE
    return cloudevents_payload(app_id, events), CLOUDEVENTS_TYPE


def content_type(fmt: str) -> str:
    return LEGACY_TYPE if fmt == "legacy" else CLOUDEVENTS_TYPE
