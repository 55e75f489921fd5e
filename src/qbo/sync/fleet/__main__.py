"""``python -m qbo.sync.fleet``: one fleet worker, configured from the environment.

The same as ``qbo sync worker``, for containers and process managers that prefer a
module: settings come from ``QBO_FLEET_DATABASE``, ``QBO_CLIENT_ID``,
``QBO_CLIENT_SECRET``, ``QBO_TOKEN_KEY`` and the rest (see :class:`FleetSettings`);
``QBO_FLEET_CONCURRENCY`` (default 4) and ``QBO_FLEET_METRICS_PORT`` (off by default).
"""

from __future__ import annotations

import asyncio
import os

from qbo.sync.fleet.fleet import Fleet
from qbo.sync.fleet.logs import configure_json_logs
from qbo.sync.fleet.settings import FleetSettings


def main() -> None:
    configure_json_logs()
    settings = FleetSettings.from_env(
        sweep_cron=os.environ.get("QBO_FLEET_SWEEP_CRON"),
        recover_cron=os.environ.get("QBO_FLEET_RECOVER_CRON"),
        page_size=int(os.environ["QBO_FLEET_PAGE_SIZE"])
        if os.environ.get("QBO_FLEET_PAGE_SIZE")
        else None,
        stalled_after=float(os.environ["QBO_FLEET_STALLED_AFTER"])
        if os.environ.get("QBO_FLEET_STALLED_AFTER")
        else None,
    )
    fleet = Fleet(settings)
    fleet.install()
    port = os.environ.get("QBO_FLEET_METRICS_PORT")
    if port:
        from qbo.sync.fleet import metrics

        metrics.serve(int(port))
    concurrency = int(os.environ.get("QBO_FLEET_CONCURRENCY", "4"))
    try:
        asyncio.run(fleet.run_worker(concurrency=concurrency))
    finally:
        fleet.close()


if __name__ == "__main__":
    main()
