"""The built wheel in fresh virtual environments outside the repository.

Two installs, as users make them: the client alone (``pip install qbo``), which must work
without any extra and say which extra to install for the rest; and ``qbo[all]``, which
runs the CLI, the emulator and the pytest plugin (registered by its entry point).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.testing import ServerThread

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _run(*argv: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QBO_", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, ROOT, cwd=out)
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("qbo-*.whl")
    return found


def _venv(where: Path, requirement: str) -> Path:
    made = _run(sys.executable, "-m", "venv", where, cwd=where.parent)
    assert made.returncode == 0, made.stderr
    python = where / "bin" / "python"
    installed = _run(python, "-m", "pip", "install", "-q", requirement, cwd=where.parent)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return python


@pytest.fixture(scope="module")
def served_emulator() -> Iterator[str]:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="demo"))
    with ServerThread(create_app(emulator)) as url:
        yield url
    emulator.close()


def test_the_client_alone_needs_no_extra(wheel: Path, tmp_path: Path, served_emulator: str) -> None:
    python = _venv(tmp_path / "client-only", str(wheel))
    script = textwrap.dedent(
        f"""
        import json, importlib.util
        from qbo import Client
        from qbo.query import col
        with Client("9341453000000001", environment={served_emulator!r},
                    access_token="any", pacing=None) as qb:
            made = qb.customers.create({{"DisplayName": "Wheel Gardens"}})
            found = qb.customers.first(col("DisplayName") == "Wheel Gardens")
        print(json.dumps({{
            "id": made.Id, "found": found.Id,
            "emulator": importlib.util.find_spec("uvicorn") is not None,
            "sqlalchemy": importlib.util.find_spec("sqlalchemy") is not None,
            "typer": importlib.util.find_spec("typer") is not None,
        }}))
        """
    )
    ran = _run(python, "-c", script, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    facts = json.loads(ran.stdout)
    assert facts["id"] == facts["found"]
    assert facts == {**facts, "emulator": False, "sqlalchemy": False, "typer": False}
    cli = _run(tmp_path / "client-only" / "bin" / "qbo", "--help", cwd=tmp_path)
    assert cli.returncode == 1
    assert "pip install 'qbo[cli]'" in cli.stderr and "Traceback" not in cli.stderr


def test_all_extras_run_the_cli_the_emulator_and_the_plugin(wheel: Path, tmp_path: Path) -> None:
    python = _venv(tmp_path / "everything", f"qbo[all] @ {wheel.as_uri()}")
    _run(python, "-m", "pip", "install", "-q", "pytest>=8", cwd=tmp_path)
    bin_dir = python.parent
    version = _run(bin_dir / "qbo", "--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("qbo ")
    serve = _run(
        python,
        "-c",
        "from qbo.testing import EmulatorProcess\n"
        "with EmulatorProcess('--db', ':memory:', '--seed', 'empty') as served:\n"
        "    print(len(served.realms))",
        cwd=tmp_path,
        timeout=120,
    )
    assert serve.returncode == 0 and serve.stdout.strip() == "1", serve.stderr
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            from qbo.query import col

            def test_uses_the_plugin(qbo_client):
                acme = qbo_client.customers.create({"DisplayName": "Plugin Co"})
                assert qbo_client.customers.first(col("DisplayName") == "Plugin Co").Id == acme.Id
            """
        )
    )
    tested = _run(bin_dir / "pytest", "-q", "-p", "no:cacheprovider", "test_user.py", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "1 passed" in tested.stdout
