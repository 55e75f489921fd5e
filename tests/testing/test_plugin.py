"""The pytest plugin users enable with ``pytest_plugins = ["qbo.testing.plugin"]``."""

from __future__ import annotations

from qbo.client import Client
from qbo.emulator import Emulator
from qbo.query import col


def test_the_plugin_hands_back_a_working_client(qbo_client: Client, qbo_emulator: Emulator) -> None:
    assert qbo_client.customers.count() >= 25
    created = qbo_client.customers.create({"DisplayName": "Plugin Test Co"})
    found = qbo_client.customers.first(col("DisplayName") == "Plugin Test Co")
    assert found is not None and found.Id == created.Id
    realm = qbo_emulator.realms.list()[0]
    with qbo_emulator.realms.session(realm, write=False) as s:
        assert s.get("Customer", str(created.Id)) is not None
