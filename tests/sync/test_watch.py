"""``qbo sync watch``'s loop on the real engine: a line per event when the output is not a
terminal, one live status line when it is (rich's Live, rendered into a string)."""

from __future__ import annotations

import asyncio
import re
from io import StringIO

import pytest
from rich.console import Console

from qbo.cli.sync_watch import LineView, LiveView, status_view, watch_loop
from qbo.emulator.webhooks import webhooks_for
from tests.sync.conftest import Env
from tests.sync.test_webhooks import delivering

pytestmark = pytest.mark.anyio


async def test_without_a_terminal_each_event_is_a_line(env: Env) -> None:
    for entity in ("Customer", "Invoice"):
        await env.world.create(entity)
    out = StringIO()
    console = Console(file=out, width=200)
    with status_view(console) as view:
        assert isinstance(view, LineView)
        status = await watch_loop(
            env.mirror, env.qb, view, interval=0.05, passes=2, wake=asyncio.Event()
        )
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"\[\d\d:\d\d:\d\d\]sweep 1: \d+ changes, \d+ requests", lines[0])
    assert lines[1].startswith("[") and "sweep 2: 0 changes" in lines[1]
    assert len(lines) == 2
    assert status.sweeps == 2 and status.applied == len(await env.emulator_objects())
    assert status.state == "active" and status.last_error is None


async def test_on_a_terminal_one_live_status_line_says_it_all(env: Env) -> None:
    await env.syncer().run_once()
    async with delivering(env, "legacy"):
        await env.world.create("Vendor")
        env.emulator.clock.advance(2)
        await webhooks_for(env.emulator).run_once(force=True)  # stored, not yet applied
        out = StringIO()
        console = Console(file=out, force_terminal=True, width=250, color_system=None)
        with status_view(console) as view:
            assert isinstance(view, LiveView)
            status = await watch_loop(
                env.mirror, env.qb, view, interval=60.0, passes=1, wake=asyncio.Event()
            )
    shown = out.getvalue()
    assert "\x1b[" in shown  # drawn in place with cursor control, not appended
    assert "sweep 1:" not in shown  # no line per event
    last = [line for line in re.split(r"\x1b\[[0-9;]*[A-Za-z]", shown) if "realm" in line][-1]
    assert last.startswith(f"realm {env.realm} | active | sweep 1 at "), last
    assert "(+1)" in last and "applied 1 (1 webhooks)" in last
    assert re.search(r"\| lag \d+s \| next sweep in \d+s \| last error: -", last), last
    assert status.webhooks == 1 and status.lag_seconds is not None
