"""Malformed writes and reads, with the realm's whole data compared before and after.

Bodies start from a valid create, full update, sparse update, delete or void of seven
entities and are then broken (hypothesis, bounded and derandomised): a field gets a value
of the wrong type, a huge or negative number, a reference to nothing, nested garbage, or
goes missing; unknown fields appear; the JSON text itself is cut, spliced or wrapped.
Reads are broken the same way: queries built from the entity's real fields with wrong
properties, operators and values; CDC and report parameters; batch items.

Each answer must be 200 or a 4xx fault without a stack trace, never a 5xx, and every
refused request must leave the realm exactly as it was: every object, every sequence
value and the change log (``tests.emulator.helpers.snapshot``). Both databases.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbo.schema import catalogue, jsoncodec
from tests.conftest import Api
from tests.emulator.bodies import World
from tests.emulator.helpers import realm_of, snapshot
from tests.reliability.conftest import decoded

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CAT = catalogue()
ENTITIES = ["Customer", "Item", "Account", "Invoice", "Payment", "Bill", "JournalEntry"]
FUZZ = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEWER = settings(FUZZ, max_examples=40)  # reads send two requests an example, batches 1-4 items

# -- values that break a field -------------------------------------------------------------

garbage = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=6)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
BAD_VALUES = st.one_of(
    st.sampled_from(
        [
            10**30,
            -(10**30),
            -1,
            0,
            1e308,
            -0.000001,
            123456789.123456789,
            "",
            " ",
            "x" * 5000,
            "2026-02-30",
            "-1",
            "NaN",
            "1e400",
            True,
            None,
            [],
            {},
            [{"value": "1"}],
            {"value": "999999"},
            {"value": ""},
            {"value": "-1"},
            {"value": "1.0"},
            {"value": {"value": "1"}},
            {"value": None},
            {"name": "no value"},
            {"value": "1", "extra": True},
        ]
    ),
    garbage,
)
UNKNOWN_KEYS = st.sampled_from(["NotAField", "displayname", "Id ", "sparse2", "__proto__", ""])

Path = tuple[str | int, ...]


def paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every place in a JSON document (object members and list items), depth first."""
    found: list[Path] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(paths(item, (*prefix, index)))
    return found


def parent_of(doc: Any, path: Path) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


#: One change to a document: the action, which place (an index into its places, modulo
#: their number), an unknown key, and a bad value. Drawn up front and applied to the
#: stored object of the moment (hypothesis draws cannot run inside an async test).
Mutation = tuple[str, int, str, Any]
mutations = st.lists(
    st.tuples(
        st.sampled_from(["replace", "replace", "remove", "unknown"]),
        st.integers(0, 10**6),
        UNKNOWN_KEYS,
        BAD_VALUES,
    ),
    min_size=1,
    max_size=3,
)


def broken(base: dict[str, Any], changes: list[Mutation]) -> Any:
    """``base`` with one to three fields replaced, removed or added."""
    doc: Any = jsoncodec.loads(jsoncodec.dumps(base))
    for action, pick, key, value in changes:
        places = paths(doc)
        if not places or action == "unknown":
            objects = [p for p in places if isinstance(parent_of(doc, (*p, None)), dict)]
            where = ([(), *objects])[pick % (len(objects) + 1)]
            target = parent_of(doc, (*where, None))
            if isinstance(target, dict):
                target[key] = copy.deepcopy(value)  # drawn values stay as drawn
            continue
        path = places[pick % len(places)]
        parent = parent_of(doc, path)
        if action == "remove":
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(value)
    return doc


#: How to make valid JSON text not parse: the action, where (a fraction of the length),
#: and what to splice in.
Garble = tuple[str, float, str]
garbles = st.tuples(
    st.sampled_from(["truncate", "splice", "wrap", "trail", "encode"]),
    st.floats(0, 1),
    st.sampled_from(["=", "}", "]", ",,", "'", '"', "\\", "\x00", "NaN", " x", "{}", ",1"]),
)


def garbled(text: str, garble: Garble) -> bytes:
    """The JSON text of a valid request, made not to parse (or not to be an object)."""
    action, where, junk = garble
    cut = int(where * max(0, len(text) - 1))
    if action == "truncate":
        return text[:cut].encode()
    if action == "splice":
        return (text[:cut] + junk + text[cut:]).encode()
    if action == "wrap":
        return f"[{text}]".encode()
    if action == "trail":
        return (text + junk).encode()
    return text.encode("utf-16")


# -- the requests --------------------------------------------------------------------------

Current = dict[str, dict[str, Any]]  # entity -> one stored object of it


