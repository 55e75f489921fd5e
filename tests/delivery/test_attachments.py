"""``POST /upload``, ``GET /download/{id}`` and the temporary file URLs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from qbo.schema import jsoncodec
from tests.conftest import Api
from tests.delivery.conftest import MakeEmulator, client_for
from tests.delivery.world import Books

pytestmark = pytest.mark.anyio

BYTES = bytes(range(256)) * 4  # every byte value, CR and LF included


def upload_files(
    content: bytes,
    metadata: dict[str, Any] | None = None,
    filename: str = "receipt.png",
    content_type: str = "image/png",
    suffix: str = "0",
) -> dict[str, tuple[str | None, bytes, str]]:
    files: dict[str, tuple[str | None, bytes, str]] = {}
    if metadata is not None:
        files[f"file_metadata_{suffix}"] = (None, json.dumps(metadata).encode(), "application/json")
    files[f"file_content_{suffix}"] = (filename, content, content_type)
    return files


async def upload(client: httpx.AsyncClient, path: str, **kwargs: Any) -> httpx.Response:
    return await client.post(path, files=upload_files(**kwargs))


async def test_upload_and_download_round_trip(api: Api) -> None:
    books = Books(api.client, api.realm)
    invoice = await books.sales_form("Invoice")
    metadata = {
        "AttachableRef": [{"EntityRef": {"type": "Invoice", "value": invoice["Id"]}}],
        "FileName": "receipt.png",
        "ContentType": "image/png",
        "Note": "Signed delivery note",
    }
    response = await upload(api.client, api.path("upload"), content=BYTES, metadata=metadata)
    assert response.status_code == 200, response.text
    body = jsoncodec.loads(response.text)
    assert set(body) == {"AttachableResponse", "time"}
    (item,) = body["AttachableResponse"]
    attachable = item["Attachable"]
    assert attachable["FileName"] == "receipt.png"
    assert attachable["ContentType"] == "image/png"
    assert attachable["Size"] == len(BYTES)
    assert attachable["Note"] == "Signed delivery note"
    assert attachable["SyncToken"] == "0"
    assert attachable["AttachableRef"] == [
        {"EntityRef": {"type": "Invoice", "value": invoice["Id"]}, "IncludeOnSend": False}
    ]
    assert attachable["FileAccessUri"] == f"/v3/company/{api.realm}/download/{attachable['Id']}"
    assert "/_emulator/files/" in attachable["TempDownloadUri"]
    assert await api.read("Attachable", attachable["Id"]) == attachable

    link = await api.get(f"download/{attachable['Id']}")
    assert link.status_code == 200
    assert link.headers["content-type"].startswith("text/plain")
    assert link.text.startswith("http") and "/_emulator/files/" in link.text
    for url in (link.text, attachable["TempDownloadUri"]):
        file = await api.client.get(url)
        assert file.status_code == 200
        assert file.content == BYTES
        assert file.headers["content-type"] == "image/png"
        assert 'filename="receipt.png"' in file.headers["content-disposition"]


@pytest.fixture
async def b(make_emulator: MakeEmulator) -> AsyncIterator[Books]:
    emu = make_emulator(max_upload_bytes=1000, max_body_bytes=500)
    async with client_for(emu) as client:
        yield Books(client, emu.realms.list()[0].realm_id)


def fault_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    body = jsoncodec.loads(response.text)
    assert set(body) == {"Fault", "time"}
    error: dict[str, str] = body["Fault"]["Error"][0]
    return error


async def attachables(b: Books) -> list[dict[str, Any]]:
    response = await b.client.get(b.path("query"), params={"query": "select * from Attachable"})
    rows: list[dict[str, Any]] = response.json()["QueryResponse"].get("Attachable", [])
    return rows


async def test_size_limit_is_configurable(b: Books) -> None:
    # 1000 bytes is the configured limit; the upload body may exceed max_body_bytes (500).
    ok = await upload(
        b.client, b.path("upload"), content=b"x" * 1000, content_type="text/plain", filename="a.txt"
    )
    assert ok.status_code == 200, ok.text
    too_big = fault_of(
        await upload(
            b.client,
            b.path("upload"),
            content=b"x" * 1001,
            content_type="text/plain",
            filename="b.txt",
        )
    )
    assert too_big["code"] == "6000" and too_big["element"] == "Size"
    assert "1001 bytes, at most 1000" in too_big["Detail"]
    assert len(await attachables(b)) == 1


async def test_content_types_outside_the_allow_list_are_refused(b: Books) -> None:
    for name, kind in (("tool.exe", "application/x-msdownload"), ("page.html", "text/html")):
        error = fault_of(
            await upload(
                b.client, b.path("upload"), content=b"MZ", filename=name, content_type=kind
            )
        )
        assert error["code"] == "6000" and error["element"] == "ContentType", name
    for name, kind in (
        ("scan.pdf", "application/pdf"),
        ("photo.jpg", "image/jpg"),  # Intuit's own sample spells it so
        ("data.csv", "text/csv"),
        ("sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("notes.txt", "text/plain; charset=utf-8"),
        ("guessed.pdf", "application/octet-stream"),  # the extension tells
    ):
        response = await upload(
            b.client, b.path("upload"), content=b"data", filename=name, content_type=kind
        )
        assert response.status_code == 200, (name, response.text)
    kinds = {a["FileName"]: a["ContentType"] for a in await attachables(b)}
    assert kinds["photo.jpg"] == "image/jpg"
    assert kinds["notes.txt"] == "text/plain"
    assert kinds["guessed.pdf"] == "application/pdf"


async def test_references_are_checked(b: Books) -> None:
    missing = {"AttachableRef": [{"EntityRef": {"type": "Invoice", "value": "404"}}]}
    error = fault_of(await upload(b.client, b.path("upload"), content=b"1", metadata=missing))
    assert error["code"] == "2500"
    unknown = {"AttachableRef": [{"EntityRef": {"type": "Spaceship", "value": "1"}}]}
    error = fault_of(await upload(b.client, b.path("upload"), content=b"1", metadata=unknown))
    assert error["code"] == "2010"
    untyped = {"AttachableRef": [{"EntityRef": {"value": "1"}}]}
    assert (
        fault_of(await upload(b.client, b.path("upload"), content=b"1", metadata=untyped))["code"]
        == "2020"
    )
    customer = await b.customer()
    lower = {"AttachableRef": [{"EntityRef": {"type": "customer", "value": customer["Id"]}}]}
    ok = await upload(b.client, b.path("upload"), content=b"1", metadata=lower)
    assert ok.status_code == 200, ok.text
    ref = ok.json()["AttachableResponse"][0]["Attachable"]["AttachableRef"][0]["EntityRef"]
    assert ref["type"] == "Customer"
    assert len(await attachables(b)) == 1


async def test_malformed_uploads(b: Books) -> None:
    not_multipart = await b.client.post(
        b.path("upload"), content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert fault_of(not_multipart)["code"] == "2010"
    only_metadata = await b.client.post(
        b.path("upload"), files={"file_metadata_0": (None, b"{}", "application/json")}
    )
    assert fault_of(only_metadata)["code"] == "2020"
    bad_json = await b.client.post(
        b.path("upload"),
        files={
            "file_metadata_0": (None, b"{not json", "application/json"),
            "file_content_0": ("a.txt", b"x", "text/plain"),
        },
    )
    assert fault_of(bad_json)["code"] == "2010"
    stray = await b.client.post(b.path("upload"), files={"avatar": ("a.png", b"x", "image/png")})
    assert fault_of(stray)["code"] == "2010"
    broken = await b.client.post(
        b.path("upload"),
        content=b'--xyz\r\nContent-Disposition: form-data; name="file_content_0"\r\n\r\nabc',
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert broken.status_code == 400
    unknown_field = {"Colour": "red"}
    error = fault_of(await upload(b.client, b.path("upload"), content=b"1", metadata=unknown_field))
    assert error["code"] == "2010"
    assert await attachables(b) == []


async def test_several_files_in_one_upload(b: Books) -> None:
    files = {
        **upload_files(b"first", {"Note": "one"}, "one.txt", "text/plain", suffix="0"),
        **upload_files(b"second", None, "two.csv", "text/csv", suffix="1"),
    }
    response = await b.client.post(b.path("upload"), files=files)
    assert response.status_code == 200, response.text
    made = [item["Attachable"] for item in response.json()["AttachableResponse"]]
    assert [(a["FileName"], a["Size"]) for a in made] == [("one.txt", 5), ("two.csv", 6)]
    assert made[0]["Note"] == "one"


async def test_download_links_expire_on_the_emulator_clock(b: Books) -> None:
    response = await upload(
        b.client, b.path("upload"), content=b"secret", filename="s.txt", content_type="text/plain"
    )
    attachable = response.json()["AttachableResponse"][0]["Attachable"]
    url = (await b.client.get(b.path(f"download/{attachable['Id']}"))).text
    assert (await b.client.get(url)).content == b"secret"
    forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    assert (await b.client.get(forged)).status_code == 404
    assert (await b.client.get(url.rsplit("/", 1)[0] + "/garbage")).status_code == 404
    assert (await b.client.post("/_emulator/clock", json={"advance": 14 * 60})).status_code == 200
    assert (await b.client.get(url)).status_code == 200
    assert (await b.client.post("/_emulator/clock", json={"advance": 2 * 60})).status_code == 200
    expired = await b.client.get(url)
    assert expired.status_code == 403 and "expired" in expired.text
    fresh = (await b.client.get(b.path(f"download/{attachable['Id']}"))).text
    assert (await b.client.get(fresh)).content == b"secret"


async def test_notes_and_missing_attachables_have_nothing_to_download(b: Books) -> None:
    note = await b.ok("attachable", {"Note": "Call before delivery"})
    assert fault_of(await b.client.get(b.path(f"download/{note['Id']}")))["code"] == "610"
    assert fault_of(await b.client.get(b.path("download/999")))["code"] == "610"
    assert fault_of(await b.client.get(b.path("download/abc")))["code"] == "610"
    # Attachable JSON CRUD still goes through the entity path, files included.
    response = await upload(
        b.client, b.path("upload"), content=b"kept", filename="k.txt", content_type="text/plain"
    )
    attachable = response.json()["AttachableResponse"][0]["Attachable"]
    updated = await b.ok(
        "attachable",
        {
            "Id": attachable["Id"],
            "SyncToken": attachable["SyncToken"],
            "sparse": True,
            "Note": "renamed",
        },
    )
    assert updated["Size"] == 4 and updated["Note"] == "renamed"
    url = (await b.client.get(b.path(f"download/{attachable['Id']}"))).text
    assert (await b.client.get(url)).content == b"kept"
    await b.ok(
        "attachable", {"Id": updated["Id"], "SyncToken": updated["SyncToken"]}, operation="delete"
    )
    assert fault_of(await b.client.get(b.path(f"download/{attachable['Id']}")))["code"] == "610"


async def test_files_survive_a_restart(make_emulator: MakeEmulator, tmp_path: Path) -> None:
    db = str(tmp_path / "files.db")
    first = make_emulator(db=db)
    realm = first.realms.list()[0].realm_id
    async with client_for(first) as client:
        response = await upload(client, f"/v3/company/{realm}/upload", content=BYTES)
        attachable_id = response.json()["AttachableResponse"][0]["Attachable"]["Id"]
    first.close()
    second = make_emulator(db=db)
    async with client_for(second) as client:
        url = (await client.get(f"/v3/company/{realm}/download/{attachable_id}")).text
        assert (await client.get(url)).content == BYTES


async def test_files_marked_include_on_send_go_with_the_mail(b: Books) -> None:
    invoice = await b.sales_form("Invoice")
    metadata = {
        "AttachableRef": [
            {"EntityRef": {"type": "Invoice", "value": invoice["Id"]}, "IncludeOnSend": True}
        ]
    }
    await upload(
        b.client,
        b.path("upload"),
        content=b"%PDF-1.4 terms",
        metadata=metadata,
        filename="terms.pdf",
        content_type="application/pdf",
    )
    await upload(
        b.client,
        b.path("upload"),
        content=b"internal",
        filename="internal.txt",
        content_type="text/plain",
    )
    assert (await b.client.post(b.path(f"invoice/{invoice['Id']}/send"))).status_code == 200
    (message,) = (await b.client.get("/_emulator/outbox", params={"realm": b.realm})).json()
    assert [(a["fileName"], a["size"]) for a in message["attachments"]] == [("terms.pdf", 14)]
