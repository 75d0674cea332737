"""The last transcript and the history list (copy, paste again, delete).

The panel never touches the database, the clipboard or the target window: each action is a
signal the composition root connects (``History.delete``, the clipboard, the controller's
insertion), and the list is refilled from ``History.entries`` with ``set_entries``.

Threads: GUI thread.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QSizePolicy, QVBoxLayout, QWidget)

from app.history import HistoryEntry
from desktop.chord import DEFAULT_CHORD

_ENTRY_ROLE = Qt.ItemDataRole.UserRole
PLACEHOLDER = "Hold {hotkey} and speak: the text appears where you type."


def entry_label(entry: HistoryEntry, now: float) -> str:
    """``"14:03  the text"`` today, ``"Mon 3 Mar 14:03  the text"`` on earlier days."""
    when = datetime.datetime.fromtimestamp(entry.created)
    today = datetime.datetime.fromtimestamp(now).date()
    # The day without a leading zero, portably ("%-d" is a glibc extension).
    stamp = (when.strftime("%H:%M") if when.date() == today
             else f"{when:%a} {when.day} {when:%b %H:%M}")
    return f"{stamp}   {' '.join(entry.text.split())}"


class _HistoryList(QListWidget):
    """A list that says so when it is empty, instead of showing a blank box."""

    EMPTY_TEXT = "No dictations yet."

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self.count() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter,
                             self.EMPTY_TEXT)
            painter.end()


class HistoryPanel(QWidget):
    """The newest transcript in large type, then earlier ones in a list with actions.

    Signals:
        copy_requested(str): put this text on the clipboard.
        paste_requested(str): insert this text into the focused window again.
        delete_requested(int): remove the history entry with this id.
    """

    copy_requested = Signal(str)
    paste_requested = Signal(str)
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hotkey = DEFAULT_CHORD
        self._text = ""
        self._transcript = QLabel()
        self._transcript.setObjectName("transcript")
        self._transcript.setWordWrap(True)
        self._transcript.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._list = _HistoryList()
        self._list.setObjectName("history")
        self._list.setUniformItemSizes(True)
        self._list.setMinimumHeight(72)
        # The list's own size hint (~200 px) would win over the window's stretch factors and
        # squeeze the spectrogram; it scrolls, so it takes what the layout gives it.
        self._list.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self._list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._list.currentItemChanged.connect(self._update_buttons)
        self._list.itemDoubleClicked.connect(lambda item: self._emit_copy())

        self.copy_button = QPushButton("Copy")
        self.paste_button = QPushButton("Paste again")
        self.delete_button = QPushButton("Delete")
        self.copy_button.setToolTip("Copy the selected transcript to the clipboard")
        self.paste_button.setToolTip("Insert the selected transcript into the window you "
                                     "were typing in")
        self.delete_button.setToolTip("Remove the selected transcript from the history")
        self.copy_button.clicked.connect(self._emit_copy)
        self.paste_button.clicked.connect(self._emit_paste)
        self.delete_button.clicked.connect(self._emit_delete)

        last_title = QLabel("Last transcript")
        last_title.setObjectName("sectionTitle")
        history_title = QLabel("History")
        history_title.setObjectName("sectionTitle")
        header = QHBoxLayout()
        header.addWidget(history_title)
        header.addStretch(1)
        for button in (self.copy_button, self.paste_button, self.delete_button):
            button.setObjectName("small")
            header.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(last_title)
        layout.addWidget(self._transcript)
        layout.addSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self._list, 1)
        self._update_buttons()
        self.set_transcript("")

    # ---- slots ----------------------------------------------------------------------------------
    def set_transcript(self, text: str) -> None:
        """Show the newest transcript (``DictationController.dictation_finished``)."""
        self._text = text
        self._transcript.setProperty("placeholder", not text)
        self._transcript.setText(text or PLACEHOLDER.format(hotkey=self._hotkey))
        self._transcript.style().polish(self._transcript)

    def set_hotkey(self, chord: str) -> None:
        """Name ``chord`` in the hint shown before the first dictation."""
        self._hotkey = chord
        self.set_transcript(self._text)

    def transcript(self) -> str:
        """The newest transcript on show ("" before the first)."""
        return self._text

    def set_entries(self, entries: Iterable[HistoryEntry], now: float | None = None) -> None:
        """Replace the list with ``entries`` (newest first, as ``History.entries`` returns)."""
        now = datetime.datetime.now().timestamp() if now is None else now
        selected = self.selected_entry()
        self._list.clear()
        for entry in entries:
            item = QListWidgetItem(entry_label(entry, now))
            item.setData(_ENTRY_ROLE, entry)
            item.setToolTip(entry.text)
            self._list.addItem(item)
            if selected is not None and entry.id == selected.id:
                self._list.setCurrentItem(item)
        self._update_buttons()

    def add_entry(self, entry: HistoryEntry, now: float | None = None) -> None:
        """Put a new entry at the top (``HistoryKeeper.entry_added``)."""
        self.set_entries([entry, *self.entries()], now)

    def remove_entry(self, entry_id: int) -> None:
        """Take the entry with ``entry_id`` off the list (after ``History.delete``)."""
        self.set_entries([e for e in self.entries() if e.id != entry_id])

    # ---- reading --------------------------------------------------------------------------------
    def entries(self) -> list[HistoryEntry]:
        """The entries on show, top to bottom."""
        return [self._list.item(i).data(_ENTRY_ROLE) for i in range(self._list.count())]

    def selected_entry(self) -> HistoryEntry | None:
        item = self._list.currentItem()
        return None if item is None else item.data(_ENTRY_ROLE)

    def select_row(self, row: int) -> None:
        self._list.setCurrentRow(row)

    # ---- internals ------------------------------------------------------------------------------
    def _update_buttons(self, *_: object) -> None:
        enabled = self.selected_entry() is not None
        for button in (self.copy_button, self.paste_button, self.delete_button):
            button.setEnabled(enabled)

    def _emit_copy(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.copy_requested.emit(entry.text)

    def _emit_paste(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.paste_requested.emit(entry.text)

    def _emit_delete(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.delete_requested.emit(entry.id)
