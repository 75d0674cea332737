"""Background file transcription: a worker thread with its own engine, one file at a time.

The dictation's ``EngineWorker`` is never borrowed: a file may take minutes and dictation must
answer at once. The worker loads its own engine through the injected factory when a batch of
files starts (memory: a second copy of the model while files are transcribed) and frees it when
the last queued file is done, so an idle dialog costs no model memory.
``pause`` holds it between chunks while a dictation runs, so the two never compete for the CPU.

Threads: ``FileTranscriber``'s methods run on the GUI thread and only emit or set events; ``_Loop``
runs on the ``murmur-files`` QThread and only emits back (queued). The ``threading.Event``s are
the only shared state.

Signals of ``FileTranscriber``:
    started(object path), progressed(object path, float fraction), partial(object FileTranscript:
    the segments so far), finished(object FileTranscript), failed(object path, str message),
    cancelled(object path).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.engine_worker import prime_native_binding
from app.file_job import Cancelled, Engine, transcribe_file
from audio.decode import AudioFileError
from engine.errors import MurmurError
from engine.options import TranscribeOptions

log = logging.getLogger(__name__)


class _Loop(QObject):
    started = Signal(object)
    progressed = Signal(object, float)
    partial = Signal(object)
    finished = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal(object)

    def __init__(self, engine_factory: Callable[[], Engine], cancel: threading.Event,
                 resume: threading.Event) -> None:
        super().__init__()
        self._factory = engine_factory
        self._cancel = cancel
        self._resume = resume
        self.engine: Engine | None = None

    @Slot(object, object)
    def run(self, path: Path, options: TranscribeOptions) -> None:
        if self._cancel.is_set():
            self.cancelled.emit(path)
            return
        self.started.emit(path)
        try:
            if self.engine is None:
                self.engine = self._factory()
            result = transcribe_file(path, self.engine, options, cancel=self._cancel,
                                     resume=self._resume,
                                     progress=self._report)
        except Cancelled:
            self.cancelled.emit(path)
        except (MurmurError, AudioFileError) as error:
            self.failed.emit(path, str(error))
        except Exception as error:  # noqa: BLE001 - the user must hear of any failure
            log.exception("transcribing %s failed", path)
            self.failed.emit(path, f"Transcription of {Path(path).name} failed: {error}")
        else:
            self.finished.emit(result)

    def _report(self, fraction: float, so_far) -> None:
        self.progressed.emit(so_far.path, fraction)
        self.partial.emit(so_far)

    @Slot()
    def close(self) -> None:
        close = getattr(self.engine, "close", None)
        if close is not None:
            close()
        self.engine = None


class FileTranscriber(QObject):
    """Queues files for transcription on a worker thread (see the module docstring).

    Args:
        engine_factory: Builds the engine, on the worker thread (e.g. ``load_engine`` of the
            chosen model); it may raise ``MurmurError``.
        options_factory: The options for the next file, read on the GUI thread at submit time.
        native_here: The engine runs whisper.cpp in this process (as ``EngineWorker``'s).
    """

    started = Signal(object)
    progressed = Signal(object, float)
    partial = Signal(object)
    finished = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal(object)
    _submit = Signal(object, object)
    _close = Signal()

    def __init__(self, engine_factory: Callable[[], Engine],
                 options_factory: Callable[[], TranscribeOptions] = TranscribeOptions,
                 parent: QObject | None = None, native_here: bool = True) -> None:
        super().__init__(parent)
        if native_here:
            prime_native_binding()  # on the GUI thread, before the worker's first native call
        self._options = options_factory
        self._cancel = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self.pending = 0  # files submitted and not yet reported back (GUI thread only)
        self._thread = QThread()
        self._thread.setObjectName("murmur-files")
        self._loop = _Loop(engine_factory, self._cancel, self._resume)
        self._loop.moveToThread(self._thread)
        self._submit.connect(self._loop.run)
        self._close.connect(self._loop.close)
        self._loop.started.connect(self.started)
        self._loop.progressed.connect(self.progressed)
        self._loop.partial.connect(self.partial)
        for done, relay in ((self._loop.finished, self.finished),
                            (self._loop.cancelled, self.cancelled)):
            done.connect(self._count_down)
            done.connect(relay)
        self._loop.failed.connect(lambda path, message: (self._count_down(),
                                                         self.failed.emit(path, message)))
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self.pending > 0

    def submit(self, path: Path) -> None:
        """Queue ``path``; files run in the order submitted."""
        if not self.busy:
            self._cancel.clear()
        self.pending += 1
        self._submit.emit(Path(path), self._options())

    def cancel(self) -> None:
        """Stop the file in progress (after its current chunk) and drop the queued ones."""
        if self.busy:
            self._cancel.set()

    def pause(self, paused: bool) -> None:
        """Hold the work between chunks (while a dictation runs), or let it go on."""
        if paused:
            self._resume.clear()
        else:
            self._resume.set()

    def stop(self) -> None:
        """Cancel everything, free the engine and end the thread (blocks until it ended)."""
        self._cancel.set()
        self._resume.set()
        self._close.emit()
        self._thread.quit()
        self._thread.wait()

    def _count_down(self, *_args) -> None:
        self.pending = max(0, self.pending - 1)
        if not self.pending:
            self._cancel.clear()
            # Queued behind nothing: a file submitted after this reloads the engine.
            self._close.emit()
