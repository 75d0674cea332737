"""A process where Qt objects with running timers die in reference cycles while another thread
allocates: run by tests/ui/test_gui_thread_gc.py as ``python qt_cycles_on_threads.py
guard|none SECONDS``. With ``guard`` the app's ``GuiThreadCollector`` runs; with ``none``
Python's automatic collector does, and frees some of them on the allocating thread, which Qt
reports ("Timers cannot be stopped from another thread") and which crashes the process.
Prints "survived" at the end.
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTimer

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from ui.gui_thread_gc import GuiThreadCollector  # noqa: E402


class TickingCycle(QObject):
    """A recorder-like object: a running QTimer child, and a closure over itself (the cycle)."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.ticks = 0
        self.me = lambda: self

    def tick(self) -> None:
        self.ticks += 1


def main() -> None:
    mode, seconds = sys.argv[1], float(sys.argv[2])
    app = QCoreApplication([])
    if mode == "guard":
        collector = GuiThreadCollector(interval_ms=50)
        collector.start()
    done = threading.Event()

    def allocate() -> None:  # an engine-like thread: it allocates, so it crosses thresholds
        while not done.is_set():
            [[] for _ in range(1000)]

    threading.Thread(target=allocate, daemon=True).start()
    churn = QTimer()
    churn.timeout.connect(lambda: [TickingCycle() for _ in range(20)])
    churn.start(5)
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    done.set()
    print("survived", flush=True)


if __name__ == "__main__":
    main()
