"""The worker's doorbell: one idle sender per ring, none while a sender lingers to claim."""

from __future__ import annotations

import threading
import time

from reporting.delivery.worker import Doorbell


def _waiter(bell: Doorbell, woke: list[float]) -> threading.Thread:
    started = time.monotonic()

    def wait() -> None:
        bell.wait(timeout=1.0)
        woke.append(time.monotonic() - started)

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.05)  # let it reach the wait
    return thread


def test_a_ring_wakes_one_waiting_sender() -> None:
    bell, woke = Doorbell(), []
    first, second = _waiter(bell, woke), _waiter(bell, woke)
    bell.set()
    first.join(2)
    second.join(2)
    assert len(woke) == 2
    assert min(woke) < 0.5 < max(woke)  # one woke at the ring, the other at its timeout


def test_no_sender_is_woken_while_another_lingers_before_its_claim() -> None:
    bell, woke = Doorbell(), []
    assert not bell.someone_lingers()
    with bell.lingering():
        assert bell.someone_lingers()
        waiter = _waiter(bell, woke)
        bell.set()  # the lingering sender's claim will find these rows
        waiter.join(2)
    assert woke and woke[0] > 0.9  # timed out: the ring was left to the lingerer
    woke.clear()
    waiter = _waiter(bell, woke)
    bell.set()  # nobody lingers now: the ring wakes the idle sender
    waiter.join(2)
    assert woke and woke[0] < 0.5
