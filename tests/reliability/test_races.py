"""Races: concurrent writers on one realm, spread over two emulators sharing one database.

Every request is sent at once from its own connection, half to each emulator, so the
requests meet both in one process (its thread pool) and across processes (SQLite's
``BEGIN IMMEDIATE``, PostgreSQL's advisory lock). Whatever the interleaving, QBO's
answers hold: one object per ``requestid``, fault 600 for a reused id, 5010 for a stale
SyncToken, 6240 for a taken name, no lost write, never a 5xx.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.emulator.helpers import count, snapshot
from tests.reliability.conftest import Twins, decoded

pytestmark = pytest.mark.anyio

WRITERS = 12


async def at_once(*requests: Any) -> list[httpx.Response]:
    responses: list[httpx.Response] = await asyncio.gather(*requests)
    return responses


def codes(responses: list[httpx.Response]) -> Counter[str]:
    """200, or the fault code, of each answer (after the checks of :func:`decoded`)."""
    found: Counter[str] = Counter()
    for response in responses:
        data = decoded(response)
        found["200" if response.status_code == 200 else data["Fault"]["Error"][0]["code"]] += 1
    return found


async def test_same_requestid_same_body_makes_one_object(
    twins: Twins, figures: dict[str, Any]
) -> None:
    body = {"DisplayName": "Raced Once", "Notes": "same body"}
    answers = await at_once(
        *(twins.post(n, "customer", body, requestid="race-same") for n in range(WRITERS))
    )
    assert codes(answers) == {"200": WRITERS}
    first = decoded(answers[0])
    assert all(decoded(a) == first for a in answers)  # the logged answer, ``time`` included
    assert count(twins.api(0), "Customer") == 1
    figures.update(requests=WRITERS, created=1, identical_answers=WRITERS)


async def test_same_requestid_other_bodies_one_winner_the_rest_fault_600(
    twins: Twins, figures: dict[str, Any]
) -> None:
    answers = await at_once(
        *(
            twins.post(n, "customer", {"DisplayName": f"Contender {n}"}, requestid="race-other")
            for n in range(WRITERS)
        )
    )
    outcome = codes(answers)
    assert outcome == {"200": 1, "600": WRITERS - 1}, outcome
    (winner,) = [decoded(a)["Customer"] for a in answers if a.status_code == 200]
    api = twins.api(1)
    assert [c["DisplayName"] for c in _customers(api)] == [winner["DisplayName"]]
    state = snapshot(api)
    # the winner's own request replays through either emulator; the losers' stay refused
    n = int(winner["DisplayName"].split()[-1])
    for via in (0, 1):
        again = await twins.post(
            via, "customer", {"DisplayName": f"Contender {n}"}, requestid="race-other"
        )
        assert decoded(again)["Customer"] == winner
    assert snapshot(api) == state
    figures.update(requests=WRITERS, winners=outcome["200"], fault_600=outcome["600"])


async def test_same_synctoken_one_update_wins_the_rest_are_stale(
    twins: Twins, figures: dict[str, Any]
) -> None:
    customer = await twins.api(0).create("Customer", {"DisplayName": "Contested"})
    answers = await at_once(
        *(
            twins.post(
                n,
                "customer",
                {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": f"writer {n}"},
            )
            for n in range(WRITERS)
        )
    )
    outcome = codes(answers)
    assert outcome == {"200": 1, "5010": WRITERS - 1}, outcome
    (won,) = [decoded(a)["Customer"] for a in answers if a.status_code == 200]
    stored = await twins.api(1).read("Customer", customer["Id"])
    assert stored == won and stored["SyncToken"] == "1"
    figures.update(requests=WRITERS, winners=outcome["200"], fault_5010=outcome["5010"])


async def test_same_display_name_one_create_wins_the_rest_are_duplicates(
    twins: Twins, figures: dict[str, Any]
) -> None:
    # Customer and Vendor share one name space (DisplayName is unique across both)
    answers = await at_once(
        *(
            twins.post(n, "customer" if n % 3 else "vendor", {"DisplayName": "Only One"})
            for n in range(WRITERS)
        )
    )
    outcome = codes(answers)
    assert outcome == {"200": 1, "6240": WRITERS - 1}, outcome
    api = twins.api(0)
    assert count(api, "Customer") + count(api, "Vendor") == 1
    figures.update(requests=WRITERS, winners=outcome["200"], fault_6240=outcome["6240"])


async def test_fifty_writers_lose_nothing(twins: Twins, figures: dict[str, Any]) -> None:
    writers = 50
    answers = await at_once(
        *(
            twins.post(n, "customer", {"DisplayName": f"Writer {n:02d}"}, requestid=f"w-{n}")
            for n in range(writers)
        )
    )
    assert codes(answers) == {"200": writers}
    acknowledged = {decoded(a)["Customer"]["Id"]: decoded(a)["Customer"] for a in answers}
    assert len(acknowledged) == writers  # no two writers were given one Id
    stored = {c["Id"]: c for c in _customers(twins.api(1))}
    assert stored == acknowledged
    created = [c for c in snapshot(twins.api(0))["changes"] if c[0] == "Customer"]
    assert len(created) == writers  # one change-log entry each: CDC and webhooks see all
    figures.update(requests=writers, acknowledged=writers, stored=len(stored))


def _customers(api: Any) -> list[dict[str, Any]]:
    realm = api.emulator.realms.get(api.realm)
    with api.emulator.realms.session(realm, write=False) as s:
        rows: list[dict[str, Any]] = s.all("Customer")
    return rows
