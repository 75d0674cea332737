"""Banners across the top of the window for things the user must decide about.

``KeptBanner``: dictations whose audio is kept without text (the app was killed mid-dictation,
or a dictation failed): "Unfinished dictation from 10:32 (14 s) — Transcribe / Discard" (a
discard asks once more: those words exist nowhere else), or
"Retry" after a failure here. It shows ``app.kept_recordings.KeptRecordings`` and sends the
clicks back to it; the text goes to history and the clipboard, never pasted.

``ModelBanner``: the speech model cannot be used (missing, truncated, corrupt, not a Whisper
model). It says why and offers to get the default model again: ``provision`` (from the
composition root: convert the bundled weights or download them) runs on a ``TaskRunner`` thread
with a progress bar, and ``provisioned(Path)`` asks the composition root to load it.

Threads: GUI thread.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.kept_recordings import KeptRecordings
from ui.task_worker import Task, TaskRunner
from ui.theme import ACCENT, ERROR, SURFACE

_SHEET = (f"QFrame#banner {{ background: {SURFACE}; border: 1px solid {ACCENT}; "
          f"border-radius: 8px; }} "
          f"QFrame#banner[problem=\"true\"] {{ border-color: {ERROR}; }}")


class _Banner(QFrame):
    """A framed row: a wrapping message, then buttons (with Alt+letter mnemonics)."""

    def __init__(self, problem: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setProperty("problem", problem)
        self.setStyleSheet(_SHEET)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(12, 8, 8, 8)
        self._row.addWidget(self.message, 1)
        self.hide()

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        self._row.addWidget(button)
        return button


class KeptBanner(_Banner):
    """Offers the oldest kept dictation for transcription or discarding.

    Args:
        kept: The kept recordings (its ``changed`` refreshes the banner).
    """

    def __init__(self, kept: KeptRecordings, parent: QWidget | None = None) -> None:
        super().__init__(False, parent)
        self._kept = kept
        self._confirming: Path | None = None  # Discard was clicked once for this recording
        self.transcribe_button = self._button(
            "&Transcribe", "Its text goes to the history and the clipboard (it is not pasted: "
                          "the window you spoke into may be gone)")
        self.discard_button = self._button("&Discard", "Delete this dictation's audio")
        self.transcribe_button.clicked.connect(self._transcribe)
        self.discard_button.clicked.connect(self._discard)
        kept.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        items = self._kept.recordings()
        self.setVisible(bool(items))
        if not items:
            return
        oldest = items[0]
        if self._confirming is not None and self._confirming != oldest.path:
            self._confirming = None
        busy = self._kept.transcribing() is not None
        failed = oldest.path in self._kept.failed_here
        more = f" (and {len(items) - 1} more)" if len(items) > 1 else ""
        if self._confirming is not None:
            text = (f"Delete the dictation from {oldest.label()} for good? Its words were never "
                    "transcribed.")
        elif self._kept.transcribing() == oldest.path:
            text = f"Transcribing the dictation from {oldest.label()}…"
        elif failed and oldest.in_memory:  # the disk refused it
            text = (f"The dictation from {oldest.label()} could not be transcribed; its audio "
                    f"is kept in memory only, and is lost if Murmur quits{more}.")
        elif failed:
            text = (f"The dictation from {oldest.label()} could not be transcribed; its audio "
                    f"is kept{more}.")
        else:
            text = f"Unfinished dictation from {oldest.label()}{more}: it was never transcribed."
        self.message.setText(text)
        self.transcribe_button.setText("&Keep it" if self._confirming else
                                       "&Retry" if failed else "&Transcribe")
        self.discard_button.setText("&Delete for good" if self._confirming else "&Discard")
        self.transcribe_button.setEnabled(not busy)
        self.discard_button.setEnabled(not busy)

    def _transcribe(self) -> None:
        items = self._kept.recordings()
        if self._confirming is not None:  # "Keep it": back to the offer
            self._confirming = None
            self.refresh()
        elif items:
            self._kept.transcribe(items[0].path)

    def _discard(self) -> None:
        # Two clicks: the words in this audio exist nowhere else.
        items = self._kept.recordings()
        if not items:
            return
        if self._confirming == items[0].path:
            self._confirming = None
            self._kept.discard(items[0].path)
        else:
            self._confirming = items[0].path
            self.refresh()


class ModelBanner(_Banner):
    """Says why the model cannot be used and gets the default model again.

    Args:
        provision: ``TaskRunner`` task returning the model file (progress, cancel).
        offer: The button's text, e.g. "Get the default model (base-q8_0)".

    Signals:
        provisioned(Path): the new model file; load it.
    """

    provisioned = Signal(object)

    def __init__(self, provision: Task, offer: str, parent: QWidget | None = None) -> None:
        super().__init__(True, parent)
        self._provision = provision
        self.problem: str | None = None
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self._row.addWidget(self.progress)
        self.repair_button = self._button(offer, "Convert or download the default Whisper model "
                                                 "and use it")
        self.repair_button.clicked.connect(self.repair)
        self.runner = TaskRunner(self)
        self.runner.progressed.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_succeeded)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_failed)

    def show_problem(self, message: str) -> None:
        """The model could not be loaded (``EngineWorker.model_failed``, or missing at start)."""
        self.problem = message
        if not self.runner.busy:
            self.message.setText(f"{message.rstrip('.')}. Dictation needs a working model.")
            self.repair_button.setEnabled(True)
        self.show()

    def clear_problem(self, *_ignored: object) -> None:
        """A model is loaded (``EngineWorker.model_loaded``)."""
        self.problem = None
        if not self.runner.busy:
            self.hide()

    def repair(self) -> None:
        """Provision the model on the worker thread (the window stays responsive)."""
        if self.runner.start(self._provision):
            self.repair_button.setEnabled(False)
            self.progress.setValue(0)
            self.progress.show()
            self.message.setText("Getting the default model… dictation works once it is loaded.")

    def stop(self) -> None:
        """Cancel and end the worker thread (on quit)."""
        self.runner.stop()

    def _on_progress(self, done: float, total: float) -> None:
        if total:
            self.progress.setValue(int(1000 * done / total))

    def _on_succeeded(self, path: object) -> None:
        self.progress.hide()
        self.message.setText(f"Loading {Path(path).name}…")
        self.provisioned.emit(Path(path))

    def _on_failed(self, message: str) -> None:
        self.progress.hide()
        self.repair_button.setEnabled(True)
        self.message.setText(f"Could not get the model: {message.rstrip('.')}. Try again, or "
                             "use Models… to download or import one.")
