"""Murmur's window: status, record and settings buttons, the live spectrogram, transcripts.

The window is a view. It shows what it is told (``set_state``, ``show_notice``,
``set_transcript``, ``set_entries``) and turns clicks into signals; ``main.py`` connects those
to the controller, the history and the settings dialog. It never calls the engine or the audio
device: the spectrogram only reads the capture ring it is given.

Closing the window hides it to the tray when a tray exists (``set_hide_on_close(True)``), and
quits otherwise, since then the window is the only way back to Murmur.

Threads: GUI thread.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QSize, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QPushButton, QVBoxLayout, QWidget

from app.history import HistoryEntry
from app.state import State
from audio.ring_buffer import RingBuffer
from audio.spectrogram import FrequencyAxis
from ui.history_panel import HistoryPanel
from ui.spectrogram_view import SpectrogramView
from ui.state_style import Intent, app_icon, icon_for, style_for
from ui.status_line import StatusLine
from ui.theme import STYLE_SHEET, record_button_style


class MainWindow(QMainWindow):
    """The window: ``StatusLine`` and buttons on top, ``SpectrogramView``, ``HistoryPanel``.

    Args:
        ring: The capture's 16 kHz ring for the spectrogram (None: silence until
            ``spectrogram.set_ring``).
        axis: The spectrogram's frequency axis to start with.
        clock: Monotonic seconds for the recording time (tests pass a fake one).
        parent: Parent widget.

    Signals:
        toggle_requested(): the record button was clicked to start or stop a dictation.
        cancel_requested(): the record button was clicked while transcribing.
        settings_requested(): the settings button was clicked.
        copy_requested(str), paste_requested(str), delete_requested(int): history actions
            (forwarded from ``HistoryPanel``).
        hidden_to_tray(): closing hid the window instead of quitting (tell the user once).
        models_requested(): the "Models…" button was clicked.
        files_requested(list): "Transcribe files…" was clicked (an empty list) or audio files
            were dropped on the window (their paths).
    """

    toggle_requested = Signal()
    cancel_requested = Signal()
    settings_requested = Signal()
    copy_requested = Signal(str)
    paste_requested = Signal(str)
    delete_requested = Signal(int)
    hidden_to_tray = Signal()
    models_requested = Signal()
    files_requested = Signal(list)

    def __init__(self, ring: RingBuffer | None = None, axis: FrequencyAxis = FrequencyAxis.MEL,
                 clock: Callable[[], float] = time.monotonic,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Murmur")
        self.setWindowIcon(app_icon())
        self.setStyleSheet(STYLE_SHEET)
        self._state = State.IDLE
        self._hide_on_close = False
        self._sized = False  # the first show sizes the window to its hint

        self.status = StatusLine(clock)
        self.spectrogram = SpectrogramView(ring, axis)
        self.spectrogram.setMinimumHeight(200)
        self.history = HistoryPanel()
        self.record_button = QPushButton()
        self.record_button.setObjectName("record")
        self.record_button.setMinimumWidth(160)
        self.record_button.clicked.connect(self._on_record_clicked)
        self.settings_button = QPushButton("Settings…")
        self.settings_button.setToolTip("Model, language, hotkey, microphone, insertion")
        self.settings_button.clicked.connect(self.settings_requested)
        self.models_button = QPushButton("Models…")
        self.models_button.setToolTip("Download, import, delete models; choose the default")
        self.models_button.clicked.connect(self.models_requested)
        self.files_button = QPushButton("Transcribe files…")
        self.files_button.setToolTip("Transcribe recordings (WAV, FLAC, OGG, MP3); or drop them here")
        self.files_button.clicked.connect(lambda: self.files_requested.emit([]))
        self.setAcceptDrops(True)
        self.history.copy_requested.connect(self.copy_requested)
        self.history.paste_requested.connect(self.paste_requested)
        self.history.delete_requested.connect(self.delete_requested)

        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.status, 1)
        top.addWidget(self.files_button)
        top.addWidget(self.models_button)
        top.addWidget(self.settings_button)
        top.addWidget(self.record_button)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(16, 14, 16, 16)
        layout.setSpacing(14)
        layout.addLayout(top)
        self._banners = QVBoxLayout()  # ui/banners.py: kept dictations, an unusable model
        self._banners.setSpacing(8)
        layout.addLayout(self._banners)
        layout.addWidget(self.spectrogram, 3)
        layout.addWidget(self.history, 2)
        self.setCentralWidget(central)
        self.set_state(State.IDLE)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # Comfortable on a laptop screen, never taller or wider than the screen's free area.
        free = self.screen().availableGeometry()
        return QSize(min(860, int(free.width() * 0.9)), min(720, int(free.height() * 0.9)))

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.WindowStateChange:
            # Minimised is not hidden to Qt: tell the spectrogram, so it stops drawing.
            self.spectrogram.set_minimised(self.isMinimized())
        super().changeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        if not self._sized:
            # Qt would otherwise cap a new window at 2/3 of the screen and squeeze the picture.
            self._sized = True
            self.resize(self.sizeHint())
        super().showEvent(event)

    # ---- slots ----------------------------------------------------------------------------------
    def set_state(self, state: State) -> None:
        """Show the controller's state (``DictationController.state_changed``)."""
        self._state = state
        style = style_for(state)
        self.status.set_state(state)
        self.spectrogram.hold_still(state in (State.TRANSCRIBING, State.PASTING))
        self.record_button.setText(style.action or style.label)
        self.record_button.setEnabled(bool(style.action))
        self.record_button.setStyleSheet(record_button_style(style.action_colour))
        self.setWindowIcon(app_icon() if state is State.IDLE else icon_for(state))

    def show_notice(self, text: str) -> None:
        """Show one sentence for the user (``DictationController.notice``)."""
        self.status.show_notice(text)

    def set_transcript(self, text: str) -> None:
        """Show the newest transcript."""
        self.history.set_transcript(text)

    def set_entries(self, entries: Iterable[HistoryEntry]) -> None:
        """Refill the history list (newest first)."""
        self.history.set_entries(entries)

    def add_entry(self, entry: HistoryEntry) -> None:
        """Put a new history entry at the top (``HistoryKeeper.entry_added``)."""
        self.history.add_entry(entry)

    def remove_entry(self, entry_id: int) -> None:
        """Take a deleted entry off the list (after ``History.delete``)."""
        self.history.remove_entry(entry_id)

    def set_hotkey(self, chord: str) -> None:
        """Name the current hotkey in the hints (after settings change)."""
        self.history.set_hotkey(chord)
        self.record_button.setToolTip(f"Or hold {chord} anywhere")

    def add_banner(self, banner: QWidget) -> None:
        """Put ``banner`` between the buttons and the spectrogram; it shows and hides itself."""
        self._banners.addWidget(banner)

    def set_hide_on_close(self, hide: bool) -> None:
        """True when a tray icon exists: closing then hides the window instead of quitting."""
        self._hide_on_close = hide

    def show_and_raise(self) -> None:
        """Bring the window to the front (tray "Show window", a second launch)."""
        if self.isMinimized():
            self.showNormal()  # only un-minimise: a maximised window stays maximised
        else:
            self.show()
        self.raise_()
        self.activateWindow()

    # ---- internals ------------------------------------------------------------------------------
    def _on_record_clicked(self) -> None:
        intent = style_for(self._state).intent
        if intent is Intent.CANCEL:
            self.cancel_requested.emit()
        elif intent is Intent.TOGGLE:
            self.toggle_requested.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        # Imported at the first drag, not at launch: with it come the file dialog's modules
        # (ui/file_tools.py), which a drop opens anyway.
        from ui.file_transcription import audio_paths

        if audio_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        from ui.file_transcription import audio_paths  # see dragEnterEvent

        paths = audio_paths(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.files_requested.emit(paths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._hide_on_close:
            # Keep running in the tray: the hotkey must keep working with the window closed.
            event.ignore()
            self.hide()
            self.hidden_to_tray.emit()
        else:
            event.accept()
