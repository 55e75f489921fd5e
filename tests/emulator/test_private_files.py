"""The emulator's database holds its signing and HMAC keys: 0600, in a 0700 folder it makes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from qbo.emulator import Emulator, EmulatorConfig
from qbo.private_files import create_private, sqlite_file

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_file_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "made" / "here"
    emulator = Emulator.open(EmulatorConfig(db=str(folder / "emulator.db"), seed="empty"))
    try:
        assert emulator.realms.list()  # keys and a realm were written
    finally:
        emulator.close()
    assert _mode(folder / "emulator.db") == 0o600
    assert _mode(folder) == 0o700 and _mode(folder.parent) == 0o700


def test_an_existing_file_and_folder_keep_their_modes(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    path.write_bytes(b"")
    path.chmod(0o640)
    tmp_path.chmod(0o755)
    create_private(path)
    assert _mode(path) == 0o640 and _mode(tmp_path) == 0o755


def test_which_urls_name_a_file() -> None:
    assert sqlite_file("sqlite:///a/b.db") == Path("a/b.db")
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql+psycopg://u@h/db") is None
