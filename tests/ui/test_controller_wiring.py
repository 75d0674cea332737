"""The window and tray on a real controller and history (fake audio, engine and insertion).

The widgets are wired by ``main.wire_views`` itself, so a signal whose signature drifts on either
side (controller, history keeper, widgets) fails here rather than in the running app.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal

import main
from app.controller import NOTHING_HEARD, DictationController
from app.history import History, HistoryKeeper
from app.settings import Settings
from app.state import State
from audio.ring_buffer import RingBuffer
from desktop.chord import DEFAULT_CHORD, parse_chord
from desktop.inject import InjectResult
from ui.main_window import MainWindow
from ui.pending_notices import PendingNotices
from ui.tray import Tray


class Recorder(QObject):
    notice = Signal(str)

    def begin(self, from_index=None, pressed_at=None):
        pass

    def finish(self):
        return "audio"

    def abort(self):
        pass


class Transcriber(QObject):
    model_failed = Signal(str)

    def __init__(self):
        super().__init__()
        self.jobs = []

    def submit(self, job, audio):
        self.jobs.append(job)


class Inserter:
    def __init__(self):
        self.reinserted = []

    def remember_target(self):
        return None

    def insert(self, text, target, options):
        return InjectResult(True, False)

    def reinsert(self, text, target, options):
        self.reinserted.append(text)
        return InjectResult(True, False)


class InstanceServer(QObject):
    raise_requested = Signal()


@pytest.fixture
def instance_server():
    return InstanceServer()


@pytest.fixture
def app_parts(qapp, qtbot, tmp_path, instance_server):
    transcriber, recorder = Transcriber(), Recorder()
    inserter = Inserter()
    controller = DictationController(recorder, transcriber, inserter,
                                     parse_chord(DEFAULT_CHORD))
    controller.inserter = inserter  # for the paste-again test
    history = History(tmp_path / "history.sqlite3")
    keeper = HistoryKeeper(history)
    window = MainWindow(RingBuffer(16000))
    qtbot.addWidget(window)
    tray = Tray(available=False)
    # run_desktop_app's part: history, and notices held until the window exists
    controller.dictation_finished.connect(keeper.on_dictation_finished)
    pending = PendingNotices()
    controller.notice.connect(pending.show)
    main.wire_views(qapp, window, tray, controller, keeper, transcriber, history,
                    instance_server, Settings(), pending)
    yield controller, transcriber, window, tray, history
    controller.close()
    history.close()
    tray.menu.deleteLater()


def test_a_dictation_from_the_record_button_to_the_history_list(qtbot, app_parts):
    controller, transcriber, window, tray, history = app_parts
    window.record_button.click()
    assert window.status.text().startswith("Recording")
    assert tray.record_action.text() == "Stop dictation"
    window.record_button.click()
    assert window.status.text() == "Transcribing…" and window.record_button.text() == "Cancel"
    controller.transcribed(transcriber.jobs[-1], "Grüße aus München")
    qtbot.waitUntil(lambda: controller.state is State.IDLE, timeout=5000)
    assert window.history.transcript() == "Grüße aus München"
    assert [e.text for e in window.history.entries()] == ["Grüße aus München"]
    window.history.select_row(0)
    window.history.delete_button.click()
    assert window.history.entries() == [] and history.entries() == []


def test_cancel_from_the_tray_while_transcribing(app_parts):
    controller, transcriber, window, tray, history = app_parts
    tray.record_action.trigger()
    tray.record_action.trigger()
    assert tray.record_action.text() == "Cancel"
    tray.record_action.trigger()
    assert controller.state is State.IDLE and window.status.text() == "Ready"


def test_nothing_heard_is_said_in_the_status_line(app_parts):
    controller, transcriber, window, tray, history = app_parts
    window.record_button.click()
    window.record_button.click()
    controller.transcribed(transcriber.jobs[-1], "  ")
    assert window.status.text() == f"Ready {NOTHING_HEARD}"


def test_paste_again_from_the_history_goes_through_the_controller(qtbot, app_parts):
    controller, transcriber, window, tray, history = app_parts
    window.record_button.click()
    window.record_button.click()
    controller.transcribed(transcriber.jobs[-1], "noch einmal")
    qtbot.waitUntil(lambda: controller.state is State.IDLE, timeout=5000)
    window.history.select_row(0)
    window.history.paste_button.click()
    qtbot.waitUntil(lambda: controller.inserter.reinserted == ["noch einmal"], timeout=5000)
    qtbot.waitUntil(lambda: controller.state is State.IDLE, timeout=5000)
    assert len(history.entries()) == 1  # pasting again adds no entry


def test_copy_from_the_history_puts_the_text_on_the_clipboard(qtbot, qapp, app_parts):
    controller, transcriber, window, tray, history = app_parts
    window.record_button.click()
    window.record_button.click()
    controller.transcribed(transcriber.jobs[-1], "Grüße, 中文")
    qtbot.waitUntil(lambda: controller.state is State.IDLE, timeout=5000)
    qapp.clipboard().setText("before")
    window.history.select_row(0)
    window.history.copy_button.click()
    assert qapp.clipboard().text() == "Grüße, 中文"


def test_a_second_launch_brings_the_hidden_window_back(qtbot, app_parts, instance_server):
    """``python main.py`` again asks the running one to show itself (``raise_requested``, sent by
    app/instance.py; shown across real processes in tests/app/test_instance.py)."""
    controller, transcriber, window, tray, history = app_parts
    window.hide()
    instance_server.raise_requested.emit()
    qtbot.waitExposed(window)
    assert window.isVisible() and window.spectrogram.timer_active


def test_without_a_tray_the_window_stays_the_way_in(qtbot, qapp, app_parts):
    """No system tray (as under Xvfb): closing the window closes it, not hides it into a tray
    nobody can see, and the app quits with its last window."""
    controller, transcriber, window, tray, history = app_parts
    assert not tray.available and qapp.quitOnLastWindowClosed()
    window.show()
    qtbot.waitExposed(window)
    with qtbot.assertNotEmitted(window.hidden_to_tray):
        assert window.close() is True
