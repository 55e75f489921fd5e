"""A sync process to kill: forked from a pre-imported parent, so each run starts at once.

Run as ``python -m tests.sync.crash_worker BASE_URL REALM MIRROR_URL [SCHEMA]``. Each
``run`` line on stdin forks a child that does one sync pass (load or CDC) and processes
the webhook inbox, printing a line after every page, delivery and pass; the parent prints
``child PID`` first and ``exited STATUS`` when the child is gone (killed or finished).
The test sends SIGKILL to the child at a random line.
"""

from __future__ import annotations

import asyncio
import os
import sys

from qbo.client import AsyncClient
from qbo.sync import Mirror, Progress, Syncer, process_inbox

#: What the crash test's company holds (and the accounts their balances move).
ENTITIES = ["Customer", "Vendor", "Item", "Account", "Invoice", "Bill"]


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def one_pass(base_url: str, realm: str, mirror_url: str, schema: str | None) -> None:
    mirror = Mirror.open(mirror_url, schema=schema)
    try:
        async with AsyncClient(
            realm, environment=base_url, access_token="emulator", pacing=None
        ) as qb:

            def progress(p: Progress) -> None:
                say(f"progress {p.phase} {p.entity} {p.objects}")

            syncer = Syncer(mirror, qb, entities=ENTITIES, page_size=100, on_progress=progress)
            report = await syncer.run_once()
            say(f"pass {sum(report.changes.values())}")
            while (inbox := await process_inbox(mirror, qb, limit=1)).done:
                say(f"delivery {inbox.applied}")
    finally:
        mirror.close()


async def _read_once(base_url: str, realm: str) -> None:
    async with AsyncClient(realm, environment=base_url, access_token="emulator", pacing=None) as qb:
        await qb.query("SELECT * FROM CompanyInfo")


def warm_up(base_url: str, realm: str, mirror_url: str, schema: str | None) -> None:
    """Do once in the parent what every child would otherwise repeat (about half of a
    killed run's time): import the database driver, the migrations and the HTTP stack,
    load the entity catalogue. Reads only; the mirror is already at the newest schema."""
    from qbo.schema import catalogue
    from qbo.sync.engine import mirrored_entities

    Mirror.open(mirror_url, schema=schema).close()
    catalogue()
    mirrored_entities()
    asyncio.run(_read_once(base_url, realm))


def main(argv: list[str]) -> int:
    base_url, realm, mirror_url = argv[:3]
    schema = argv[3] if len(argv) > 3 else None
    warm_up(base_url, realm, mirror_url, schema)
    for command in sys.stdin:
        if command.strip() != "run":
            break
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                asyncio.run(one_pass(base_url, realm, mirror_url, schema))
                say("finished")
                code = 0
            finally:
                os._exit(code)
        say(f"child {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"exited {status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
