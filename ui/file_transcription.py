"""The "Transcribe files" dialog: open or drop audio files, watch them transcribe, export.

Files run one after another on a ``FileTranscriber`` (its own thread and engine). The list on the
left shows each file's state; the selected file's transcript is on the right, one line per
segment with its start and end time; the export buttons write it as .txt, .srt or .vtt.

Threads: GUI thread.
"""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QProgressBar, QPushButton, QSplitter,
                               QTextBrowser, QVBoxLayout, QWidget)

from app.file_export import FORMATS, write_export
from app.file_job import AUDIO_SUFFIXES, FileTranscript
from ui.file_worker import FileTranscriber
from ui.theme import MUTED, TOOL_SHEET

OPEN_FILTER = "Audio files (" + " ".join(f"*{s}" for s in AUDIO_SUFFIXES) + ")"
HINT = "Open or drop WAV, FLAC, OGG or MP3 files: they are transcribed on this computer."


def audio_paths(urls) -> list[Path]:
    """The local audio files among dropped URLs (``QUrl``s)."""
    paths = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
    return [path for path in paths if path.suffix.lower() in AUDIO_SUFFIXES]


def short_time(seconds: float) -> str:
    """``0:05.6``, ``12:03.0``, ``1:02:03.4``: a time that reads at a glance."""
    tenths = int(round(seconds * 10))
    hours, rest = divmod(tenths, 36000)
    minutes, rest = divmod(rest, 600)
    clock = f"{minutes:02d}:{rest / 10:04.1f}" if hours else f"{minutes}:{rest / 10:04.1f}"
    return f"{hours}:{clock}" if hours else clock


def transcript_html(transcript: FileTranscript, final: bool = True) -> str:
    """A two-column table: the segment's start – end, and its text (wrapped)."""
    if not transcript.segments:
        return f"<p style='color:{MUTED}'>{'No speech found.' if final else 'Listening…'}</p>"
    rows = "".join(
        f"<tr><td style='color:{MUTED}; white-space:nowrap; padding:2px 14px 6px 0'>"
        f"{short_time(s.start)} – {short_time(s.end)}</td>"
        f"<td style='padding:2px 0 6px 0'>{html.escape(s.text)}</td></tr>"
        for s in transcript.segments)
    return f"<table cellspacing='0'>{rows}</table>"


