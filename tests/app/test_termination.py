"""SIGTERM reaches the Qt event loop as ``TerminationSignals.requested`` while it waits in C++.

Real parts: the real signal, sent to this process by ``kill`` (another process, as a logout does)
while a Qt event loop runs. The loop sleeps in C++ and retries its wait when a signal interrupts
it, so without the wakeup socket Python's handler would run only when something else woke the
loop: here the deadline, a C++-only timer, which the signal must beat. The app's quit path is
tests/faults/test_quit_faults.py.
"""
from __future__ import annotations

import os
import signal
import subprocess

from PySide6.QtCore import QEventLoop, QTimer

from app.termination import TerminationSignals

DEADLINE_MS = 10_000  # only ends the wait if the signal never woke the loop


def test_sigterm_wakes_the_event_loop_and_close_restores_the_handler(qapp):
    before = signal.getsignal(signal.SIGTERM)
    signals = TerminationSignals()
    loop, deadline = QEventLoop(), QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)  # a C++ slot: no Python runs when it fires
    received = []
    signals.requested.connect(lambda number: (received.append((number, deadline.isActive())),
                                              loop.quit()))
    kill = []
    try:
        deadline.start(DEADLINE_MS)
        QTimer.singleShot(0, lambda: kill.append(subprocess.Popen(  # once the loop waits
            ["kill", "-TERM", str(os.getpid())])))
        loop.exec()
        assert kill[0].wait(10) == 0
        # Before the deadline: the wakeup socket, not the deadline, let the handler run.
        assert received == [(signal.SIGTERM, True)]
    finally:
        signals.close()
    assert signal.getsignal(signal.SIGTERM) is before
