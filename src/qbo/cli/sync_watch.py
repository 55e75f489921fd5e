"""The loop of ``qbo sync watch`` / ``serve``: apply webhooks, sweep by CDC, say what happened.

On a terminal the watch keeps one live status line (rich's ``Live``): the realm, its
state, the last sweep, the changes applied so far, the lag of the CDC cursors, the last
error and the time to the next sweep. Anywhere else (a log file, a pipe, a test) it
prints a timestamped line per event instead, which a log can keep and grep.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live

    from qbo.client import AsyncClient
    from qbo.sync import InboxReport, Mirror, PassReport


@dataclass
class WatchStatus:
    """What the status line shows."""

    realm_id: str
    state: str = "starting"
    sweeps: int = 0
    last_sweep: str | None = None  # wall-clock time of the last sweep, HH:MM:SS
    last_sweep_changes: int = 0
    applied: int = 0  # changes applied since the start (sweeps and webhooks)
    webhooks: int = 0  # deliveries applied since the start
    lag_seconds: float | None = None  # the oldest CDC cursor's distance from now
    last_error: str | None = None
    next_sweep_in: float | None = None  # seconds; None without sweeps

    def line(self) -> str:
        parts = [f"realm {self.realm_id}", self.state]
        if self.last_sweep is None:
            parts.append("no sweep yet")
        else:
            parts.append(f"sweep {self.sweeps} at {self.last_sweep} (+{self.last_sweep_changes})")
        parts.append(f"applied {self.applied} ({self.webhooks} webhooks)")
        parts.append("lag -" if self.lag_seconds is None else f"lag {self.lag_seconds:.0f}s")
        if self.next_sweep_in is not None:
            parts.append(f"next sweep in {self.next_sweep_in:.0f}s")
        parts.append(f"last error: {self.last_error or '-'}")
        return " | ".join(parts)


class StatusView(Protocol):
    def event(self, status: WatchStatus, line: str) -> None:
        """Something happened (``line`` says what); ``status`` is already updated."""

    def tick(self, status: WatchStatus) -> None:
        """Nothing happened; the countdown moved."""


class LineView:
    """A timestamped line per event (not a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def event(self, status: WatchStatus, line: str) -> None:
        self.console.print(f"[{time.strftime('%H:%M:%S')}]{line}", markup=False, highlight=False)

    def tick(self, status: WatchStatus) -> None:
        pass


class LiveView:
    """One status line, redrawn in place (a terminal)."""

    def __init__(self, live: Live) -> None:
        self.live = live

    def _show(self, status: WatchStatus) -> None:
        from rich.text import Text

        self.live.update(Text(status.line(), no_wrap=True, overflow="ellipsis"), refresh=True)

    def event(self, status: WatchStatus, line: str) -> None:
        self._show(status)

    def tick(self, status: WatchStatus) -> None:
        self._show(status)


@contextlib.contextmanager
def status_view(console: Console) -> Iterator[StatusView]:
    """A :class:`LiveView` when ``console`` is a terminal, else a :class:`LineView`."""
    if not console.is_terminal:
        yield LineView(console)
        return
    from rich.live import Live

    with Live(console=console, auto_refresh=False, transient=False) as live:
        yield LiveView(live)


def _sweep_line(status: WatchStatus, report: PassReport) -> str:
    line = (
        f"sweep {status.sweeps}: {sum(report.changes.values())} changes, {report.requests} requests"
    )
    if report.stopped:
        line += f"; STOPPED: {report.stopped}"
    elif report.errors:
        line += f"; errors: {report.errors}"
    return line


def _webhook_line(report: InboxReport) -> str:
    return f" webhooks: {report.done} applied, {report.bad} bad, {report.retrying} to retry"


def _refresh(status: WatchStatus, mirror: Mirror, client: AsyncClient) -> None:
    from qbo.sync.status import realm_status

    found = realm_status(mirror, client.realm_id, now=client.settings.clock())
    status.state = found.state
    lags = [e.lag_seconds for e in found.entities if e.lag_seconds is not None]
    status.lag_seconds = max(lags) if lags else None
    errors = [f"{e.entity}: {e.last_error}" for e in found.entities if e.last_error]
    if found.last_error or errors:
        status.last_error = found.last_error or errors[0]


async def watch_loop(
    mirror: Mirror,
    client: AsyncClient,
    view: StatusView,
    *,
    interval: float | None,
    passes: int | None,
    wake: asyncio.Event,
) -> WatchStatus:
    """Apply stored webhooks whenever ``wake`` is set (or each second) and sweep every
    ``interval`` seconds (never when None), until ``passes`` sweeps are done."""
    from qbo.sync import Syncer, process_inbox

    status = WatchStatus(client.realm_id)
    syncer = Syncer(mirror, client)
    next_sweep = time.monotonic()
    while passes is None or status.sweeps < passes:
        line = ""
        if interval is not None and time.monotonic() >= next_sweep:
            report = await syncer.run_once()
            status.sweeps += 1
            status.last_sweep = time.strftime("%H:%M:%S")
            status.last_sweep_changes = sum(report.changes.values())
            status.applied += status.last_sweep_changes
            if report.stopped or report.errors:
                status.last_error = report.stopped or "; ".join(
                    f"{entity}: {error}" for entity, error in report.errors.items()
                )
            next_sweep = time.monotonic() + interval
            line = _sweep_line(status, report)
        inbox = await process_inbox(mirror, client)
        status.applied += inbox.applied
        status.webhooks += inbox.done
        if inbox.errors:
            status.last_error = inbox.errors[-1]
        if inbox.done or inbox.bad or inbox.retrying:
            line += _webhook_line(inbox)
        if interval is not None:
            status.next_sweep_in = max(0.0, next_sweep - time.monotonic())
        if line:
            _refresh(status, mirror, client)
            view.event(status, line)
        else:
            view.tick(status)
        wake.clear()
        timeout = 1.0 if interval is None else max(0.05, next_sweep - time.monotonic())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), min(timeout, 1.0))
    return status
