"""``engine.stop_signal.StopSignal``: a flag that is a readable descriptor while set."""
from __future__ import annotations

import select
import threading

from engine.stop_signal import StopSignal


def readable(signal: StopSignal) -> bool:
    return bool(select.select([signal], [], [], 0)[0])


def test_readable_exactly_while_set_however_often_it_is_set_or_cleared():
    signal = StopSignal()
    assert not signal.is_set() and not readable(signal)
    signal.set()
    signal.set()
    assert signal.is_set() and readable(signal)
    signal.clear()
    assert not signal.is_set() and not readable(signal)  # one clear undoes any number of sets
    signal.clear()
    signal.set()
    assert readable(signal)
    signal.close()


def test_sets_and_clears_from_two_threads_leave_flag_and_descriptor_agreeing():
    signal = StopSignal()

    def toggle(action) -> None:
        for _ in range(2000):
            action()

    threads = [threading.Thread(target=toggle, args=(signal.set,)),
               threading.Thread(target=toggle, args=(signal.clear,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert readable(signal) == signal.is_set()
    signal.clear()
    assert not readable(signal)
    signal.close()


def test_close_twice_and_use_after_close_do_nothing():
    signal = StopSignal()
    signal.close()
    signal.close()
    signal.set()
    signal.clear()
