"""Assertions shared by the emulator's tests: wire formats, snapshots, fault checks."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from qbo.emulator.store.session import Realm
from qbo.schema import catalogue, jsoncodec
from tests.conftest import Api, error_keys

#: MetaData times: seconds precision and the company's offset (``2026-02-10T09:02:11-08:00``).
META_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
#: The ``time`` of every body: milliseconds and the offset.
BODY_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")


def body(response: httpx.Response) -> Any:
    """The JSON body (Decimal numbers), after the checks every response must pass."""
    assert "Traceback" not in response.text, response.text
    assert response.headers.get("intuit_tid"), dict(response.headers)
    return jsoncodec.loads(response.text)


def realm_of(api: Api) -> Realm:
    realm = api.emulator.realms.get(api.realm)
    assert realm is not None
    return realm


def offset_of(zone: str, at: datetime) -> str:
    """The ``+hh:mm`` offset of a zone at an instant."""
    return at.astimezone(ZoneInfo(zone)).isoformat()[-6:]


def check_entity(doc: dict[str, Any], sync_token: str, zone: str) -> None:
    """The fields every entity carries, in QBO's exact form."""
    assert isinstance(doc["Id"], str) and doc["Id"]
    assert doc["SyncToken"] == sync_token
    assert doc["domain"] == "QBO"
    assert doc["sparse"] is False
    meta = doc["MetaData"]
    for key in ("CreateTime", "LastUpdatedTime"):
        assert META_TIME.match(meta[key]), meta
        stamp = datetime.fromisoformat(meta[key])
        assert meta[key][-6:] == offset_of(zone, stamp), (meta, zone)


def check_envelope(data: dict[str, Any], key: str, zone: str) -> dict[str, Any]:
    """``{key: {...}, "time": ...}`` with ``time`` in milliseconds and the company's offset."""
    assert set(data) == {key, "time"}, data
    assert BODY_TIME.match(data["time"]), data["time"]
    stamp = datetime.fromisoformat(data["time"])
    assert data["time"][-6:] == offset_of(zone, stamp)
    payload: dict[str, Any] = data[key]
    return payload


def snapshot(api: Api) -> dict[str, Any]:
    """Every object, sequence value and change-log entry of the realm (to prove nothing moved)."""
    realm = realm_of(api)
    store = api.emulator.store
    with api.emulator.realms.session(realm, write=False) as s:
        objects = {name: s.all(name) for name in catalogue().entities}
        seq = store.tables.sequences
        sequences = sorted(
            s.conn.execute(
                select(seq.c.name, seq.c.value).where(seq.c.realm_id == realm.realm_id)
            ).all()
        )
        changes = store.tables.changes
        logged = s.conn.execute(
            select(changes.c.entity, changes.c.entity_id, changes.c.operation)
            .where(changes.c.realm_id == realm.realm_id)
            .order_by(changes.c.seq)
        ).all()
    return {"objects": objects, "sequences": sequences, "changes": [tuple(r) for r in logged]}


def count(api: Api, entity: str) -> int:
    realm = realm_of(api)
    with api.emulator.realms.session(realm, write=False) as s:
        return s.count(entity)


def fault_of(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    """The single error of a ValidationFault response, after checking the whole shape."""
    data = body(response)
    assert response.status_code == status, response.text
    assert set(data) == {"Fault", "time"}, data
    assert BODY_TIME.match(data["time"]), data
    fault = data["Fault"]
    assert set(fault) == {"Error", "type"}, fault
    assert len(fault["Error"]) >= 1
    error: dict[str, Any] = fault["Error"][0]
    assert set(error) == error_keys(error), error
    assert all(isinstance(v, str) for v in error.values()), error
    return {**error, "type": fault["type"]}


async def create(api: Api, entity: str, doc: dict[str, Any], **params: str) -> dict[str, Any]:
    """Create at the entity's own path (``/creditcardpayment`` for CreditCardPaymentTxn)."""
    definition = catalogue().entity(entity)
    data = await api.ok("POST", definition.path, doc, **params)
    result: dict[str, Any] = data[definition.json_key]
    return result


async def read(api: Api, entity: str, object_id: str) -> dict[str, Any]:
    definition = catalogue().entity(entity)
    data = await api.ok("GET", f"{definition.path}/{object_id}")
    result: dict[str, Any] = data[definition.json_key]
    return result
