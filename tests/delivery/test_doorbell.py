"""The worker's doorbell: a ring is kept until the turn holder's next wait; clear drops it."""

from __future__ import annotations

import threading
import time

from reporting.delivery.worker import Doorbell


def test_a_ring_wakes_the_waiting_sender_at_once() -> None:
    bell, woke = Doorbell(), []
    started = time.monotonic()

    def wait() -> None:
        woke.append((bell.wait(timeout=2.0), time.monotonic() - started))

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.05)  # let it reach the wait
    bell.set()
    waiter.join(3)
    assert woke and woke[0][0] is True and woke[0][1] < 1.0


def test_a_ring_nobody_waited_for_is_kept_once() -> None:
    bell = Doorbell()
    bell.set()  # a commit while the turn holder was claiming
    assert bell.wait(timeout=1.0) is True
    started = time.monotonic()
    assert bell.wait(timeout=0.1) is False  # consumed: the next wait times out
    assert time.monotonic() - started >= 0.09


def test_clear_drops_rings_the_next_claim_finds_anyway() -> None:
    bell = Doorbell()
    bell.set()
    bell.clear()
    assert bell.wait(timeout=0.05) is False


def test_close_wakes_now_and_from_now_on() -> None:
    bell = Doorbell()
    bell.close()
    assert bell.wait(timeout=5.0) is True
    assert bell.wait(timeout=5.0) is True  # still closed: stopping senders never block
    bell.clear()
    assert bell.wait(timeout=5.0) is True
    bell.open()
    assert bell.wait(timeout=0.05) is False
