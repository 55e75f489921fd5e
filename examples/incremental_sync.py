"""Keep a local SQLite copy of the company current, and react to what changed.

The first run loads everything (batched, resumable); every later run reads only the
changes since the last one (CDC). Each applied change also lands in the mirror's change
feed, which a consumer reads at least once, from a position it stores: here, invoices
that were paid in full since the last run.

    python incremental_sync.py [mirror.db]
"""

import asyncio
import os
import sys

from qbo import AsyncClient
from qbo.sync import ChangeFeed, Mirror, Syncer


async def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "mirror.db"
    environment = os.environ.get("QBO_BASE_URL") or os.environ.get("QBO_ENV", "sandbox")
    with Mirror.open(f"sqlite:///{path}") as mirror:
        async with AsyncClient(
            os.environ["QBO_REALM"],
            environment=environment,
            access_token=os.environ["QBO_ACCESS_TOKEN"],
        ) as qb:
            report = await Syncer(mirror, qb).run_once()
        print(
            f"{sum(report.changes.values())} changes applied in {report.requests} requests"
            f" ({', '.join(f'{k} {v}' for k, v in report.changes.items()) or 'none'})"
        )

        feed = ChangeFeed(mirror, "paid-invoices")  # its position is stored in the mirror
        paid = []

        def on_change(event):
            document = feed.document(event)  # the object as mirrored now
            if event.entity == "Invoice" and document and document.get("Balance") == 0:
                paid.append(event.object_id)

        feed.run(on_change)
        print(f"{len(paid)} invoices fully paid since the last run")


asyncio.run(main())
