"""Requests started ahead of their use: a bulk read overlaps the network with the caller.

``client.extract()`` keeps a second ``/batch`` request in flight while its caller writes
the pages of the first, so QBO's response time and the caller's work overlap instead of
adding up. Results come back in the order the work was started.

:class:`AsyncAhead` runs started work as asyncio tasks, at most ``limit`` at once. Under
another event loop (trio, through anyio) it runs each piece when its result is asked for,
which is correct, only not concurrent. :class:`Ahead` is the sync client's twin (the code
generator turns ``AsyncAhead`` into ``Ahead``): a sync client has no concurrency, so work
runs when started and at most one result is held.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Coroutine, Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _on_asyncio() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # trio (through anyio): no asyncio loop in this thread
        return False
    return True


class AsyncAhead(Generic[T]):
    """At most ``limit`` pieces of work in flight; results in start order."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._concurrent = _on_asyncio()
        self.limit = limit if self._concurrent else 1
        self._pending: deque[Awaitable[T]] = deque()

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def full(self) -> bool:
        return len(self._pending) >= self.limit

    def start(self, work: Coroutine[Any, Any, T]) -> None:
        self._pending.append(asyncio.ensure_future(work) if self._concurrent else work)

    async def next(self) -> T:
        """The result of the oldest work started (its exception, if it failed)."""
        return await self._pending.popleft()

    async def all(self, works: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
        """Every result of ``works`` in order, at most ``limit`` in flight; then closed."""
        results: list[T] = []
        try:
            for work in works:
                if self.full:
                    results.append(await self.next())
                self.start(work)
            while self._pending:
                results.append(await self.next())
        finally:
            await self.aclose()
        return results

    async def aclose(self) -> None:
        """Cancel what is still in flight (the caller stopped reading, or failed)."""
        while self._pending:
            work = self._pending.popleft()
            if isinstance(work, asyncio.Future):
                work.cancel()
                with contextlib.suppress(BaseException):
                    await work
            elif isinstance(work, Coroutine):
                work.close()


class Ahead(Generic[T]):
    """The sync twin of :class:`AsyncAhead`: work has run by the time it is started."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = 1
        self._results: deque[T] = deque()

    def __len__(self) -> int:
        return len(self._results)

    @property
    def full(self) -> bool:
        return len(self._results) >= self.limit

    def start(self, work: T) -> None:
        self._results.append(work)

    def next(self) -> T:
        return self._results.popleft()

    def all(self, works: Iterable[T]) -> list[T]:
        """Every result of ``works`` (each ran as it was reached), in order."""
        return list(works)

    def close(self) -> None:
        self._results.clear()
