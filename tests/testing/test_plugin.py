"""The pytest plugin, registered by qbo's ``pytest11`` entry point."""

from __future__ import annotations

from datetime import timedelta

import pytest

from qbo.client import BusinessValidationError, Client
from qbo.emulator import Emulator
from qbo.query import col
from qbo.testing.plugin import EmulatorClock, FaultInjector


def test_the_plugin_hands_back_a_working_client(qbo_client: Client, qbo_emulator: Emulator) -> None:
    assert qbo_client.customers.count() >= 25
    created = qbo_client.customers.create({"DisplayName": "Plugin Test Co"})
    found = qbo_client.customers.first(col("DisplayName") == "Plugin Test Co")
    assert found is not None and found.Id == created.Id
    realm = qbo_emulator.realms.list()[0]
    with qbo_emulator.realms.session(realm, write=False) as s:
        assert s.get("Customer", str(created.Id)) is not None


def test_the_in_process_client_needs_no_socket(qbo_inprocess_client: Client) -> None:
    made = qbo_inprocess_client.customers.create({"DisplayName": "In Process Co"})
    assert qbo_inprocess_client.customers.get(str(made.Id)).DisplayName == "In Process Co"
    pdf = qbo_inprocess_client.invoices.pdf("1")  # a binary body through the thread hop
    assert pdf.startswith(b"%PDF")


def test_time_travel_moves_the_emulator_clock(qbo_client: Client, qbo_clock: EmulatorClock) -> None:
    before = qbo_clock.now()
    made = qbo_client.customers.create({"DisplayName": "Time Traveller"})
    after = qbo_clock.advance(days=40)
    assert after - before >= timedelta(days=40)
    with pytest.raises(BusinessValidationError) as refused:  # 30 days, on the emulator's clock
        qbo_client.cdc(["Customer"], before)
    assert refused.value.element == "changedSince"
    assert made.MetaData is not None and made.MetaData.CreateTime is not None
    assert made.MetaData.CreateTime < after


def test_injected_faults_are_retried_and_cleared(
    qbo_client: Client, qbo_faults: FaultInjector
) -> None:
    rule = qbo_faults.add(status=503, when="after_commit", count=1, path_prefix="customer")
    made = qbo_client.customers.create({"DisplayName": "Fault Tolerant"})  # retried, once
    assert qbo_client.customers.count(col("DisplayName") == "Fault Tolerant") == 1
    (listed,) = qbo_faults.rules()
    assert listed["id"] == rule["id"] and listed["fired"] == 1
    assert made.Id is not None


def test_each_test_gets_the_seeded_company_back(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from datetime import UTC, datetime, timedelta
        from qbo.query import col

        def test_one_changes_things(qbo_client, qbo_clock):
            qbo_client.customers.create({"DisplayName": "Left Behind"})
            qbo_clock.advance(days=400)

        def test_two_sees_none_of_it(qbo_client, qbo_clock, qbo_emulator):
            assert qbo_client.customers.first(col("DisplayName") == "Left Behind") is None
            assert abs(qbo_clock.now() - datetime.now(UTC)) < timedelta(minutes=5)
        """
    )
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
