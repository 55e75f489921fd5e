"""The committed catalogue.json and models.py are exactly what the generators produce."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
# A folder of Intuit's v3 XSDs (QBO_XSD_DIR); the freshness check runs where one is given.
XSD_DIR = Path(os.environ.get("QBO_XSD_DIR", REPO / "intuit-v3-xsd"))
SCHEMA = REPO / "src" / "qbo" / "schema"


def _tool(name: str) -> ModuleType:
    """Import a script from tools/ (not a package) by path."""
    spec = importlib.util.spec_from_file_location(f"_tools_{name}", REPO / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not XSD_DIR.is_dir(), reason="no Intuit XSDs: set QBO_XSD_DIR")
def test_catalogue_generation_is_deterministic_and_committed(tmp_path: Path) -> None:
    gen = _tool("gen_catalogue")
    out = tmp_path / "catalogue.json"
    assert gen.main([str(XSD_DIR), "--out", str(out), "--no-models"]) == 0
    first = out.read_text(encoding="utf-8")
    assert gen.render(gen.build(XSD_DIR)) == first
    assert first == (SCHEMA / "catalogue.json").read_text(encoding="utf-8"), (
        "catalogue.json is stale: run `make catalogue`"
    )


def test_models_match_the_catalogue(tmp_path: Path) -> None:
    gen = _tool("gen_models")
    out = tmp_path / "models.py"
    assert gen.main(["--catalogue", str(SCHEMA / "catalogue.json"), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (SCHEMA / "models.py").read_text(encoding="utf-8"), (
        "models.py is stale: run `make catalogue`"
    )


def test_no_xsd_prose_in_catalogue() -> None:
    text = (SCHEMA / "catalogue.json").read_text(encoding="utf-8")
    for marker in ("Description:", "Product:", "[br /]", "Filterable:"):
        assert marker not in text