@dataclass(frozen=True)
class BadWrite:
    """A write drawn up front; :meth:`request` makes it from the stored objects."""

    entity: str
    op: str
    field_pick: int
    changes: list[Mutation]
    garble: Garble | None
    request_id: str | None

    def request(
        self, creates: dict[str, dict[str, Any]], current: Current
    ) -> tuple[str, dict[str, str], bytes]:
        doc = current[self.entity]
        params: dict[str, str] = {}
        if self.op == "create":
            base = creates[self.entity]
        elif self.op == "update":
            base = doc
        elif self.op == "sparse":
            names = sorted(k for k in doc if k not in ("Id", "SyncToken"))
            name = names[self.field_pick % len(names)]
            base = {"Id": doc["Id"], "SyncToken": doc["SyncToken"], "sparse": True, name: doc[name]}
        else:
            base = {"Id": doc["Id"], "SyncToken": doc["SyncToken"]}
            if self.op == "delete" or self.entity == "Invoice":
                params = {"operation": self.op}
            else:
                params = {"operation": "update", "include": "void"}
                base["sparse"] = True
        if self.garble is not None:
            body = garbled(jsoncodec.dumps(base), self.garble)
        else:
            body = jsoncodec.dumps(broken(base, self.changes)).encode()
        if self.request_id is not None:
            params["requestid"] = self.request_id
        return CAT.entity(self.entity).path, params, body


bad_writes = st.builds(
    BadWrite,
    entity=st.sampled_from(ENTITIES),
    op=st.sampled_from(["create", "update", "sparse", "delete", "void"]),
    field_pick=st.integers(0, 10**6),
    changes=mutations,
    garble=st.one_of(st.none(), st.none(), st.none(), garbles),
    request_id=st.one_of(st.none(), st.integers(0, 10**9).map(lambda n: f"fuzz-{n}")),
)


def fields_of(entity: str) -> list[str]:
    return sorted(CAT.entity(entity).type.fields)


@st.composite
def bad_queries(draw: st.DrawFn) -> str:
    """Queries on real entities whose properties, operators or values are wrong."""
    entity = draw(st.sampled_from([*ENTITIES, "Vendor", "TaxCode", "Nothing", "customer;"]))
    names = fields_of(entity) if entity in CAT.entities else ["Id"]
    prop = draw(
        st.one_of(
            st.sampled_from(names),
            st.sampled_from(["MetaData.CreateTime", "MetaData.Nope", "Line.Amount", "Id.value"]),
            st.sampled_from(["NoSuchField", "", "*", "count(*)", "1", "'Id'", "Id Id"]),
        )
    )
    op = draw(st.sampled_from(["=", "<", ">=", "IN", "LIKE", "!=", "<>", "==", "BETWEEN", "OR"]))
    value = draw(
        st.sampled_from(
            [
                "'1'",
                "'%'",
                "('1', '2')",
                "()",
                "true",
                "'2026-02-30'",
                "'abc",
                "'\\'",
                "1e999",
                "-99999999999999999999",
                "' '",
                "null",
                "(SELECT * FROM Customer)",
            ]
        )
    )
    select = draw(st.sampled_from(["*", "count(*)", "Id, DisplayName", "*, Nope", "Line"]))
    tail = draw(
        st.sampled_from(
            [
                "",
                " ORDERBY Nope",
                " ORDERBY Id DESC DESC",
                " STARTPOSITION 0",
                " STARTPOSITION -5",
                " MAXRESULTS 1001",
                " MAXRESULTS 99999999999999999999",
                " MAXRESULTS x",
                " AND",
                f" AND {prop} {op} {value}",
            ]
        )
    )
    return f"SELECT {select} FROM {entity} WHERE {prop} {op} {value}{tail}"


READ_PARAMS = st.sampled_from(
    [
        ("cdc", {"entities": "Customer,Nothing", "changedSince": "2026-01-01"}),
        ("cdc", {"entities": "", "changedSince": "yesterday"}),
        ("cdc", {"entities": "Invoice", "changedSince": "1900-01-01T00:00:00Z"}),
        ("cdc", {"entities": "Customer" * 200, "changedSince": "2026-13-40"}),
        ("cdc", {}),
        ("reports/ProfitAndLoss", {"start_date": "2026-02-30", "end_date": "x"}),
        ("reports/ProfitAndLoss", {"accounting_method": "Barter"}),
        ("reports/BalanceSheet", {"summarize_column_by": "Planets"}),
        ("reports/AgedReceivables", {"customer": "1,abc,-1,99999999999999999999"}),
        ("reports/NoSuchReport", {}),
        ("reports/GeneralLedger", {"date_macro": "Next Century", "columns": "nope,,"}),
        ("customer/abc", {}),
        ("invoice/99999999999999999999", {}),
        ("exchangerate", {"sourcecurrencycode": "XXX", "asofdate": "never"}),
    ]
)


# -- the checks ----------------------------------------------------------------------------


class Tally:
    """Counts over all examples of one test, kept in the test's ``figures``."""

    def __init__(self, figures: dict[str, Any]) -> None:
        self.figures = figures
        figures.update(requests=0, accepted=0, refused=0, unchanged=0, status_5xx=0)

    def add(self, key: str) -> None:
        self.figures[key] += 1


