"""The cycle collector's pause: off while any block runs, back as found after the last."""

from __future__ import annotations

import gc
import threading

from qbo.schema.collector import paused


def test_overlapping_blocks_in_two_threads_keep_it_off_until_the_last_ends() -> None:
    assert gc.isenabled()
    first_inside, second_inside, first_may_end = (threading.Event() for _ in range(3))
    seen: list[bool] = []

    def first() -> None:
        with paused():
            first_inside.set()
            first_may_end.wait(10)
        seen.append(gc.isenabled())  # the second block still runs: still off

    worker = threading.Thread(target=first)
    worker.start()
    assert first_inside.wait(10)
    with paused():
        assert not gc.isenabled()
        second_inside.set()
        first_may_end.set()
        worker.join(10)
        assert not gc.isenabled()
        with paused():  # nested in the same thread
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_application_stays_off() -> None:
    gc.disable()
    try:
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
