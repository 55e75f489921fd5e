"""Write with batch, then read back every change since a moment with change data capture.

CDC returns the newest version of each changed object and a tombstone for each deletion;
the client continues past QuickBooks' 1000-object cap on its own.
"""

import time
from datetime import UTC, datetime, timedelta

from _client import connect

from qbo.client import Deleted
from qbo.schema.models import Customer

with connect() as qb:
    since = datetime.now(UTC) - timedelta(seconds=1)
    batch = qb.batch()
    stamp = time.strftime("%H%M%S")
    bids = [batch.create(Customer(DisplayName=f"CDC {stamp} #{n}")) for n in range(3)]
    result = batch.execute()
    first = result[bids[0]].unwrap_as(Customer)
    qb.customers.deactivate(first)

    changes = qb.cdc(["Customer", "Invoice"], since)
    for change in changes:
        if isinstance(change, Deleted):
            print(f"deleted  {change.entity} {change.id}")
        else:
            print(f"changed  {type(change).__name__} {change.Id} (SyncToken {change.SyncToken})")
    print(f"{len(list(changes))} changes in {changes.requests} CDC request(s)")
