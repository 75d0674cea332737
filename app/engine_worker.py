"""The engine worker: a warm whisper.cpp model on its own QThread, answering with queued signals.

``EngineWorker`` is what the composition root holds and what the controller calls
(``submit(job, audio)``: its ``Transcriber`` protocol). It owns a ``QThread`` and a private
``EngineLoop`` QObject (app/engine_loop.py) moved to that thread; the loop loads
``WhisperEngine`` once and transcribes jobs one at a time, in order. whisper.cpp releases the
GIL inside ``whisper_full``, so the GUI stays responsive while it runs.

Why two objects: everything the GUI calls runs on the GUI thread and only *emits* (Qt queues the
emission to the loop's thread); everything slow runs in ``EngineLoop`` on the worker thread and
only emits back (queued to ``EngineWorker``'s GUI-thread signals). No object is touched by two
threads except ``EngineLoop.newest_job`` and its like (app/engine_loop.py), ints and tuples the
GUI thread stores (atomic under the GIL) and the worker only reads.

What the loop does with each kind of work (stale jobs, streamed pieces, speculation, rest):
app/engine_loop.py.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

# The loop's result type and message are part of this module's interface, as before the split.
from app.engine_loop import NO_MODEL, EngineLoop, TranscriptionResult  # noqa: F401
from engine.options import SAMPLE_RATE, TranscribeOptions
from engine.whisper_engine import WhisperEngine, load_engine, native_binding

log = logging.getLogger(__name__)


def prime_native_binding() -> None:
    """Initialise pybind11's numpy API on this (the GUI) thread, before any worker uses it.

    pybind11 initialises its numpy API on first use inside ``call_once`` and releases the GIL
    there; on a QThread (whose Python thread state PySide created) that deletes the thread state
    and crashes the process in ``tstate_delete_common`` on the first ``whisper_full``. Done once
    on the main thread, it never runs on the worker. Any call that converts an array does it:
    this one then fails its argument check harmlessly.
    """
    try:
        _pywhispercpp = native_binding()
    except ImportError:  # no native engine: loading the model reports it
        return
    try:
        _pywhispercpp.whisper_full(None, None, np.zeros(1, np.float32), 1)
    except TypeError:
        pass


class EngineWorker(QObject):
    """Keeps a model loaded on a worker thread and transcribes what the controller submits.

    Construct, connect, then ``start()``. All public methods run on the GUI thread and return
    at once; signals are emitted on the GUI thread.

    Args:
        model_path: The ggml model file to load.
        options: Language, threads, ... for every job (``Settings.transcribe_options()``).
        engine_factory: Builds the engine (tests may pass their own); runs on the worker thread.
        native_here: The engine calls whisper.cpp in this process (``load_engine``), so the
            binding is primed on this (the GUI) thread (``prime_native_binding``). False for
            an engine in its own process (``load_process_engine``): then the binding, ~2 MiB,
            is never loaded here.

    Signals:
        model_loaded(str): the model (file name) is loaded and warm.
        model_failed(str): it could not be loaded; one sentence for the user.
        transcribed(int, str): job, text: connect to ``DictationController.transcribed``.
        transcription_failed(int, str): job, message: connect to
            ``DictationController.transcription_failed``.
        result_ready(TranscriptionResult): the same result with timings, for history.
        preview_changed(str): the current dictation's text so far while it is recorded
            (streaming); "" when a dictation starts. For ``MainWindow.set_transcript``.
    """

    model_loaded = Signal(str)
    model_failed = Signal(str)
    transcribed = Signal(int, str)
    transcription_failed = Signal(int, str)
    result_ready = Signal(object)
    preview_changed = Signal(str)
    _load_requested = Signal(object)
    _job_submitted = Signal(int, object, object, float)
    _segment_submitted = Signal(int, object, object, object)
    _speculation_submitted = Signal(int, object, object, object)
    _rest_requested = Signal()

    def __init__(self, model_path: Path, options: TranscribeOptions = TranscribeOptions(),
                 engine_factory: Callable[[Path], WhisperEngine] = load_engine,
                 parent: QObject | None = None, size_pieces: bool = True,
                 native_here: bool = True) -> None:
        super().__init__(parent)
        self._model_path = Path(model_path)
        self._options = options
        self._dictation = 0  # the dictation whose previews are shown (GUI thread only)
        if native_here:
            prime_native_binding()
        self._thread = QThread()
        self._thread.setObjectName("murmur-engine")
        # Streamed pieces get an encoder window sized to them (engine/audio_ctx.py), decoded in
        # one pass without temperature fallback, a loop sent to the full window: as accurate as
        # full windows on the real-model test (tests/app/test_streaming_model.py) and several
        # times cheaper per short piece (docs/PERFORMANCE.md "audio_ctx").
        self._loop = EngineLoop(engine_factory, size_pieces)
        self._loop.moveToThread(self._thread)
        # Emitted here on the GUI thread, delivered on the worker thread (queued).
        self._load_requested.connect(self._loop.load)
        self._job_submitted.connect(self._loop.transcribe)
        self._segment_submitted.connect(self._loop.segment)
        self._speculation_submitted.connect(self._loop.speculate)
        self._rest_requested.connect(self._loop.rest)
        # Emitted on the worker thread, delivered here on the GUI thread (queued).
        self._loop.loaded.connect(self.model_loaded)
        self._loop.load_failed.connect(self.model_failed)
        self._loop.finished.connect(self._on_finished)
        self._loop.failed.connect(self.transcription_failed)
        self._loop.partial.connect(self._on_partial)

    def start(self) -> None:
        """Start the worker thread and load the model there."""
        self._thread.start()
        self._load_requested.emit(self._model_path)

    def set_options(self, options: TranscribeOptions) -> None:
        """Use ``options`` for jobs submitted from now on (the settings changed)."""
        self._options = options

    def load_model(self, model_path: Path) -> None:
        """Swap models (after jobs already submitted); answers with model_loaded/model_failed."""
        self._model_path = Path(model_path)
        self._load_requested.emit(self._model_path)

    def submit(self, job: int, audio: object) -> None:
        """Transcribe ``audio`` (float32 16 kHz, or a recorder's result) as ``job``."""
        self._loop.newest_job = job
        self._loop.submitted += 1
        self._job_submitted.emit(job, audio, self._options, time.monotonic())

    # ---- SegmentSink (app/streaming.py): GUI thread, returns at once ---------------------------
    def begin_dictation(self, dictation: int) -> None:
        """A streamed dictation starts: previews show its text from now on."""
        self._dictation = dictation
        self.preview_changed.emit("")

    def submit_segment(self, dictation: int, samples: np.ndarray, key: tuple | None = None
                       ) -> None:
        """Transcribe a finished piece of ``dictation`` in the background (or take the text
        of speculation ``key``, the same audio, if it ran)."""
        log.debug("dictation %d: piece of %.2f s queued", dictation, len(samples) / SAMPLE_RATE)
        self._loop.submitted += 1
        self._segment_submitted.emit(dictation, samples, self._options, key)

    def speculate(self, dictation: int, key: tuple, samples: np.ndarray) -> None:
        """Transcribe the open piece ahead (it replaces any earlier speculation)."""
        log.debug("dictation %d: speculation %s of %.2f s queued", dictation, key,
                  len(samples) / SAMPLE_RATE)
        self._loop.live_speculation = (dictation, key)
        self._loop.submitted += 1
        self._speculation_submitted.emit(dictation, key, samples, self._options)

    def withdraw_speculation(self, dictation: int) -> None:
        """Speech went on: the speculation is wrong; skip it if it has not started."""
        log.debug("dictation %d: speculation withdrawn", dictation)
        self._loop.live_speculation = None

    def drop_dictation(self, dictation: int) -> None:
        """``dictation`` was cancelled: skip its queued pieces, show no more of it."""
        self._loop.dead_below = max(self._loop.dead_below, dictation + 1)
        self._loop.submitted += 1
        self._rest_requested.emit()  # behind its queued pieces, which are skipped now
        if dictation == self._dictation:
            self._dictation = 0
            self.preview_changed.emit("")

    def stop(self, timeout_ms: int = 30_000) -> None:
        """End the thread after the job under way, then free the model (on quit)."""
        self._loop.newest_job = 1 << 62  # queued jobs are stale now: skip them
        self._loop.dead_below = 1 << 62
        self._thread.quit()
        if not self._thread.wait(timeout_ms):
            log.warning("the engine worker did not stop within %d ms", timeout_ms)
            return
        self._loop.close_engine()  # the worker thread has ended: nothing else touches it

    def _on_partial(self, dictation: int, text: str) -> None:
        if dictation == self._dictation:  # not a cancelled or earlier dictation's
            self.preview_changed.emit(text)

    def _on_finished(self, result: TranscriptionResult) -> None:
        self.result_ready.emit(result)
        self.transcribed.emit(result.job, result.text)
