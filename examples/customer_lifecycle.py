"""A customer's life: create, sparse updates, a concurrent edit resolved, deactivation.

QuickBooks rejects an update made from an old version (SyncToken) with fault 5010; the
usual fix is to read the object again and re-apply the change, which
``update_with_retry`` does.
"""

import time

from _client import connect

from qbo.client import StaleObjectError
from qbo.query import col

with connect() as qb:
    customer = qb.customers.create({"DisplayName": f"Lifecycle {time.strftime('%H%M%S')}"})
    print(f"created {customer.DisplayName} (Id {customer.Id}, SyncToken {customer.SyncToken})")

    # A sparse update changes only the fields given; the rest stay as they are.
    customer = qb.customers.sparse_update(
        customer.Id, customer.SyncToken, PrimaryPhone={"FreeFormNumber": "555-0100"}
    )
    print(f"phone set, SyncToken {customer.SyncToken}")

    # Someone else saves first: our copy is now stale.
    qb.customers.sparse_update(customer.Id, customer.SyncToken, Notes="Prefers e-mail")
    try:
        qb.customers.sparse_update(customer.Id, customer.SyncToken, CompanyName="Lifecycle Ltd")
    except StaleObjectError as exc:
        print(f"stale: {exc.code} {exc.message}")

    def rename(current):
        current.CompanyName = "Lifecycle Ltd"

    customer = qb.customers.update_with_retry(customer.Id, rename, sparse=True)
    print(f"re-applied on the newest version: {customer.CompanyName}, notes kept: {customer.Notes}")

    customer = qb.customers.deactivate(customer)  # name-list objects are deactivated, not deleted
    hidden = qb.customers.count(col("DisplayName") == customer.DisplayName)
    print(f"deactivated; a plain query now finds {hidden}")
