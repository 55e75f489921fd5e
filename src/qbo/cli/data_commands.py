"""The data commands: query, read, write and report on the connected company.

Each command opens a :class:`qbo.Client` for the company ``qbo auth login`` connected (or
the one the global options and environment name) and uses its public API only, so
whatever works here works in a script.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qbo.cli.connection import open_client, resolve_connection
from qbo.cli.errors import EXIT_CONFIG, CommandError
from qbo.cli.output import OutputOption, emit, emit_one

if TYPE_CHECKING:
    from qbo.client import Client
    from qbo.schema.types import EntityDef

EntityArg = Annotated[str, typer.Argument(help="Entity name, e.g. Customer or invoice.")]
IdArg = Annotated[str, typer.Argument(help="The object's Id.")]
SyncTokenOption = Annotated[
    str | None,
    typer.Option("--sync-token", help="The SyncToken to act on (default: read the current one)."),
]


@contextmanager
def client() -> Iterator[Client]:
    with open_client(resolve_connection()) as qb:
        yield qb


def entity_def(name: str) -> EntityDef:
    """The entity named (any case); a clear error listing close names when unknown."""
    from qbo.schema import catalogue

    cat = catalogue()
    found = cat.find_entity(name) or cat.entity_by_path(name)
    if found is None and name.lower().endswith("s"):
        found = cat.find_entity(name[:-1])
    if found is None:
        import difflib

        close = difflib.get_close_matches(name, list(cat.entities), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise CommandError(f"unknown entity {name!r}{hint}", EXIT_CONFIG)
    return found


def resource(qb: Client, entity: EntityDef) -> Any:
    from qbo.client._naming import attribute_name

    return getattr(qb, attribute_name(entity.name))


def read_json(source: str | None) -> Any:
    """JSON from a file, or from stdin when the source is ``-`` or not given."""
    from qbo.schema import jsoncodec

    try:
        text = sys.stdin.read() if source in (None, "-") else Path(str(source)).read_text("utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {source}: {exc.strerror}") from None
    try:
        return jsoncodec.loads(text)
    except ValueError as exc:
        raise CommandError(f"not JSON ({source or 'stdin'}): {exc}") from None


def _object_body(entity: EntityDef, data: Any) -> dict[str, Any]:
    """The object itself, whether given bare or wrapped as ``{"Customer": {...}}``."""
    if isinstance(data, dict) and set(data) == {entity.json_key}:
        data = data[entity.json_key]
    if not isinstance(data, dict):
        raise CommandError(f"expected a JSON object of a {entity.name}")
    return data


def query(
    text: Annotated[
        str, typer.Argument(help="A query, e.g. \"select * from Invoice where Balance > '0'\".")
    ],
    limit: Annotated[
        int | None, typer.Option(help="At most this many rows (default: every row, paged).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Run a query; every matching row is fetched, 1000 per page, unless --limit says less."""
    from qbo.client import QueryError
    from qbo.query import parse
    from qbo.schema.faults import Fault

    try:
        parsed = parse(text)
    except Fault as fault:
        error = fault.errors[0]
        raise QueryError(error.message, code=error.code, detail=error.detail) from None
    if limit is not None:
        if limit < 1:
            raise typer.BadParameter("must be at least 1", param_hint="--limit")
        parsed = dataclasses.replace(parsed, max_results=min(limit, parsed.max_results or limit))
    with client() as qb:
        result = qb.query(parsed)
    if result.total_count is not None and not result.rows:
        emit([{"count": result.total_count}], output)
    else:
        emit(result.rows, output, title=f"{parsed.entity} ({len(result.rows)} rows)")


def get(entity: EntityArg, object_id: IdArg, output: OutputOption = None) -> None:
    """Read one object by Id."""
    target = entity_def(entity)
    with client() as qb:
        emit_one(resource(qb, target).get(object_id), output)


