"""Property tests (hypothesis, bounded): SyncToken discipline, and no input ever gives a 500.

They run in-process (httpx.ASGITransport): the point is many varied requests, not
transports. The fuzz runs on both databases; the SyncToken property on SQLite only.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbo.emulator import Emulator
from qbo.schema import Kind, TypeDef, catalogue, jsoncodec
from tests.conftest import Api, error_keys
from tests.emulator.bodies import World
from tests.emulator.conftest import client_for
from tests.emulator.helpers import body

pytestmark = pytest.mark.anyio

CAT = catalogue()
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- SyncToken discipline ------------------------------------------------------------------

#: One write: which token to send (0 = the current one, -n = n behind, +n = ahead), whether
#: it is sparse, whether the token travels as a JSON number, and the new Notes.
Write = tuple[int, bool, bool, str]
writes = st.lists(
    st.tuples(
        st.one_of(st.just(0), st.integers(-4, 3)),
        st.booleans(),
        st.booleans(),
        st.text(alphabet="abcxyz ", min_size=1, max_size=12),
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.slow
@given(steps=writes)
@PROPERTY_SETTINGS
async def test_sync_tokens_increase_and_stale_writes_change_nothing(
    local_emulator: Emulator, steps: list[Write]
) -> None:
    realm = local_emulator.realms.create("empty")
    async with client_for(local_emulator) as client:
        api = Api(client, local_emulator, realm.realm_id)
        current = await api.create("Customer", {"DisplayName": "Token Holder"})
        tokens = [int(current["SyncToken"])]
        for offset, sparse, numeric, notes in steps:
            token = int(current["SyncToken"]) + offset
            if token < 0:
                token = 0 if current["SyncToken"] != "0" else 1
            sent: Any = token if numeric else str(token)
            if sparse:
                payload = {"Id": current["Id"], "SyncToken": sent, "sparse": True, "Notes": notes}
            else:
                payload = {**current, "SyncToken": sent, "Notes": notes}
            response = await api.post("customer", payload)
            data = body(response)
            if str(token) == current["SyncToken"]:
                assert response.status_code == 200, response.text
                doc = data["Customer"]
                assert isinstance(doc["SyncToken"], str)
                assert int(doc["SyncToken"]) == tokens[-1] + 1
                assert doc["Notes"] == notes
                tokens.append(int(doc["SyncToken"]))
                current = doc
            else:
                assert response.status_code == 400, response.text
                assert data["Fault"]["Error"][0]["code"] == "5010"
            assert await api.read("Customer", current["Id"]) == current
        assert tokens == list(range(len(tokens)))


# -- fuzz: random JSON to random entity paths ----------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        ["1", "0", "TAX", "NON", "", "2026-02-30", "2026-01-01", "true", "AUTO_GENERATE"]
    ),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _shaped(type_def: TypeDef, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Objects whose keys are mostly the type's own fields, with values of any type."""
    names = sorted(type_def.fields)

    def value(name: str) -> st.SearchStrategy[Any]:
        f = type_def.fields[name]
        if f.kind is Kind.OBJECT and depth < 2:
            nested = _shaped(CAT.type(f.type_name), depth + 1)
            return st.one_of(nested, st.lists(nested, max_size=2), json_values)
        if f.kind is Kind.REF:
            return st.one_of(
                st.fixed_dictionaries({"value": st.sampled_from(["1", "2", "3", "99", "x"])}),
                json_values,
            )
        return json_values

    keys = (
        st.one_of(st.sampled_from(names), st.text(max_size=10)) if names else st.text(max_size=10)
    )
    return keys.flatmap(
        lambda k: st.tuples(st.just(k), value(k) if k in type_def.fields else json_values)
    ).map(lambda kv: {kv[0]: kv[1]}) | st.lists(
        st.sampled_from(names or ["x"]), max_size=5, unique=True
    ).flatmap(
        lambda ks: st.fixed_dictionaries(
            {k: value(k) if k in type_def.fields else json_values for k in ks}
        )
    )


PATHS = sorted({e.path for e in CAT.entities.values()} | {"taxservice/taxcode", "nosuchentity"})


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, str], Any]:
    path = draw(st.sampled_from(PATHS))
    entity = CAT.entity_by_path(path)
    if entity is not None and draw(st.booleans()):
        payload: Any = draw(_shaped(entity.type))
        if draw(st.booleans()):
            payload["Id"] = draw(st.sampled_from(["1", "2", "3", 4, "x", None]))
            payload["SyncToken"] = draw(st.sampled_from(["0", "1", 0, "z", None]))
        if draw(st.booleans()):
            payload["sparse"] = draw(st.sampled_from([True, False, "true", 1]))
    else:
        payload = draw(json_values)
    params = draw(
        st.sampled_from(
            [
                {},
                {"operation": "update"},
                {"operation": "delete"},
                {"operation": "void"},
                {"operation": "update", "include": "void"},
                {"operation": "create"},
                {"include": "allowduplicatedocnum"},
                {"minorversion": "75"},
            ]
        )
    )
    return path, params, payload


_fuzz_realms: dict[int, str] = {}


async def _fuzz_realm(emulator: Emulator) -> str:
    """One realm per emulator with a few objects, so some references resolve."""
    if id(emulator) not in _fuzz_realms:
        realm = emulator.realms.create("empty")
        async with client_for(emulator) as client:
            api = Api(client, emulator, realm.realm_id)
            world = await World.load(api)
            for entity in ("Invoice", "Bill", "Payment"):
                await api.create(entity, await world.body(entity))
        _fuzz_realms[id(emulator)] = realm.realm_id
    return _fuzz_realms[id(emulator)]


@pytest.mark.slow
@given(request=requests())
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_random_bodies_never_give_a_500(
    emulator: Emulator, request: tuple[str, dict[str, str], Any]
) -> None:
    """On both databases: what each refuses to store differs (PostgreSQL: NUL in text)."""
    realm = await _fuzz_realm(emulator)
    path, params, payload = request
    async with client_for(emulator) as client:
        response = await client.post(
            f"/v3/company/{realm}/{path}", content=jsoncodec.dumps(payload), params=params
        )
    assert response.status_code in (200, 400), (response.status_code, response.text)
    data = body(response)
    if response.status_code == 400:
        assert set(data) == {"Fault", "time"}, data
        error = data["Fault"]["Error"][0]
        assert set(error) == error_keys(error)
        assert error["code"] not in ("10000",), error
    else:
        assert "time" in data and len(data) == 2, data


@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
async def test_random_bytes_never_give_a_500(local_emulator: Emulator, raw: bytes) -> None:
    realm = await _fuzz_realm(local_emulator)
    async with client_for(local_emulator) as client:
        response = await client.post(f"/v3/company/{realm}/customer", content=raw)
    assert response.status_code in (200, 400), response.text
    body(response)
