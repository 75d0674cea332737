"""The file-transcription dialog and its worker, made the first time the user asks for them.

"Transcribe files…" and audio files dropped on the window open the dialog
(``ui/file_transcription.py``), whose worker (``ui/file_worker.py``) runs on a thread of its
own. Their modules bring libsndfile, html and the file-job and export code: ~1.7 MiB that a
session which never transcribes a file should not hold from launch, plus an idle thread
(docs/PERFORMANCE.md, "Memory, session 7"). ``FileTools`` stands in for them until then. It
remembers whether a dictation runs, so that a worker made in the middle of one starts paused,
as it would have been.

Threads: GUI thread only (the worker's own thread is the worker's business).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget


class FileTools(QObject):
    """Opens the file dialog on request, building it and its worker the first time.

    Args:
        engine_factory: Builds the worker's engine, on the worker's thread (``FileTranscriber``).
        options_factory: The options for the next file, read when it is queued.
        window: The dialog's parent.

    Signals:
        notice(str): the dialog's one-sentence messages, for the status line.
    """

    notice = Signal(str)

    def __init__(self, engine_factory: Callable, options_factory: Callable,
                 window: QWidget) -> None:
        super().__init__(window)
        self._engine_factory = engine_factory
        self._options_factory = options_factory
        self._window = window
        self._paused = False
        self.transcriber = None  # ``FileTranscriber`` once made
        self.dialog = None  # ``FileTranscriptionDialog`` once made

    def show_with(self, paths: Sequence[Path]) -> None:
        """Bring the dialog up (made now if it is the first time) and queue ``paths``."""
        if self.dialog is None:
            self._build()
        self.dialog.show_with(paths)

    def pause(self, paused: bool) -> None:
        """Hold file work between chunks while a dictation runs (now, or once made)."""
        self._paused = paused
        if self.transcriber is not None:
            self.transcriber.pause(paused)

    def stop(self) -> None:
        """Cancel the files and end the worker's thread, if there is one (blocks until then)."""
        if self.transcriber is not None:
            self.transcriber.stop()

    def _build(self) -> None:
        from ui.file_transcription import FileTranscriptionDialog
        from ui.file_worker import FileTranscriber

        self.transcriber = FileTranscriber(self._engine_factory, self._options_factory,
                                           parent=self._window, native_here=False)
        self.transcriber.pause(self._paused)
        self.dialog = FileTranscriptionDialog(self.transcriber, self._window)
        self.dialog.notice.connect(self.notice)
