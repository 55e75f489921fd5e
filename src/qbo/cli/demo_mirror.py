"""The demo's last act: the company mirrored into SQLite, then kept current by webhooks.

The initial load runs with a progress bar per entity (what ``qbo sync run`` shows); then
a customer is created through the API, the emulator delivers the change to a webhook
inbox served on a loopback port, and the mirror has the row moments later.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import func, select

from qbo.cli.sync_commands import ProgressBars
from qbo.client import AsyncClient
from qbo.sync import Mirror, Syncer, WebhookInbox, process_inbox
from qbo.sync import tables as t
from qbo.testing import ServerThread, emulator_login


class _Late:
    """An ASGI app whose handler is set after the server (and so its port) exists."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def _count(mirror: Mirror, realm_id: str) -> list[tuple[str, int]]:
    o = t.objects
    with mirror.transaction() as conn:
        rows = conn.execute(
            select(o.c.entity, func.count())
            .where(o.c.realm_id == realm_id, o.c.deleted.is_(False))
            .group_by(o.c.entity)
            .order_by(func.count().desc())
        ).all()
    return [(str(entity), int(n)) for entity, n in rows]


def _mirrored(mirror: Mirror, realm_id: str, name: str) -> bool:
    o = t.objects
    with mirror.transaction() as conn:
        return (
            conn.execute(
                select(o.c.id).where(
                    o.c.realm_id == realm_id, o.c.entity == "Customer", o.c.name == name
                )
            ).first()
            is not None
        )


def mirror_company(
    console: Console, base_url: str, realm_id: str, folder: Path
) -> list[tuple[str, str]]:
    """Load the company into a SQLite mirror, then follow one change through a webhook."""
    stored = threading.Event()
    late = _Late()
    with Mirror.open(f"sqlite:///{folder / 'mirror.db'}") as mirror, ServerThread(late) as hook_url:
        login = emulator_login(
            base_url, realm_id, name="qbo demo mirror", webhook_url=f"{hook_url}/webhooks"
        )
        late.app = WebhookInbox(
            mirror, login.verifier_token, path="/webhooks", on_stored=stored.set
        )

        async def go() -> tuple[Any, float, float]:
            async with AsyncClient(
                realm_id,
                environment=base_url,
                credentials=login.credentials,
                token_store=login.token_store,
            ) as client:
                bars = ProgressBars()
                with bars.progress:
                    report = await Syncer(mirror, client, on_progress=bars).run_once()
                stored.clear()
                name = f"Webhook Gardens {time.strftime('%H%M%S')}"
                written = time.perf_counter()
                await client.customers.create({"DisplayName": name})
                deadline = time.monotonic() + 60
                while not _mirrored(mirror, realm_id, name):
                    if time.monotonic() > deadline:
                        raise RuntimeError("the webhook did not reach the mirror in 60 s")
                    await asyncio.to_thread(stored.wait, 1.0)
                    stored.clear()
                    await process_inbox(mirror, client)
                return report, written, time.perf_counter()

        report, written, arrived = asyncio.run(go())
        counts = _count(mirror, realm_id)
    total = sum(n for _, n in counts)
    top = ", ".join(f"{entity} {n}" for entity, n in counts[:5])
    return [
        ("Initial load", f"{total} objects of {len(counts)} types ({top}, ...)"),
        ("Requests", f"{report.requests} (batched: 30 queries of 1000 rows per request)"),
        ("Webhook", f"a new customer was in the mirror {arrived - written:.2f} s after the write"),
    ]
