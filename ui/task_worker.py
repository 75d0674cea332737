"""Run one slow call (a model download, an import) on a worker thread, with progress and cancel.

The call gets ``progress(done, total)`` and a ``threading.Event`` to watch for cancel; what it
returns or raises comes back as queued signals on the GUI thread. ``engine/download.py``'s
``download_model`` fits as it is.

Threads: ``TaskRunner``'s methods run on the GUI thread; the call runs on the ``murmur-task``
QThread and only emits. The cancel event is the only shared state.

Signals of ``TaskRunner``:
    progressed(float done, float total): total is 0 when unknown.
    succeeded(object result), failed(str message), cancelled(str message).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.errors import DownloadCancelled, MurmurError

log = logging.getLogger(__name__)
Task = Callable[[Callable[[int, "int | None"], None], threading.Event], object]


class _Runner(QObject):
    progressed = Signal(float, float)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal(str)

    def __init__(self, cancel: threading.Event) -> None:
        super().__init__()
        self._cancel = cancel

    @Slot(object)
    def run(self, task: Task) -> None:
        report = lambda done, total: self.progressed.emit(float(done), float(total or 0))  # noqa: E731
        try:
            result = task(report, self._cancel)
        except DownloadCancelled as error:
            self.cancelled.emit(str(error))
        except MurmurError as error:
            self.failed.emit(str(error))
        except Exception as error:  # noqa: BLE001 - the user must hear of any failure
            log.exception("background task failed")
            self.failed.emit(f"{type(error).__name__}: {error}")
        else:
            self.succeeded.emit(result)


class TaskRunner(QObject):
    """One task at a time on a worker thread (see the module docstring)."""

    progressed = Signal(float, float)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal(str)
    _start = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self.busy = False  # GUI thread only
        self._thread = QThread()
        self._thread.setObjectName("murmur-task")
        self._runner = _Runner(self._cancel)
        self._runner.moveToThread(self._thread)
        self._start.connect(self._runner.run)
        self._runner.progressed.connect(self.progressed)
        for done, relay in ((self._runner.succeeded, self.succeeded),
                            (self._runner.failed, self.failed),
                            (self._runner.cancelled, self.cancelled)):
            done.connect(self._done)
            done.connect(relay)
        self._thread.start()

    def start(self, task: Task) -> bool:
        """Run ``task`` unless one is running (then False)."""
        if self.busy:
            return False
        self.busy = True
        self._cancel.clear()
        self._start.emit(task)
        return True

    def cancel(self) -> None:
        """Ask the running task to stop (it raises ``DownloadCancelled`` when it has)."""
        self._cancel.set()

    def stop(self) -> None:
        """Cancel and end the thread (blocks until the task returned)."""
        self._cancel.set()
        self._thread.quit()
        self._thread.wait()

    def _done(self, *_args) -> None:
        self.busy = False
