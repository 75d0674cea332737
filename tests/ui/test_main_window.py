"""The window: buttons send intents, history actions become signals, closing hides or quits."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest
import soundfile as sf

from app.history import HistoryEntry
from app.state import State
from audio.ring_buffer import RingBuffer
from ui.main_window import MainWindow


def entry(entry_id: int, text: str, created: float) -> HistoryEntry:
    return HistoryEntry(entry_id, created, text, 2.0, 0.8, 0.5, "base", "en")


@pytest.fixture
def window(qtbot) -> MainWindow:
    widget = MainWindow(RingBuffer(16000))
    qtbot.addWidget(widget)
    return widget


def test_closing_hides_to_the_tray_when_there_is_one(qtbot, window):
    window.set_hide_on_close(True)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.hidden_to_tray):
        assert window.close() is False  # the close was refused ...
    assert window.isHidden()  # ... and the window went to the tray
    assert not window.spectrogram.timer_active
    window.show_and_raise()
    assert window.isVisible() and window.spectrogram.timer_active


def test_closing_without_a_tray_closes(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    with qtbot.assertNotEmitted(window.hidden_to_tray):
        assert window.close() is True
    assert not window.isVisible()


@pytest.mark.parametrize("state, text, signal", [
    (State.IDLE, "Start dictation", "toggle_requested"),
    (State.RECORDING, "Stop dictation", "toggle_requested"),
    (State.TRANSCRIBING, "Cancel", "cancel_requested"),
    (State.ERROR, "Start dictation", "toggle_requested"),
])
def test_record_button_follows_the_state(qtbot, window, state, text, signal):
    window.set_state(state)
    assert window.record_button.text() == text
    with qtbot.waitSignal(getattr(window, signal)):
        window.record_button.click()


def test_record_button_is_off_while_pasting(window):
    window.set_state(State.PASTING)
    assert not window.record_button.isEnabled()


def test_the_live_view_holds_still_while_the_last_words_are_finished(qtbot, window):
    """From the release until the text is in, the spectrogram draws nothing (the GUI thread
    leaves the cores to whisper.cpp); recording and idle draw again."""
    window.show()
    qtbot.waitExposed(window)
    drawing = []
    for state in (State.RECORDING, State.TRANSCRIBING, State.PASTING, State.IDLE,
                  State.TRANSCRIBING, State.ERROR):
        window.set_state(state)
        drawing.append(window.spectrogram.timer_active)
    assert drawing == [True, False, False, True, False, True]


def test_settings_button(qtbot, window):
    with qtbot.waitSignal(window.settings_requested):
        window.settings_button.click()


def test_history_actions_carry_the_selected_entry(qtbot, window):
    now = time.time()
    window.set_entries([entry(7, "newest words", now), entry(3, "older words", now - 90000)])
    panel = window.history
    assert not panel.copy_button.isEnabled()  # nothing selected yet
    assert panel.entries()[1].id == 3
    panel.select_row(1)
    with qtbot.waitSignal(window.copy_requested) as copied:
        panel.copy_button.click()
    with qtbot.waitSignal(window.paste_requested) as pasted:
        panel.paste_button.click()
    with qtbot.waitSignal(window.delete_requested) as deleted:
        panel.delete_button.click()
    assert (copied.args, pasted.args, deleted.args) == (["older words"], ["older words"], [3])
    window.set_entries([entry(3, "older words", now - 90000)])  # refilled: selection kept
    assert panel.selected_entry().id == 3
    window.set_entries([])
    assert panel.selected_entry() is None and not panel.delete_button.isEnabled()


def test_new_entries_go_on_top_and_deleted_ones_go(window):
    now = time.time()
    window.set_entries([entry(1, "first", now - 10)])
    window.add_entry(entry(2, "second", now))
    assert [e.id for e in window.history.entries()] == [2, 1]
    window.remove_entry(1)
    assert [e.id for e in window.history.entries()] == [2]
    window.remove_entry(99)  # gone already: nothing happens


def test_transcript_and_hotkey_hint(window):
    assert "Ctrl+Alt+Space" in window.history._transcript.text()
    window.set_hotkey("Super+F9")
    assert "Super+F9" in window.history._transcript.text()
    window.set_transcript("Grüße aus München, 中文")
    assert window.history.transcript() == "Grüße aus München, 中文"
    assert window.history._transcript.text() == "Grüße aus München, 中文"


def test_notice_reaches_the_status_line(window):
    window.show_notice("Could not insert the text.")
    window.set_state(State.ERROR)
    assert window.status.text() == "Error Could not insert the text."


def test_screenshot_with_real_speech(qtbot, qapp, tmp_path, test_data):
    """The window as a user sees it mid-dictation; MURMUR_SCREENSHOT=path keeps a copy."""
    samples, rate = sf.read(test_data / "speech" / "jfk.wav", dtype="float32")
    assert rate == 16000
    ring = RingBuffer(rate * 30)
    ring.write(samples[int(2.5 * rate):int(8.5 * rate)])
    clock = [100.0]
    window = MainWindow(ring, clock=lambda: clock[0])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.size() == window.sizeHint()  # sized on first show, within the screen
    window.resize(860, 720)  # the offscreen screen is small; picture a laptop's
    window.set_state(State.RECORDING)
    clock[0] += 6.2
    window.status.tick()
    now = time.time()
    window.set_entries([
        entry(3, "And so, my fellow Americans, ask not what your country can do for you, ask "
                 "what you can do for your country.", now - 40),
        entry(2, "Schedule the review for Thursday at three and send the notes before then.",
              now - 3600),
        entry(1, "Grüße aus München.", now - 2 * 86400)])
    window.set_transcript("And so, my fellow Americans, ask not what your country can do for "
                          "you, ask what you can do for your country.")
    window.spectrogram.refresh()
    qapp.processEvents()  # run the posted layout requests, as the event loop would before a paint
    assert window.status._label.width() >= window.status._label.sizeHint().width()
    image = window.spectrogram.image_data()
    assert image.max() > -30 and np.median(image) > -95  # speech, not an empty picture
    picture = window.grab()
    assert picture.width() == 860
    assert picture.save(str(tmp_path / "murmur-window.png"))
    if os.environ.get("MURMUR_SCREENSHOT"):
        assert picture.save(os.environ["MURMUR_SCREENSHOT"])


def test_history_labels_say_the_time_today_and_the_day_before():
    import datetime

    from ui.history_panel import entry_label

    now = datetime.datetime(2026, 3, 4, 15, 0).timestamp()
    today = entry(1, "  two\nlines  ", datetime.datetime(2026, 3, 4, 9, 5).timestamp())
    day = datetime.datetime(2026, 3, 2, 14, 3)
    earlier = entry(2, "old", day.timestamp())
    assert entry_label(today, now) == "09:05   two lines"
    assert entry_label(earlier, now) == f"{day:%a} 2 {day:%b} 14:03   old"  # locale's names


def test_models_and_files_buttons_and_dropped_audio(qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    from ui.main_window import MainWindow

    window = MainWindow(None)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.models_requested):
        window.models_button.click()
    with qtbot.waitSignal(window.files_requested) as opened:
        window.files_button.click()
    assert opened.args == [[]]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "talk.flac")),
                  QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.files_requested) as dropped:
        window.dropEvent(event)
    assert dropped.args == [[tmp_path / "talk.flac"]]


def test_minimising_the_window_stops_the_spectrogram(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    assert window.spectrogram.timer_active
    window.showMinimized()
    qtbot.waitUntil(lambda: not window.spectrogram.timer_active, timeout=2000)
    window.showNormal()
    qtbot.waitUntil(lambda: window.spectrogram.timer_active, timeout=2000)
