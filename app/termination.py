"""SIGTERM (a session logout, ``kill``) quits Murmur like the tray's Quit, not mid-step.

Python runs a signal handler only when the interpreter gets control, and Qt's event loop may sit
in C++ for as long as nothing happens: a plain ``signal.signal`` handler would wait for the next
event, however late. So the C-level handler Python installs also writes the signal's number to
a socket (``signal.set_wakeup_fd``); a ``QSocketNotifier`` on the other end wakes the event loop,
which is enough for the Python handler to run. It costs nothing while idle (no polling timer),
and the handler only asks the loop to quit (``requested``), so the quit runs on the GUI thread
through the same path as the tray's Quit (``QApplication.aboutToQuit``).

Threads: the GUI thread only (Python runs signal handlers on the main thread, which is Qt's).
"""
from __future__ import annotations

import logging
import signal
import socket

from PySide6.QtCore import QObject, QSocketNotifier, Signal

log = logging.getLogger(__name__)

QUIT_SIGNALS = (signal.SIGTERM,)  # what a logout or `kill` sends; Ctrl+C keeps Python's way


class TerminationSignals(QObject):
    """Turns ``QUIT_SIGNALS`` into a Qt signal while installed.

    Signals:
        requested(int): a quit signal arrived (its number); connect the app's quit.
    """

    requested = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._wake, self._write_end = socket.socketpair()
        for end in (self._wake, self._write_end):
            end.setblocking(False)  # the C handler must never block; the reader drains all
        self._previous_fd = signal.set_wakeup_fd(self._write_end.fileno())
        self._notifier = QSocketNotifier(self._wake.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._previous = {number: signal.signal(number, self._on_signal)
                          for number in QUIT_SIGNALS}

    def _on_signal(self, number: int, _frame: object) -> None:
        # Runs in Python's handler, between bytecodes of the GUI thread: only queue the quit.
        log.info("received %s: quitting", signal.Signals(number).name)
        self.requested.emit(number)

    def _drain(self) -> None:
        # Reading the bytes is all this does: waking the loop let Python run the handler.
        try:
            while self._wake.recv(64):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def close(self) -> None:
        """Give the signals back their previous handlers and close the sockets (at quit)."""
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._wake.close()
        self._write_end.close()