def create(
    entity: EntityArg,
    file: Annotated[
        str | None, typer.Argument(help="JSON file of the object; - or nothing reads stdin.")
    ] = None,
    request_id: Annotated[
        str | None, typer.Option(help="The requestid (retrying with it never duplicates).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Create an object from JSON."""
    target = entity_def(entity)
    body = _object_body(target, read_json(file))
    with client() as qb:
        emit_one(resource(qb, target).create(body, request_id=request_id), output)


def update(
    entity: EntityArg,
    file: Annotated[
        str | None,
        typer.Argument(help="JSON file with Id and SyncToken; - or nothing reads stdin."),
    ] = None,
    sparse: Annotated[bool, typer.Option(help="Change only the fields given.")] = False,
    output: OutputOption = None,
) -> None:
    """Update an object from JSON (a full update clears the fields left out; --sparse does not)."""
    target = entity_def(entity)
    body = _object_body(target, read_json(file))
    if "Id" not in body or "SyncToken" not in body:
        raise CommandError("an update needs the object's Id and SyncToken in the JSON")
    with client() as qb:
        emit_one(resource(qb, target).update(body, sparse=sparse), output)


def _by_current_version(entity: str, object_id: str, sync_token: str | None, act: str) -> Any:
    """Run ``delete`` or ``void`` on the object at ``sync_token`` (default: its current one)."""
    target = entity_def(entity)
    with client() as qb:
        if sync_token is None:
            sync_token = str(resource(qb, target).get(object_id).SyncToken)
        return getattr(resource(qb, target), act)((object_id, sync_token))


def delete(
    entity: EntityArg,
    object_id: IdArg,
    sync_token: SyncTokenOption = None,
    output: OutputOption = None,
) -> None:
    """Delete a transaction (name-list objects are made inactive with update instead)."""
    deleted = _by_current_version(entity, object_id, sync_token, "delete")
    emit_one({"entity": deleted.entity, "Id": deleted.id, "status": "Deleted"}, output)


def void(
    entity: EntityArg,
    object_id: IdArg,
    sync_token: SyncTokenOption = None,
    output: OutputOption = None,
) -> None:
    """Void a transaction: it stays, with its amounts set to zero."""
    emit_one(_by_current_version(entity, object_id, sync_token, "void"), output)


def send(
    entity: EntityArg,
    object_id: IdArg,
    to: Annotated[
        str | None, typer.Option(help="Address (default: the one on the object).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """E-mail an invoice, estimate or sales receipt."""
    target = entity_def(entity)
    with client() as qb:
        emit_one(resource(qb, target).send(object_id, to=to), output)


def pdf(
    entity: EntityArg,
    object_id: IdArg,
    out: Annotated[Path, typer.Option("--out", "-O", help="Where to write the PDF.")],
) -> None:
    """Download the PDF of an invoice, estimate, sales receipt, ..."""
    target = entity_def(entity)
    with client() as qb:
        document = resource(qb, target).pdf(object_id)
    out.write_bytes(document)
    typer.echo(f"wrote {out} ({len(document)} bytes)", err=True)


def attach(
    file: Annotated[Path, typer.Argument(help="The file to upload.", exists=True, dir_okay=False)],
    to: Annotated[
        list[str] | None,
        typer.Option(help="ENTITY:ID to attach it to (repeatable), e.g. Invoice:42."),
    ] = None,
    content_type: Annotated[
        str | None, typer.Option(help="Default: guessed from the name.")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Upload a file as an attachment, optionally linked to objects."""
    import mimetypes

    links: list[tuple[str, str]] = []
    for target in to or []:
        name, sep, object_id = target.partition(":")
        if not sep or not object_id:
            raise typer.BadParameter(f"{target!r} is not ENTITY:ID", param_hint="--to")
        links.append((entity_def(name).name, object_id))
    kind = content_type or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    with client() as qb:
        created = qb.attachables.upload(file.read_bytes(), file.name, kind, attach_to=links)
    emit_one(created, output)


def _param(values: list[str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{item!r} is not key=value", param_hint="--param")
        params[key] = value
    return params


def report(
    name: Annotated[str, typer.Argument(help="Report name, e.g. ProfitAndLoss, AgedReceivables.")],
    start: Annotated[str | None, typer.Option(help="start_date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="end_date, YYYY-MM-DD.")] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="Another parameter, key=value (repeatable).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Run a report; rows are printed flat, one per line of the report."""
    params: dict[str, Any] = _param(param)
    if start:
        params["start_date"] = start
    if end:
        params["end_date"] = end
    with client() as qb:
        result = qb.reports.run(name, **params)
    # The section path (a tuple) reads as "Income > Services" in every format.
    rows = [
        {k: " > ".join(v) if isinstance(v, tuple) else v for k, v in record.items()}
        for record in result.rows()
    ]
    title = result.name or name
    if rows:
        cols = list(rows[0])
        emit(rows, output, columns=cols, title=title)
    else:
        emit([], output, title=title)


def _since(text: str | None, hours: float | None) -> datetime | date:
    if text:
        try:
            return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            raise typer.BadParameter("not an ISO date or date-time", param_hint="--since") from None
    return datetime.now(UTC) - timedelta(hours=hours or 24)


def cdc(
    entities: Annotated[str, typer.Option(help="Comma-separated entity names.")],
    since: Annotated[
        str | None, typer.Option(help="ISO date or date-time (at most 30 days ago).")
    ] = None,
    hours: Annotated[
        float | None, typer.Option(help="Or: changes in the last N hours (default 24).")
    ] = None,
    output: OutputOption = None,
) -> None:
    """Every change since a moment (change data capture), deletions included."""
    from qbo.client import Deleted

    names = [entity_def(n.strip()).name for n in entities.split(",") if n.strip()]
    if not names:
        raise typer.BadParameter("name at least one entity", param_hint="--entities")
    with client() as qb:
        result = qb.cdc(names, _since(since, hours))
        rows: list[dict[str, Any]] = []
        for change in result:
            if isinstance(change, Deleted):
                rows.append(
                    {
                        "entity": change.entity,
                        "Id": change.id,
                        "change": "deleted",
                        "LastUpdatedTime": change.last_updated,
                    }
                )
            else:
                record = change.to_qbo()
                rows.append(
                    {
                        "entity": type(change).__name__,
                        "Id": record.get("Id"),
                        "change": "changed",
                        "LastUpdatedTime": record.get("MetaData", {}).get("LastUpdatedTime"),
                        "SyncToken": record.get("SyncToken"),
                    }
                )
    emit(rows, output, columns=["entity", "Id", "change", "LastUpdatedTime", "SyncToken"])


def _add_batch_item(builder: Any, item: Any) -> None:
    from qbo.schema import catalogue

    if not isinstance(item, dict) or "bId" not in item:
        raise CommandError("every batch item needs a bId")
    bid = str(item["bId"])
    if "Query" in item:
        builder.query(str(item["Query"]), bid=bid)
        return
    keys = [k for k in item if catalogue().find_entity(k) is not None]
    if len(keys) != 1:
        raise CommandError(f"batch item {bid}: name exactly one entity, or give a Query")
    entity, body = keys[0], item[keys[0]]
    operation = item.get("operation", "create")
    if operation == "create":
        builder.create(body, entity=entity, bid=bid)
    elif operation == "update" and item.get("optionsData") == "void":
        builder.void((body["Id"], body["SyncToken"]), entity=entity, bid=bid)
    elif operation == "update":
        builder.update(body, sparse=bool(body.get("sparse")), entity=entity, bid=bid)
    elif operation == "delete":
        builder.delete((body["Id"], body["SyncToken"]), entity=entity, bid=bid)
    else:
        raise CommandError(f"batch item {bid}: unknown operation {operation!r}")


def batch(
    file: Annotated[str, typer.Argument(help='JSON {"BatchItemRequest": [...]} (- reads stdin).')],
    output: OutputOption = None,
) -> None:
    """Run batch items from a file (any number; sent 30 per request)."""
    from qbo.client import Deleted, QueryResult

    data = read_json(file)
    items = data.get("BatchItemRequest") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise CommandError('expected {"BatchItemRequest": [...]} with at least one item')
    with client() as qb:
        builder = qb.batch()
        try:
            for item in items:
                _add_batch_item(builder, item)
        except (KeyError, TypeError, ValueError) as exc:
            raise CommandError(f"bad batch item: {exc}") from None
        result = builder.execute()
    rows: list[dict[str, Any]] = []
    for bid in result:
        item = result[bid]
        row: dict[str, Any] = {"bId": item.bid, "operation": item.operation, "entity": item.entity}
        if item.error is not None:
            row.update(ok=False, result=f"{item.error.code}: {item.error.message}")
        elif isinstance(item.value, QueryResult):
            row.update(ok=True, result=f"{len(item.value)} rows")
        elif isinstance(item.value, Deleted):
            row.update(ok=True, result=f"deleted {item.value.id}")
        else:
            row.update(ok=True, result=f"Id {getattr(item.value, 'Id', '')}")
        rows.append(row)
    emit(rows, output, columns=["bId", "operation", "entity", "ok", "result"])
    if any(not r["ok"] for r in rows):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the data commands to the root command."""
    for command in (
        query,
        get,
        create,
        update,
        delete,
        void,
        send,
        pdf,
        attach,
        report,
        cdc,
        batch,
    ):
        app.command(command.__name__)(command)