class FileTranscriptionDialog(QDialog):
    """Transcribes files in the background and exports the results.

    Args:
        transcriber: The worker (``main.py`` builds it with an engine factory).
        parent: The main window.

    Signals:
        notice(str): one sentence for the status line (an export that failed, a file that did).
    """

    notice = Signal(str)

    def __init__(self, transcriber: FileTranscriber, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Transcribe files — Murmur")
        self.setStyleSheet(TOOL_SHEET)
        self.setAcceptDrops(True)
        self.resize(820, 520)
        self._worker = transcriber
        self._items: dict[Path, QListWidgetItem] = {}
        self._results: dict[Path, FileTranscript] = {}
        self._build()
        transcriber.started.connect(self._on_started)
        transcriber.progressed.connect(self._on_progress)
        transcriber.partial.connect(self._on_partial)
        transcriber.finished.connect(self._on_finished)
        transcriber.failed.connect(self._on_failed)
        transcriber.cancelled.connect(lambda path: self._set_state(path, "cancelled"))
        self._refresh_controls()

    def _build(self) -> None:
        self.open_button = QPushButton("Open files…")
        self.open_button.clicked.connect(self._choose_files)
        hint = QLabel(HINT)
        hint.setObjectName("notice")
        self.files = QListWidget()
        self.files.currentItemChanged.connect(lambda *_: self._show_selected())
        self.files.setWordWrap(True)
        self.result = QTextBrowser()
        self.result.setPlaceholderText("The transcript appears here, with the time of each part.")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("notice")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._worker.cancel)
        self.export_buttons = {}
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(hint, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.files)
        split.addWidget(self.result)
        split.setSizes([240, 560])
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.cancel_button)
        for fmt in FORMATS:
            button = QPushButton(f"Export .{fmt}")
            button.clicked.connect(lambda _=False, f=fmt: self._choose_export(f))
            self.export_buttons[fmt] = button
            bottom.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

    # ---- public -----------------------------------------------------------------------------
    def add_files(self, paths) -> None:
        """Queue audio files (from the chooser, a drop, or the main window)."""
        for path in map(Path, paths):
            if path in self._items and path not in self._results:
                continue  # already waiting or running
            item = self._items.get(path) or QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            if path not in self._items:
                self.files.addItem(item)
                self._items[path] = item
            self._results.pop(path, None)
            self._set_state(path, "waiting")
            self._worker.submit(path)
        if self.files.currentItem() is None and self.files.count():
            self.files.setCurrentRow(0)
        self._refresh_controls()

    def show_with(self, paths) -> None:
        """Bring the dialog up and queue ``paths`` (the main window's button or a drop)."""
        self.show()
        self.raise_()
        self.activateWindow()
        self.add_files(paths)

    def result_for(self, path: Path) -> FileTranscript | None:
        return self._results.get(Path(path))

    def export_to(self, target: Path, fmt: str | None = None) -> Path | None:
        """Write the selected file's transcript to ``target`` (format from the suffix)."""
        transcript = self._selected_result()
        if transcript is None:
            return None
        try:
            return write_export(transcript.segments, Path(target), fmt, transcript.audio_seconds)
        except OSError as error:
            message = f"Could not write {Path(target).name}: {error.strerror or error}"
            self.status.setText(message)
            self.notice.emit(message)
            return None

    # ---- slots ------------------------------------------------------------------------------
    def _on_started(self, path: Path) -> None:
        self._set_state(path, "transcribing…")
        self.progress.setValue(0)
        self.status.setText(f"Transcribing {path.name}…")
        self._refresh_controls()

    def _on_progress(self, path: Path, fraction: float) -> None:
        self.progress.setValue(int(fraction * 1000))
        self._set_state(path, f"{fraction:.0%}")

    def _on_partial(self, transcript: FileTranscript) -> None:
        if transcript.path not in self._results and self._selected_path() == transcript.path:
            self.result.setHtml(transcript_html(transcript, final=False))

    def _on_finished(self, transcript: FileTranscript) -> None:
        self._results[transcript.path] = transcript
        minutes, seconds = divmod(int(round(transcript.audio_seconds)), 60)
        self._set_state(transcript.path, f"done ({minutes}:{seconds:02d})")
        self.status.setText(f"{transcript.path.name}: done")
        if self._selected_path() == transcript.path:
            self._show_selected()
        self._refresh_controls()

    def _on_failed(self, path: Path, message: str) -> None:
        self._set_state(path, "failed")
        self.status.setText(message)
        self._refresh_controls()

    # ---- internals --------------------------------------------------------------------------
    def _set_state(self, path: Path, state: str) -> None:
        item = self._items.get(Path(path))
        if item is not None:
            item.setText(f"{Path(path).name}\n{state}")
        if state == "cancelled":
            self.status.setText("Cancelled")
            self._refresh_controls()

    def _selected_path(self) -> Path | None:
        item = self.files.currentItem()
        return Path(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _selected_result(self) -> FileTranscript | None:
        path = self._selected_path()
        return self._results.get(path) if path is not None else None

    def _show_selected(self) -> None:
        transcript = self._selected_result()
        self.result.setHtml(transcript_html(transcript) if transcript else "")
        self._refresh_controls()

    def _refresh_controls(self) -> None:
        busy = self._worker.busy
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        has_result = self._selected_result() is not None
        for button in self.export_buttons.values():
            button.setEnabled(has_result)

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Transcribe audio files", "", OPEN_FILTER)
        self.add_files(paths)

    def _choose_export(self, fmt: str) -> None:
        transcript = self._selected_result()
        if transcript is None:
            return
        suggested = str(transcript.path.with_suffix(f".{fmt}"))
        target, _ = QFileDialog.getSaveFileName(self, f"Export as .{fmt}", suggested,
                                                f"*.{fmt}")
        if target:
            self.export_to(Path(target), fmt)

    # ---- Qt overrides -----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if audio_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self.add_files(audio_paths(event.mimeData().urls()))
        event.acceptProposedAction()
