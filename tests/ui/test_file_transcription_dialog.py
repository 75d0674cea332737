"""The file dialog with a fake engine: progress, result with times, cancel, export, errors."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from engine.errors import ModelFileError
from engine.options import Segment, Transcript
from ui.file_transcription import FileTranscriptionDialog
from ui.file_worker import FileTranscriber

RATE = 16000


class FakeEngine:
    """One segment per chunk; ``gate`` (when given) holds each call until set."""

    def __init__(self, gate: threading.Event | None = None):
        self.gate = gate
        self.calls = 0
        self.entered = threading.Event()

    def transcribe(self, audio, options=None):
        self.calls += 1
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(10)
        seconds = len(audio) / RATE
        return Transcript("hello", (Segment(0.5, seconds - 0.5, f"part {self.calls}"),), "en",
                          seconds, 0.0)


def tone_file(folder, name="speech.wav", seconds=3.0):
    t = np.arange(int(seconds * RATE)) / RATE
    path = folder / name
    soundfile.write(path, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), RATE)
    return path


@pytest.fixture
def make_dialog(qtbot):
    made = []

    def make(factory):
        worker = FileTranscriber(factory)
        dialog = FileTranscriptionDialog(worker)
        qtbot.addWidget(dialog)
        made.append(worker)
        return dialog, worker

    yield make
    for worker in made:
        worker.stop()


def test_a_file_is_transcribed_with_progress_and_times(qtbot, tmp_path, make_dialog):
    engine = FakeEngine()
    dialog, worker = make_dialog(lambda: engine)
    path = tone_file(tmp_path)
    with qtbot.waitSignal(worker.finished, timeout=10000):
        with qtbot.waitSignal(worker.progressed, timeout=10000) as progress:
            dialog.add_files([path])
    assert progress.args[1] == 1.0
    assert dialog.result.toPlainText().split() == ["0:00.5", "–", "0:02.5", "part", "1"]
    assert "done" in dialog.files.item(0).text()
    assert all(b.isEnabled() for b in dialog.export_buttons.values())
    assert not dialog.cancel_button.isEnabled()


def test_the_engine_is_freed_when_the_queue_is_empty(qtbot, tmp_path, make_dialog):
    engines = []

    def factory():
        engines.append(FakeEngine())
        engines[-1].close = lambda: setattr(engines[-1], "closed", True)
        return engines[-1]

    dialog, worker = make_dialog(factory)
    with qtbot.waitSignals([worker.finished, worker.finished], timeout=10000):
        dialog.add_files([tone_file(tmp_path, "a.wav"), tone_file(tmp_path, "b.wav")])
    qtbot.waitUntil(lambda: getattr(engines[0], "closed", False), timeout=5000)
    assert len(engines) == 1  # one engine for the batch
    with qtbot.waitSignal(worker.finished, timeout=10000):
        dialog.add_files([tone_file(tmp_path, "c.wav")])
    assert len(engines) == 2


def test_exports_are_written_in_each_format(qtbot, tmp_path, make_dialog):
    dialog, worker = make_dialog(FakeEngine)
    with qtbot.waitSignal(worker.finished, timeout=10000):
        dialog.add_files([tone_file(tmp_path)])
    srt = dialog.export_to(tmp_path / "out.srt").read_text()
    assert srt == "1\n00:00:00,500 --> 00:00:02,500\npart 1\n"
    vtt = dialog.export_to(tmp_path / "out.vtt").read_text()
    assert vtt == "WEBVTT\n\n00:00:00.500 --> 00:00:02.500\npart 1\n"
    assert dialog.export_to(tmp_path / "out.txt").read_text() == "part 1\n"
    assert dialog.export_to(tmp_path / "missing" / "out.txt") is None
    assert "Could not write" in dialog.status.text()


def test_cancel_stops_the_file_and_the_queue(qtbot, tmp_path, make_dialog):
    gate = threading.Event()
    engine = FakeEngine(gate)
    dialog, worker = make_dialog(lambda: engine)
    first = tone_file(tmp_path, "long.wav", seconds=70.0)  # three chunks
    dialog.add_files([first, tone_file(tmp_path, "next.wav")])
    qtbot.waitUntil(engine.entered.is_set, timeout=10000)
    assert dialog.cancel_button.isEnabled() and dialog.progress.isVisibleTo(dialog)
    with qtbot.waitSignals([worker.cancelled, worker.cancelled], timeout=10000):
        dialog.cancel_button.click()
        gate.set()
    assert engine.calls == 1
    assert "part 1" in dialog.result.toPlainText()  # what was done before the cancel stays
    assert "cancelled" in dialog.files.item(0).text() and "cancelled" in dialog.files.item(1).text()
    assert not dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(worker.finished, timeout=10000):  # a new file runs again
        dialog.add_files([tone_file(tmp_path, "after.wav")])


def test_short_times():
    from ui.file_transcription import short_time

    assert [short_time(t) for t in (0.04, 65.0, 3723.44)] == ["0:00.0", "1:05.0", "1:02:03.4"]


def test_a_missing_model_or_a_bad_file_is_said(qtbot, tmp_path, make_dialog):
    def no_model():
        raise ModelFileError("Model 'base' is not installed")

    dialog, worker = make_dialog(no_model)
    with qtbot.waitSignal(worker.failed, timeout=10000):
        dialog.add_files([tone_file(tmp_path)])
    assert dialog.status.text() == "Model 'base' is not installed"
    dialog, worker = make_dialog(FakeEngine)
    bad = tmp_path / "bad.ogg"
    bad.write_bytes(b"OggS but not really")
    with qtbot.waitSignal(worker.failed, timeout=10000):
        dialog.add_files([bad])
    assert "bad.ogg" in dialog.status.text() and "failed" in dialog.files.item(0).text()


def test_dropped_audio_files_are_queued(qtbot, tmp_path, make_dialog):
    dialog, worker = make_dialog(FakeEngine)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tone_file(tmp_path))),
                  QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(worker.finished, timeout=10000):
        dialog.dropEvent(event)
    assert dialog.files.count() == 1


def test_audio_dropped_on_the_window_reaches_the_file_dialog(qtbot, tmp_path):
    """``main.wire_tools``: a file dropped on the main window is queued in the file dialog and
    run by its worker (here with no model installed, so the worker says which one is missing)."""
    from PySide6.QtCore import QObject, Signal

    import main
    from app.settings import Settings
    from app.state import State
    from engine.model_store import ModelStore
    from ui.main_window import MainWindow

    class Controller(QObject):
        state_changed = Signal(object)
        state = State.IDLE

    window = MainWindow(None)
    qtbot.addWidget(window)
    files = main.wire_tools(window, Controller(), ModelStore(tmp_path / "models"),
                            lambda: Settings(model="base"), lambda settings: None)
    try:
        assert window.findChild(FileTranscriptionDialog) is None  # made when first asked for
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(tone_file(tmp_path)))])
        event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                           Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
        window.dropEvent(event)
        dialog = window.findChild(FileTranscriptionDialog)
        assert dialog is files.dialog and dialog.isVisible() and dialog.files.count() == 1
        qtbot.waitUntil(lambda: "base" in dialog.status.text(), timeout=10000)
        assert "speech.wav" in dialog.files.item(0).text()
    finally:
        files.stop()
