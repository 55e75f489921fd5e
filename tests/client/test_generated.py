"""The generated code is up to date, and importing the emulator does not load the client."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        spec = importlib.util.spec_from_file_location(
            f"_tool_{name}", ROOT / "tools" / f"{name}.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "tools"))


def test_resources_match_the_catalogue() -> None:
    generator = _tool("gen_client_resources")
    assert generator.TARGET.read_text(encoding="utf-8") == generator.render(), (
        "src/qbo/client/_async/entities.py is stale: run `make unasync`"
    )


def test_sync_twin_is_regenerated_identically() -> None:
    unasync = _tool("unasync")
    files = unasync.generated()
    assert {p.name for p in files} == {p.name for p in unasync.SOURCE.glob("*.py")}
    stale = [p.name for p, text in files.items() if p.read_text(encoding="utf-8") != text]
    assert stale == [], f"out of date (run `make unasync`): {stale}"
    extra = [p.name for p in unasync.TARGET.glob("*.py") if p not in files]
    assert extra == []


def test_unasync_rules() -> None:
    unasync = _tool("unasync")
    source = (
        "async def f(c: httpx.AsyncClient) -> AsyncIterator[int]:\n"
        "    async with c:\n"
        "        async for x in AsyncThing():\n"
        "            await asleep(1)\n"
        "            yield await c.aclose()\n"
        "from qbo.client._async.core import AsyncCore\n"
    )
    assert unasync.unasync(source) == (
        "def f(c: httpx.Client) -> Iterator[int]:\n"
        "    with c:\n"
        "        for x in Thing():\n"
        "            sleep(1)\n"
        "            yield c.close()\n"
        "from qbo.client._sync.core import Core\n"
    )


def test_importing_the_emulator_or_qbo_does_not_load_the_client() -> None:
    code = (
        "import sys, qbo, qbo.emulator, qbo.schema.models\n"
        "loaded = [m for m in sys.modules if m.startswith('qbo.client')]\n"
        "assert loaded == [], loaded\n"
        "assert qbo.Client.__name__ == 'Client' and qbo.AsyncClient.__name__ == 'AsyncClient'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
