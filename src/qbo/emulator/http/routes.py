"""The QBO API's route table: each ``/v3/company/{realm}/...`` path and the one handler for it.

Read the table at the bottom first. A pattern's segments are matched case-insensitively;
``{entity}`` matches the path of an entity in the catalogue (``invoice``, ``customer``...)
and any other ``{name}`` matches one segment. The first route whose method and pattern
match wins; a path no route matches gets a ValidationFault naming it. Each handler only
translates: it reads its input from the request (:mod:`.inputs`), calls one operation and
says how the answer is shaped. Handlers run inside the request's transaction
(:mod:`.api`), a read one unless the route is marked ``writes``. Routes marked ``quick``
are short, bounded reads (one object, one page of a query) that run on the event loop
instead of paying for a hand-off to the thread pool, which costs more than the read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from qbo.emulator import attachments, mail
from qbo.emulator.http.inputs import ApiRequest, parse_multipart, query_text
from qbo.emulator.operations import entities, exchange_rates
from qbo.emulator.operations.batch import only_reads, run_batch
from qbo.emulator.operations.cdc import changes_since
from qbo.emulator.operations.query import query
from qbo.emulator.operations.tax_codes import create_tax_code
from qbo.emulator.pdf import PDF_TYPE, render_pdf
from qbo.emulator.reports import run_report
from qbo.emulator.store.session import Session
from qbo.schema import EntityDef, catalogue
from qbo.schema.faults import Fault, FaultCode, unsupported_operation


@dataclass(frozen=True)
class Enveloped:
    """An answer in QBO's envelope: ``{key: value, "time": ...}``."""

    key: str
    value: Any
    #: Kept under the request's ``requestid`` for replays. An answer that changed nothing
    #: (a batch of queries, its value a list) is not: running it again answers the same,
    #: and its rows would cost a copy of themselves in the log.
    kept: bool = True


@dataclass(frozen=True)
class Bare:
    """An answer that is the whole body (reports carry their own header, no ``time``)."""

    body: dict[str, Any]


@dataclass(frozen=True)
class Raw:
    """An answer that is not JSON: a PDF, a download URL as text."""

    body: bytes
    media_type: str


Answer = Enveloped | Bare | Raw
Args = dict[str, str]
Handler = Callable[[Session, ApiRequest, Args], Answer]


def entity_for(segment: str) -> EntityDef | None:
    return catalogue().entity_by_path(segment)


def unknown_path(req: ApiRequest) -> Fault:
    """QBO answers unknown resources inconsistently; a ValidationFault (6000) naming the
    path is the most useful answer a client can get."""
    return Fault.of(
        FaultCode.BUSINESS_VALIDATION,
        f"Unsupported resource: {req.method} /{'/'.join(req.parts)} is not part of the API",
    )


# -- handlers: request in, one operation, answer out -----------------------------------


def query_get(s: Session, req: ApiRequest, args: Args) -> Answer:
    return Enveloped("QueryResponse", query(s, req.params.get("query")))


def query_post(s: Session, req: ApiRequest, args: Args) -> Answer:
    return Enveloped("QueryResponse", query(s, query_text(req.body)))


def cdc_get(s: Session, req: ApiRequest, args: Args) -> Answer:
    found = changes_since(s, req.params.get("entities"), req.params.get("changedsince"))
    return Enveloped("CDCResponse", [found])


def batch_post(s: Session, req: ApiRequest, args: Args) -> Answer:
    body = req.json()
    items = run_batch(s, body, req.params.get("requestid"))
    return Enveloped("BatchItemResponse", items, kept=not only_reads(body))


def report_get(s: Session, req: ApiRequest, args: Args) -> Answer:
    return Bare(run_report(s, args["name"], req.params))


def exchange_rate_get(s: Session, req: ApiRequest, args: Args) -> Answer:
    rate = exchange_rates.read_rate(
        s, req.params.get("sourcecurrencycode", ""), req.params.get("asofdate")
    )
    return Enveloped("ExchangeRate", rate)


def exchange_rate_post(s: Session, req: ApiRequest, args: Args) -> Answer:
    operation = req.params.get("operation", "").lower()
    if operation not in ("", "update"):  # rates are only ever set (updated): no create/delete
        raise unsupported_operation("ExchangeRate", operation)
    return Enveloped("ExchangeRate", exchange_rates.write_rate(s, req.json()))


def tax_code_post(s: Session, req: ApiRequest, args: Args) -> Answer:
    return Enveloped("TaxService", create_tax_code(s, req.json()))


def upload_post(s: Session, req: ApiRequest, args: Args) -> Answer:
    parts = parse_multipart(req.body, req.content_type)
    created = attachments.upload(s, parts, req.base_url, req.max_upload_bytes)
    return Enveloped("AttachableResponse", [{"Attachable": doc} for doc in created])


