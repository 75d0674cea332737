"""Import the window's modules on the GUI thread, one module per turn of the event loop, then
build the window.

The window's imports are the largest part of a launch (~0.2 s of CPU here, most of it
pyqtgraph's). Done in one go after the event loop starts, they would hold that loop for as long:
a hotkey press, the model's "loaded" and the instance server's questions would all wait. Here
each module is imported from its own zero-length timer, so the loop answers between any two of
them and the longest wait is the largest single import (pyqtgraph, ~0.15 s of CPU).

They are not imported on another thread. PySide6 makes the Python class of a Qt class the first
time it is looked up, and that is not safe while another thread does the same: importing
pyqtgraph makes ~290 of them, and a GUI thread that made one at the same moment (answering a
``status`` question, say) crashed the app with a segmentation fault (a CI run; a two-thread probe
crashed 2 launches in 20). Everything that touches Qt's classes stays on the GUI thread.

An import that fails is logged and the steps go on: ``then`` imports the modules again, where
the same error surfaces as it would have without this.

Threads: GUI thread only (the thread this object lives in).
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)


class StepwiseImport(QObject):
    """Imports ``modules`` one per event-loop turn; calls ``then()`` after the last.

    Args:
        modules: Dotted module names, in the order to import them: a module listed after the
            ones it imports costs only its own share of a turn.
        then: Runs on this thread once they are imported (or failed to be).
        parent: Parent QObject.
    """

    def __init__(self, modules: Sequence[str], then: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._then = then
        self._left = list(modules)
        QTimer.singleShot(0, self, self._step)

    def _step(self) -> None:
        if not self._left:
            self._then()
            return
        name = self._left.pop(0)
        try:
            importlib.import_module(name)
        except Exception:  # imported again by ``then``, which raises
            log.debug("importing %s failed", name, exc_info=True)
        QTimer.singleShot(0, self, self._step)
