"""Waiting, in the sync and the async flavour (``asleep`` becomes ``sleep`` in the sync twin)."""

from __future__ import annotations

import time

import anyio

sleep = time.sleep


async def asleep(seconds: float) -> None:
    """Wait without blocking the event loop (any anyio backend: asyncio or trio)."""
    await anyio.sleep(seconds)
