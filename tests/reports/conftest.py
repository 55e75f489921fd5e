"""Fixtures for report tests: a fresh company on one in-memory emulator, driven directly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qbo.emulator import Emulator, EmulatorConfig
from tests.ledger.books import Books


@pytest.fixture(scope="session")
def report_emulator() -> Iterator[Emulator]:
    emu = Emulator.open(EmulatorConfig(db=":memory:", seed="empty"))
    yield emu
    emu.close()


@pytest.fixture
def books(report_emulator: Emulator) -> Books:
    return Books.open(report_emulator)
