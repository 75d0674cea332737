"""The model manager: every catalog model with its size and state; download, cancel and resume,
delete, import, and choose the default.

The dialog shows ``ModelActions.rows()`` and runs downloads and imports on a ``TaskRunner``
(one at a time). Choosing the default only emits ``default_chosen``: settings belong to the
composition root, which saves them and loads the model.

Threads: GUI thread.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QMenu, QMessageBox, QProgressBar,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.model_actions import ModelActions, ModelRow
from engine.catalog import format_size
from engine.download import format_progress
from ui.task_worker import TaskRunner
from ui.theme import TOOL_SHEET

COLUMNS = ("Model", "Size", "Languages", "State")


def state_text(row: ModelRow, default: str) -> str:
    """``default``, ``installed``, ``damaged``, ``12 MiB downloaded`` or ``—``."""
    if row.installed:
        if row.problem:
            return "damaged"
        return "default" if row.name == default else "installed"
    if row.partial_bytes:
        return f"{format_size(row.partial_bytes)} downloaded"
    return "—"


class ModelManagerDialog(QDialog):
    """Lists the models and acts on the selected one.

    Args:
        actions: What can be done to the models folder.
        default: The name of the current default model.
        parent: The main window.

    Signals:
        default_chosen(str): the user made another model the default (save it, load it).
        models_changed(): a model was installed or deleted (e.g. refresh the settings' list).
    """

    default_chosen = Signal(str)
    models_changed = Signal()

    def __init__(self, actions: ModelActions, default: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models — Murmur")
        self.setStyleSheet(TOOL_SHEET)
        self.resize(720, 560)
        self._actions = actions
        self._default = default
        self._rows: list[ModelRow] = []
        self._counting_bytes = False
        self._active: str | None = None  # the model being downloaded
        self.runner = TaskRunner(self)
        self.runner.progressed.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_succeeded)
        self.runner.failed.connect(lambda message: self._finish(message, error=True))
        self.runner.cancelled.connect(lambda message: self._finish(message))
        self._build()
        self.refresh()

    def _build(self) -> None:
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._refresh_buttons)
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(self.download_selected)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_selected)
        self.default_button = QPushButton("Use as default")
        self.default_button.clicked.connect(self.make_default)
        self.import_button = QPushButton("Import…")
        menu = QMenu(self.import_button)
        menu.addAction("A model folder (CTranslate2 or Transformers)…", self._choose_folder)
        menu.addAction("A whisper.cpp ggml file…", self._choose_file)
        self.import_button.setMenu(menu)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("notice")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.download_button, self.cancel_button, self.delete_button,
                       self.default_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 16)
        layout.setSpacing(10)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    # ---- public -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the models folder; the selection stays on the same model."""
        selected = self.selected_name()
        self._rows = self._actions.rows()
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            values = (row.name, row.size, row.languages, state_text(row, self._default))
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if row.problem and c == 3:
                    item.setToolTip(row.problem)
                self.table.setItem(r, c, item)
        if selected is not None:
            self.select(selected)
        self._refresh_buttons()

    def select(self, name: str) -> None:
        for r, row in enumerate(self._rows):
            if row.name == name:
                self.table.selectRow(r)

    def selected_row(self) -> ModelRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self._rows[rows[0].row()] if rows else None

    def selected_name(self) -> str | None:
        row = self.selected_row()
        return row.name if row else None

    def state_of(self, name: str) -> str:
        return next(state_text(row, self._default) for row in self._rows if row.name == name)

    def download_selected(self) -> None:
        row = self.selected_row()
        if row is None or not row.in_catalog:
            return
        if self._begin(f"Downloading {row.name}…",
                       lambda progress, cancel: self._actions.download(row.name, progress, cancel)):
            self._active = row.name

    def import_from(self, source: Path) -> None:
        """Import a model folder or ggml file (converted on the worker thread)."""
        source = Path(source)
        self._begin(f"Importing {source.name}…",
                    lambda progress, cancel: self._actions.import_model(source, progress, cancel))

    def delete_selected(self) -> None:
        row = self.selected_row()
        if row is None or not (row.installed or row.partial_bytes) or self.runner.busy:
            return
        question = f"Delete the model '{row.name}'? Its file is removed from disk."
        if row.name == self._default:
            question += " It is the default: dictation needs another model chosen afterwards."
        if not self._confirm(question):
            return
        try:
            self._actions.delete(row.name)
        except OSError as error:
            self.status.setText(f"Could not delete {row.name}: {error.strerror or error}")
        else:
            self.status.setText(f"Deleted {row.name}.")
            self.models_changed.emit()
        self.refresh()

    def make_default(self) -> None:
        row = self.selected_row()
        if row is None or not row.installed or row.problem:
            return
        self._default = row.name
        self.default_chosen.emit(row.name)
        self.status.setText(f"{row.name} is now the default model.")
        self.refresh()

    # ---- internals --------------------------------------------------------------------------
    def _begin(self, what: str, task) -> bool:
        if not self.runner.start(task):
            return False
        self.status.setProperty("error", False)
        self.status.setText(what)
        self._counting_bytes = what.startswith("Downloading")
        self.progress.setValue(0)
        self._refresh_buttons()
        return True

    def _on_progress(self, done: float, total: float) -> None:
        if total:
            self.progress.setValue(int(1000 * done / total))
        if self._counting_bytes:  # imports report thousandths
            self.status.setText(f"Downloading: {format_progress(int(done), int(total) or None)}")
            for r, row in enumerate(self._rows):
                if row.name == self._active and total:
                    self.table.item(r, 3).setText(f"downloading {done / total:.0%}")

    def _on_succeeded(self, path: Path) -> None:
        self.models_changed.emit()
        self._finish(f"Installed {Path(path).name}.")

    def _finish(self, message: str, error: bool = False) -> None:
        self._active = None
        self.status.setProperty("error", error)
        self.status.style().polish(self.status)
        self.status.setText(message)
        self.refresh()

    def _refresh_buttons(self) -> None:
        row, busy = self.selected_row(), self.runner.busy
        self.progress.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.import_button.setEnabled(not busy)
        can_fetch = bool(row and row.in_catalog and (not row.installed or row.problem))
        self.download_button.setEnabled(can_fetch and not busy)
        self.download_button.setText("Resume" if row and row.partial_bytes else "Download")
        self.delete_button.setEnabled(bool(row and (row.installed or row.partial_bytes)) and not busy)
        self.default_button.setEnabled(bool(row and row.installed and not row.problem
                                            and row.name != self._default))

    def _confirm(self, question: str) -> bool:
        answer = QMessageBox.question(self, "Delete model", question)
        return answer == QMessageBox.StandardButton.Yes

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a Whisper model folder")
        if folder:
            self.import_from(Path(folder))

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a whisper.cpp model", "",
                                              "ggml models (*.bin);;All files (*)")
        if path:
            self.import_from(Path(path))

    def done(self, result: int) -> None:  # noqa: D401 - Qt override
        self.runner.stop()  # a running download keeps its partial file for a resume
        super().done(result)
