"""Testing your integration with qbo's pytest plugin (installed with qbo[emulator]).

Each test gets a fresh in-memory emulator with the demo company; ``qbo_client`` is a
``qbo.Client`` connected to it. Run with ``pytest examples/testing``.
"""

from decimal import Decimal

from qbo.query import col


def open_balance(qb, customer_name: str) -> Decimal:
    """The code under test: what a customer owes, from their open invoices."""
    customer = qb.customers.first(col("DisplayName") == customer_name)
    invoices = qb.invoices.query(col("CustomerRef") == customer.Id)
    return sum((inv.Balance for inv in invoices), Decimal(0))


def test_open_balance_matches_the_customer_balance(qbo_client):
    customer = qbo_client.customers.first(col("Balance") > 0)
    assert open_balance(qbo_client, customer.DisplayName) == customer.Balance


def test_a_new_customer_owes_nothing(qbo_client):
    qbo_client.customers.create({"DisplayName": "Fresh Start"})
    assert open_balance(qbo_client, "Fresh Start") == 0
