"""Oversized bodies are refused while they are read: memory grows by far less than the body.

The server runs in this process (uvicorn on a loopback socket), so ``tracemalloc`` sees
every byte it holds; the client sends the same 64 KiB chunk over and over, so it holds
next to nothing itself.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from qbo.emulator import create_app
from qbo.emulator.http.limits import SMALL_BODY_BYTES, body_limit
from qbo.emulator.oauth.server import REVOKE_PATH, TOKEN_PATH
from qbo.schema import jsoncodec
from qbo.testing import ServerThread
from tests.emulator.conftest import MakeEmulator

MIB = 1024 * 1024
CHUNK = b"x" * (64 * 1024)
BODY = 64 * MIB


def _chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // len(CHUNK)):
        yield CHUNK


def _post_chunked(url: str, total: int) -> tuple[httpx.Response, int]:
    """POST ``total`` bytes with no Content-Length; the answer and the peak bytes traced."""
    tracemalloc.start()
    try:
        with httpx.Client(timeout=60) as client:
            response = client.post(
                url, content=_chunks(total), headers={"Content-Type": "application/json"}
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak


@pytest.fixture
def served(make_emulator: MakeEmulator) -> Iterator[tuple[str, str]]:
    emulator = make_emulator()
    with ServerThread(create_app(emulator)) as url:
        yield url, emulator.realms.list()[0].realm_id


def test_a_64_mib_api_body_is_refused_as_it_streams(served: tuple[str, str]) -> None:
    url, realm = served
    response, peak = _post_chunked(f"{url}/v3/company/{realm}/customer", BODY)
    assert response.status_code == 400, response.text
    error = jsoncodec.loads(response.text)["Fault"]["Error"][0]
    assert error["code"] == "6000" and str(4 * MIB) in error["Detail"]
    assert response.headers["intuit_tid"]
    assert peak < 16 * MIB, peak  # the 4 MiB limit's worth at most, never the 64 MiB


@pytest.mark.parametrize("path", [TOKEN_PATH, REVOKE_PATH])
def test_oauth_endpoints_take_64_kib(served: tuple[str, str], path: str) -> None:
    url, _ = served
    response, peak = _post_chunked(f"{url}{path}", BODY)
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "invalid_request"
    assert peak < 4 * MIB, peak


def test_a_declared_length_over_the_limit_is_not_read(make_emulator: MakeEmulator) -> None:
    """The ASGI app answers without calling ``receive`` once."""
    import anyio

    emulator = make_emulator()
    app = create_app(emulator)
    realm = emulator.realms.list()[0].realm_id
    reads: list[object] = []
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        reads.append(1)
        return {"type": "http.request", "body": CHUNK, "more_body": True}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/v3/company/{realm}/customer",
        "raw_path": f"/v3/company/{realm}/customer".encode(),
        "query_string": b"",
        "headers": [(b"host", b"localhost"), (b"content-length", str(1024 * MIB).encode())],
        "client": ("127.0.0.1", 4321),
        "server": ("127.0.0.1", 80),
        "app": app,
    }
    anyio.run(app, scope, receive, send)
    assert reads == []
    assert sent[0]["status"] == 400
    assert b"1073741824 bytes" in sent[1]["body"]  # type: ignore[operator]


def test_limits_per_route(make_emulator: MakeEmulator) -> None:
    config = make_emulator(max_upload_bytes=10 * MIB).config
    assert body_limit(config, "/v3/company/1/customer") == 4 * MIB
    assert body_limit(config, "/v3/company/1/upload") == 11 * MIB
    assert body_limit(config, "/_emulator/realms") == 4 * MIB
    assert body_limit(config, TOKEN_PATH) == SMALL_BODY_BYTES
