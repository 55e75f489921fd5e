"""Pure parts of webhooks: the signature (Intuit's test vector), payloads, retry schedule."""

from __future__ import annotations

import json

import pytest

from qbo.emulator.webhooks import sign, verify
from qbo.emulator.webhooks.events import Event, cloudevents_payload, legacy_payload, payload
from qbo.emulator.webhooks.schedule import retry_delay

# Intuit's published example of a signed webhook.
VECTOR_TOKEN = "00faeec4-08d0-4996-bb37-698ae19f0149"
VECTOR_BODY = (
    b'{"eventNotifications":[{"realmId":"1269959970","dataChangeEvent":{"entities":['
    b'{"name":"Vendor","id":"40","operation":"Update","lastUpdated":"2016-10-05T03:09:04.000Z"},'
    b'{"name":"Customer","id":"43","operation":"Create","lastUpdated":"2016-10-05T03:07:04.000Z"}]}}]}'
)
VECTOR_SIGNATURE = "6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWM="


def test_signature_matches_intuits_test_vector() -> None:
    assert sign(VECTOR_TOKEN, VECTOR_BODY) == VECTOR_SIGNATURE
    assert verify(VECTOR_TOKEN, VECTOR_BODY, VECTOR_SIGNATURE)
    assert not verify(VECTOR_TOKEN, VECTOR_BODY + b" ", VECTOR_SIGNATURE)
    assert not verify("another-token", VECTOR_BODY, VECTOR_SIGNATURE)


def test_legacy_payload_reproduces_the_vector_body() -> None:
    events = [
        Event(7, "1269959970", "Vendor", "40", "Update", 1475636944000),
        Event(8, "1269959970", "Customer", "43", "Create", 1475636824000),
    ]
    assert legacy_payload(events) == VECTOR_BODY


def test_legacy_payload_groups_realms_and_carries_deleted_id() -> None:
    events = [
        Event(1, "111", "Customer", "5", "Merge", 0, deleted_id="9"),
        Event(2, "222", "Invoice", "3", "Void", 1000),
        Event(3, "111", "Invoice", "4", "Emailed", 2000),
    ]
    body = json.loads(legacy_payload(events))
    first, second = body["eventNotifications"]
    assert first["realmId"] == "111"
    assert first["dataChangeEvent"]["entities"] == [
        {
            "name": "Customer",
            "id": "5",
            "operation": "Merge",
            "lastUpdated": "1970-01-01T00:00:00.000Z",
            "deletedId": "9",
        },
        {
            "name": "Invoice",
            "id": "4",
            "operation": "Emailed",
            "lastUpdated": "1970-01-01T00:00:02.000Z",
        },
    ]
    assert second["realmId"] == "222"


def test_cloudevents_payload_shape() -> None:
    events = [
        Event(10, "111", "Invoice", "3", "Create", 1_700_000_000_123),
        Event(11, "111", "Customer", "5", "Merge", 1_700_000_000_456, deleted_id="9"),
        Event(12, "111", "CompanyCurrency", "2", "Update", 1_700_000_000_789),
    ]
    body = json.loads(cloudevents_payload("app-1", events))
    assert [e["type"] for e in body] == [
        "qbo.invoice.created.v1",
        "qbo.customer.merged.v1",
        "qbo.currency.updated.v1",
    ]
    first = body[0]
    assert set(first) == {
        "specversion",
        "id",
        "source",
        "type",
        "datacontenttype",
        "time",
        "intuitentityid",
        "intuitaccountid",
        "data",
    }
    assert first["specversion"] == "1.0"
    assert first["datacontenttype"] == "application/json"
    assert first["time"] == "2023-11-14T22:13:20.123Z"
    assert first["intuitentityid"] == "3"
    assert first["intuitaccountid"] == "111"
    assert first["data"] == {}
    assert first["source"].startswith("intuit.")
    assert body[1]["data"] == {"deletedId": "9"}
    assert len({e["id"] for e in body}) == 3
    # Stable per event and app (a retry resends the same ids), different for another app.
    again = json.loads(cloudevents_payload("app-1", events))
    other = json.loads(cloudevents_payload("app-2", events))
    assert [e["id"] for e in again] == [e["id"] for e in body]
    assert not {e["id"] for e in other} & {e["id"] for e in body}


def test_payload_picks_the_format_and_content_type() -> None:
    events = [Event(1, "111", "Invoice", "3", "Create", 0)]
    assert payload("a", "legacy", events)[1] == "application/json"
    assert payload("a", "cloudevents", events)[1] == "application/cloudevents+json"
    assert json.loads(payload("a", "cloudevents", events)[0])[0]["type"] == "qbo.invoice.created.v1"


def test_retry_schedule_follows_qbo_and_scales() -> None:
    assert [retry_delay(n) for n in range(1, 12)] == [
        10,
        20,
        30,
        300,
        1200,
        7200,
        14400,
        21600,
        21600,
        21600,
        21600,
    ]
    assert retry_delay(1, 0.01) == pytest.approx(0.1)
    assert retry_delay(4, 0.01) == pytest.approx(3.0)
    with pytest.raises(ValueError):
        retry_delay(0)
