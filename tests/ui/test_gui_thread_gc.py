"""GUI-thread garbage collection (ui/gui_thread_gc.py): cycles made and dropped on another thread
are freed on the GUI thread, by the timer, and never on the thread that allocates.

Real parts: CPython's collector, a real ``threading.Thread`` allocating enough to cross every
generation's threshold, and the collector's QTimer in pytest-qt's event loop.
"""
from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ui.gui_thread_gc import GuiThreadCollector, collect_due


class Cycle:
    """Refers to itself, so only the cyclic collector frees it; says on which thread."""

    freed_on: list[str] = []

    def __init__(self):
        self.me = self

    def __del__(self):
        Cycle.freed_on.append(threading.current_thread().name)


def drop_cycles_and_allocate(count: int, kept: list) -> None:
    for _ in range(count):
        Cycle()
    # Enough live container allocations to pass the young generation's threshold many times.
    kept.extend([] for _ in range(20 * gc.get_threshold()[0]))


@pytest.fixture
def collector(qtbot):
    gc.collect()
    Cycle.freed_on.clear()
    made = GuiThreadCollector(interval_ms=20)
    yield made
    made.stop()


def run_on_a_thread(kept: list) -> None:
    worker = threading.Thread(target=drop_cycles_and_allocate, args=(50, kept),
                              name="engine-like")
    worker.start()
    worker.join()


def test_without_it_the_allocating_thread_frees_the_cycles(collector):
    """The hazard itself: with Python's automatic collection, the worker thread frees them."""
    gc.enable()
    run_on_a_thread([])
    assert "engine-like" in Cycle.freed_on


def test_cycles_dropped_on_a_worker_thread_are_freed_on_the_gui_thread(qtbot, collector):
    collector.start()
    assert not gc.isenabled()
    kept = []  # alive, so the young generation's count stays past its threshold
    run_on_a_thread(kept)
    assert Cycle.freed_on == []  # the allocating thread never collected
    qtbot.waitUntil(lambda: len(Cycle.freed_on) == 50, timeout=10_000)
    assert set(Cycle.freed_on) == {threading.main_thread().name}


def test_stop_gives_collection_back_to_python_and_frees_what_is_left(qtbot, collector):
    was_enabled = gc.isenabled()
    collector.start()
    Cycle()
    collector.stop()
    assert Cycle.freed_on == [threading.main_thread().name]
    assert gc.isenabled() == was_enabled


def test_collect_due_collects_the_generation_python_would():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        assert collect_due() is None  # nothing allocated since: nothing due
        threshold0 = gc.get_threshold()[0]
        keep = [[] for _ in range(threshold0 + 10)]
        assert collect_due() == 0 and gc.get_count()[0] < threshold0
        for _ in range(gc.get_threshold()[1] + 1):  # as many young collections as gen 1 allows
            keep += [[] for _ in range(threshold0 + 10)]
            collect_due()
        assert gc.get_count()[1] <= gc.get_threshold()[1]  # gen 1 was collected on the way
    finally:
        if was_enabled:
            gc.enable()


QT_WARNING = "Timers cannot be stopped from another thread"


def run_scenario(mode: str) -> subprocess.CompletedProcess:
    """tests/ui/qt_cycles_on_threads.py in a fresh interpreter (offscreen Qt, no display)."""
    script = Path(__file__).with_name("qt_cycles_on_threads.py")
    return subprocess.run([sys.executable, str(script), mode, "3"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def test_qt_objects_freed_off_the_gui_thread_is_what_crashes_without_it():
    """The hazard, in a real Qt process: Qt objects collected by the allocating thread."""
    result = run_scenario("none")
    assert QT_WARNING in result.stderr or result.returncode != 0, result


def test_with_it_qt_objects_in_cycles_die_on_the_gui_thread_and_the_process_lives():
    result = run_scenario("guard")
    assert result.returncode == 0 and "survived" in result.stdout, result
    assert QT_WARNING not in result.stderr, result.stderr[-2000:]
