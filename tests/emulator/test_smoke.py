"""The smallest contract: read what the empty seed wrote, create a customer."""

from __future__ import annotations

import pytest

from tests.conftest import Api

pytestmark = pytest.mark.anyio


async def test_create_and_read_customer(api: Api) -> None:
    created = await api.create("Customer", {"DisplayName": "Smoke Test Ltd"})
    assert created["SyncToken"] == "0"
    read = await api.read("Customer", created["Id"])
    assert read == created
