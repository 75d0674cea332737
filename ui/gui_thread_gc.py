"""Python's cyclic garbage collector, run only on the GUI thread.

Why: CPython collects reference cycles on whichever thread happens to allocate when a
generation's count crosses its threshold — in Murmur that may be the engine worker's QThread,
the engine child's log relay, the capture worker or pynput's listener. A Qt object caught in a
cycle (a QObject whose attribute is a closure over itself, a widget and the lambda connected to
it) is then destroyed on that thread while the GUI thread may be using it, which Qt does not
allow: the process can die with SIGSEGV in the GUI thread's event loop. The test suite met
exactly that (a recorder, its QTimer and a lambda left in a cycle by a failed test, collected
during the next test while an engine thread ran). pyqtgraph's documentation names the same hazard.

So automatic collection is switched off and a GUI-thread timer makes the collections Python would
have made, generation by generation, by Python's own thresholds (``collect_due``). Garbage in
cycles lives up to ``INTERVAL_MS`` longer; nothing else changes.
"""
from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

#: How often the GUI thread looks at the collector's counts. One wake-up every two seconds costs
#: nothing measurable when idle; a young generation's garbage waits at most that long.
INTERVAL_MS = 2000
#: A full collection slower than this is logged (it ran on the GUI thread).
SLOW_COLLECTION_S = 0.05


def collect_due() -> int | None:
    """Collect the oldest generation whose count has passed its threshold, as CPython's automatic
    collector would; return that generation, or None when nothing was due."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    due = None
    for generation, (count, threshold) in enumerate(zip(counts, thresholds)):
        if threshold and count > threshold:
            due = generation
        else:
            break  # an older generation is only examined when the younger one was due too
    if due is not None:
        started = time.perf_counter()
        gc.collect(due)
        spent = time.perf_counter() - started
        if spent > SLOW_COLLECTION_S:
            log.debug("garbage collection of generation %d took %.0f ms", due, spent * 1000)
    return due


class GuiThreadCollector(QObject):
    """Switches automatic garbage collection off and collects from a timer on this object's
    (the GUI) thread. ``start`` on the GUI thread; ``stop`` gives collection back to Python."""

    def __init__(self, interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(collect_due)
        self._was_enabled = False

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
        gc.collect()  # what is left, here on the GUI thread, before Qt goes away
