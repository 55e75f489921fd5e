"""Fixtures: an emulator of the test's own (``private``) and a fresh realm (``local_api``)."""

from tests.emulators import local_api, private

__all__ = ["local_api", "private"]