@dataclass
class Fuzzed:
    """A realm holding one object of every fuzzed entity, the entities' valid create
    bodies, and the tally (hypothesis runs every example on the same fixture values)."""

    api: Api
    creates: dict[str, dict[str, Any]]
    tally: Tally

    async def current(self) -> Current:
        """One stored object of every fuzzed entity (made again when a delete went through)."""
        with self.api.emulator.realms.session(realm_of(self.api), write=False) as s:
            found = {entity: s.all(entity) for entity in ENTITIES}
        return {
            entity: rows[0] if rows else await self.api.create(entity, self.creates[entity])
            for entity, rows in found.items()
        }

    def answer(self, response: httpx.Response) -> tuple[Any, bool]:
        """Count and check one answer: 200, or a 4xx Fault without a stack trace; the JSON
        and whether the request was refused."""
        self.tally.add("requests")
        if response.status_code >= 500:
            self.tally.add("status_5xx")
        data = decoded(response)
        if response.status_code == 200:
            self.tally.add("accepted")
            return data, False
        self.tally.add("refused")
        assert 400 <= response.status_code < 500, response.text
        assert set(data) == {"Fault", "time"}, data
        assert all(e["code"] for e in data["Fault"]["Error"]), data
        return data, True

    def unchanged(self, before: dict[str, Any], requests: int, why: str) -> None:
        assert snapshot(self.api) == before, why
        self.tally.figures["unchanged"] += requests


@pytest.fixture
async def fuzzed(local_api: Api, figures: dict[str, Any]) -> Fuzzed:
    world = await World.load(local_api)
    creates = {entity: await world.body(entity) for entity in ENTITIES}
    for entity in ("Account", "Invoice", "Payment", "Bill", "JournalEntry"):
        await local_api.create(entity, await world.body(entity))
    return Fuzzed(local_api, creates, Tally(figures))


@FUZZ
@given(write=bad_writes)
async def test_refused_writes_change_nothing(fuzzed: Fuzzed, write: BadWrite) -> None:
    api = fuzzed.api
    path, params, body = write.request(fuzzed.creates, await fuzzed.current())

    before = snapshot(api)
    response = await api.client.post(
        api.path(path), content=body, params=params, headers={"Content-Type": "application/json"}
    )
    _, refused = fuzzed.answer(response)
    if refused:
        fuzzed.unchanged(before, 1, response.text[:300])


@FEWER
@given(query=bad_queries(), posted=st.booleans(), other=READ_PARAMS)
async def test_bad_reads_change_nothing(
    fuzzed: Fuzzed, query: str, posted: bool, other: tuple[str, dict[str, str]]
) -> None:
    api = fuzzed.api
    before = snapshot(api)  # reads never change anything, refused or not
    if posted:
        response = await api.client.post(
            api.path("query"), content=query.encode(), headers={"Content-Type": "application/text"}
        )
    else:
        response = await api.get("query", query=query)
    answer, refused = fuzzed.answer(response)
    if refused:
        assert answer["Fault"]["Error"][0]["code"] in ("4000", "4001"), (query, answer)
    fuzzed.answer(await api.get(other[0], **other[1]))
    fuzzed.unchanged(before, 2, query)


#: A batch item drawn up front: a broken write (entity, operation, changes) or a query.
BatchItem = tuple[str, str, list[Mutation]] | str
batch_items = st.lists(
    st.one_of(
        bad_queries(),
        st.tuples(
            st.sampled_from(ENTITIES), st.sampled_from(["create", "update", "delete"]), mutations
        ),
    ),
    min_size=1,
    max_size=4,
)


def batch_body(
    items: list[BatchItem],
    envelope_changes: list[Mutation] | None,
    creates: dict[str, dict[str, Any]],
    current: Current,
) -> bytes:
    """A batch of broken items (the envelope itself broken too, when given changes)."""
    sent: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        if isinstance(item, str):
            sent.append({"bId": f"q{n}", "Query": item})
            continue
        entity, op, changes = item
        doc = current[entity]
        base = creates[entity] if op == "create" else {**doc, "sparse": True}
        if op == "delete":
            base = {"Id": doc["Id"], "SyncToken": doc["SyncToken"]}
        key = CAT.entity(entity).json_key
        sent.append({"bId": f"b{n}", "operation": op, key: broken(base, changes)})
    envelope: Any = {"BatchItemRequest": sent}
    if envelope_changes is not None:
        envelope = broken(envelope, envelope_changes)
    return jsoncodec.dumps(envelope).encode()


@FEWER
@given(items=batch_items, envelope=st.one_of(st.none(), st.none(), st.none(), mutations))
async def test_batches_of_refused_items_change_nothing(
    fuzzed: Fuzzed, items: list[BatchItem], envelope: list[Mutation] | None
) -> None:
    api = fuzzed.api
    body = batch_body(items, envelope, fuzzed.creates, await fuzzed.current())
    before = snapshot(api)
    response = await api.client.post(
        api.path("batch"), content=body, headers={"Content-Type": "application/json"}
    )
    answer, refused = fuzzed.answer(response)
    if not refused:
        answered = answer["BatchItemResponse"]
        assert len(answered) == len(items) or envelope is not None, answer
        if any("Fault" not in item and "QueryResponse" not in item for item in answered):
            return  # an item went through: the realm may have changed
        fuzzed.tally.figures.setdefault("every_item_refused", 0)
        fuzzed.tally.add("every_item_refused")
    fuzzed.unchanged(before, 1, response.text[:300])
