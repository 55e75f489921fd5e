"""Create 100 customers with batch requests: 30 items per request, faults per item."""

import time

from _client import connect

from qbo.schema.models import Customer

with connect() as qb:
    batch = qb.batch()
    stamp = time.strftime("%Y%m%d%H%M%S")
    for n in range(100):
        batch.create(Customer(DisplayName=f"Batch {stamp} #{n:03}"))
    result = batch.execute()  # 4 requests of at most 30 items, each retried safely
    print(f"{len(result.successes)} created, {len(result.faults)} failed")
    for item in result.faults:
        print(f"  item {item.bid}: {item.error}")