def download_get(s: Session, req: ApiRequest, args: Args) -> Answer:
    return Raw(attachments.download(s, args["id"], req.base_url).encode(), "text/plain")


def pdf_get(s: Session, req: ApiRequest, args: Args) -> Answer:
    return Raw(render_pdf(s, _entity(args), args["id"]), PDF_TYPE)


def send_post(s: Session, req: ApiRequest, args: Args) -> Answer:
    entity = _entity(args)
    return Enveloped(entity.json_key, mail.send(s, entity, args["id"], req.params.get("sendto")))


def preferences_get(s: Session, req: ApiRequest, args: Args) -> Answer:
    return Enveloped("Preferences", entities.read_preferences(s))


def entity_get(s: Session, req: ApiRequest, args: Args) -> Answer:
    entity = _entity(args)
    return Enveloped(entity.json_key, entities.read(s, entity, args["id"]))


def entity_post(s: Session, req: ApiRequest, args: Args) -> Answer:
    entity = _entity(args)
    operation = req.params.get("operation", "").lower()
    entities.check_creatable(entity, operation)  # before the body is read, as QBO does
    write = entities.EntityWrite(entity, req.json(), operation, req.include)
    return Enveloped(entity.json_key, entities.write(s, write))


def _entity(args: Args) -> EntityDef:
    entity = entity_for(args["entity"])
    assert entity is not None  # the route matched it
    return entity


# -- the table -------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiRoute:
    method: str
    pattern: str
    handler: Handler
    writes: bool = False  # runs in a write transaction (and may be replayed by requestid)
    quick: bool = False  # a short read, run on the event loop (see ``runs_inline``)

    @cached_property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.pattern.split("/"))

    def match(self, method: str, parts: list[str]) -> Args | None:
        segments = self.segments
        if method != self.method or len(parts) != len(segments):
            return None
        args: Args = {}
        for segment, part in zip(segments, parts, strict=True):
            if segment == "{entity}":
                if entity_for(part) is None:
                    return None
                args["entity"] = part
            elif segment.startswith("{"):
                args[segment.strip("{}")] = part
            elif segment != part.lower():
                return None
        return args


ROUTES: list[ApiRoute] = [
    ApiRoute("GET", "query", query_get, quick=True),
    ApiRoute("POST", "query", query_post, quick=True),  # the query as the body; reads only
    ApiRoute("GET", "cdc", cdc_get),
    ApiRoute("POST", "batch", batch_post, writes=True),
    ApiRoute("GET", "reports/{name}", report_get),
    ApiRoute("GET", "exchangerate", exchange_rate_get, quick=True),
    ApiRoute("POST", "exchangerate", exchange_rate_post, writes=True),
    ApiRoute("POST", "taxservice/taxcode", tax_code_post, writes=True),
    ApiRoute("POST", "upload", upload_post, writes=True),
    ApiRoute("GET", "download/{id}", download_get),
    ApiRoute("GET", "preferences", preferences_get, quick=True),
    ApiRoute("GET", "{entity}/{id}/pdf", pdf_get),
    ApiRoute("POST", "{entity}/{id}/send", send_post, writes=True),
    ApiRoute("GET", "{entity}/{id}", entity_get, quick=True),
    ApiRoute("POST", "{entity}", entity_post, writes=True),
]


def _by_shape(routes: list[ApiRoute]) -> dict[tuple[str, int], list[ApiRoute]]:
    """The routes by method and segment count, in table order: a request is matched only
    against the few that can match it."""
    shapes: dict[tuple[str, int], list[ApiRoute]] = {}
    for route in routes:
        shapes.setdefault((route.method, len(route.segments)), []).append(route)
    return shapes


_ROUTES_BY_SHAPE = _by_shape(ROUTES)


def route_for(req: ApiRequest) -> tuple[ApiRoute, Args]:
    """The route a request goes to and its path arguments, or the unknown-path fault."""
    for route in _ROUTES_BY_SHAPE.get((req.method, len(req.parts)), ()):
        args = route.match(req.method, req.parts)
        if args is not None:
            return route, args
    raise unknown_path(req)


#: A query's page size when it names one; without it a page holds 100 rows.
_MAX_RESULTS = re.compile(r"\bmaxresults\s+(\d+)", re.IGNORECASE)
#: The largest page a query may ask for and still run on the event loop.
INLINE_ROWS = 100


def runs_inline(route: ApiRoute, req: ApiRequest) -> bool:
    """Whether a matched request is short enough to run on the event loop.

    Reads by id and small query pages are; a query asking for a bigger page (up to 1000
    rows to load and encode), reports, PDFs and every write go to the thread pool, so
    long work never holds up other requests.
    """
    if not route.quick:
        return False
    if route.pattern != "query":
        return True
    text = req.params.get("query") if req.method == "GET" else req.body.decode("utf-8", "replace")
    found = _MAX_RESULTS.search(text or "")
    return found is None or int(found.group(1)) <= INLINE_ROWS
