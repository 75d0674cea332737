"""Import the window's modules on a Python thread, then build the window on the GUI thread.

The window's imports are the largest part of a launch (~0.13 s of CPU here, half of it
pyqtgraph's; more on a loaded machine). Done on the GUI thread after the event loop starts,
they would still hold that loop for as long: a hotkey press, the model's "loaded" and the
instance server's questions would all wait for them. On their own thread they
share the interpreter lock with the GUI thread, which takes it back every few milliseconds
(``sys.getswitchinterval``), so the loop keeps answering while they run; on a second core the
C parts of the imports overlap too.

Only the imports run on the thread. Every widget is made by ``then`` on the GUI thread, queued
there by a signal once the imports are done. An import that fails on the thread is not
swallowed: ``then`` imports the modules again on the GUI thread, where the same error surfaces
as it would have without this.

Threads: the import thread runs ``importlib.import_module`` only; ``then`` runs on the thread
this object lives in (the GUI thread).
"""
from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


class BackgroundImport(QObject):
    """Imports ``modules`` on a thread; calls ``then()`` on this object's thread afterwards.

    Args:
        modules: Dotted module names, imported in order.
        then: Runs on the GUI thread once they are imported (or failed to be).
        parent: Parent QObject.

    Signals:
        imported(): the modules are imported (emitted on the import thread, queued here).
    """

    imported = Signal()

    def __init__(self, modules: Sequence[str], then: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._then = then
        self.imported.connect(self._finish)  # self lives on the GUI thread: a queued call
        threading.Thread(target=self._run, args=(tuple(modules),), name="murmur-views-import",
                         daemon=True).start()

    def _run(self, modules: tuple[str, ...]) -> None:  # import thread
        try:
            for name in modules:
                importlib.import_module(name)
        except Exception:  # imported again on the GUI thread, which raises
            log.debug("importing %s on a thread failed", modules, exc_info=True)
        self.imported.emit()

    @Slot()
    def _finish(self) -> None:
        self._then()
