"""The tray: its look follows the state; without a system tray it is absent but harmless."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from app.state import State
from ui.tray import Tray


@pytest.fixture
def no_tray(qapp) -> Tray:
    tray = Tray(available=False)
    yield tray
    tray.menu.deleteLater()


def test_by_default_qt_is_asked(qapp):
    tray = Tray()
    assert tray.available is QSystemTrayIcon.isSystemTrayAvailable()
    if qapp.platformName() == "offscreen":
        assert not tray.available  # as under Xvfb: the window must stay the way in
    tray.menu.deleteLater()


def test_without_a_tray_nothing_crashes(no_tray):
    assert not no_tray.available
    no_tray.show()
    for state in State:
        no_tray.set_state(state)
    no_tray.show_message("Murmur", "still running")
    no_tray.hide()


@pytest.mark.parametrize("state, text, enabled, signal", [
    (State.IDLE, "Start dictation", True, "toggle_requested"),
    (State.RECORDING, "Stop dictation", True, "toggle_requested"),
    (State.TRANSCRIBING, "Cancel", True, "cancel_requested"),
    (State.PASTING, "Inserting text…", False, None),
    (State.ERROR, "Start dictation", True, "toggle_requested"),
])
def test_menu_follows_the_state(qtbot, no_tray, state, text, enabled, signal):
    no_tray.set_state(state)
    assert no_tray.record_action.text() == text
    assert no_tray.record_action.isEnabled() is enabled
    if signal:
        with qtbot.waitSignal(getattr(no_tray, signal)):
            no_tray.record_action.trigger()


@pytest.mark.parametrize("action, signal", [
    ("show_action", "show_window_requested"),
    ("settings_action", "settings_requested"),
    ("quit_action", "quit_requested"),
])
def test_menu_entries_send_their_signal(qtbot, no_tray, action, signal):
    with qtbot.waitSignal(getattr(no_tray, signal)):
        getattr(no_tray, action).trigger()


def test_with_a_tray_the_icon_and_tooltip_follow_the_state(qtbot, qapp):
    tray = Tray(available=True)  # the icon object exists; nothing is shown offscreen
    try:
        assert tray.available
        tray.set_state(State.RECORDING)
        assert tray._icon.toolTip() == "Murmur: Recording"
        assert not tray._icon.icon().isNull()
        assert tray._icon.contextMenu() is tray.menu
        with qtbot.waitSignal(tray.show_window_requested):
            tray._icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
        with qtbot.assertNotEmitted(tray.show_window_requested):
            tray._icon.activated.emit(QSystemTrayIcon.ActivationReason.Context)
    finally:
        tray.menu.deleteLater()


def test_the_tray_icon_tells_the_four_states_apart(qapp):
    """Idle, recording, transcribing and error each draw a different picture in the tray."""
    tray = Tray(available=True)
    try:
        pictures = []
        for state in (State.IDLE, State.RECORDING, State.TRANSCRIBING, State.ERROR):
            tray.set_state(state)
            image = tray._icon.icon().pixmap(22, 22).toImage()
            pictures.append(bytes(image.constBits()))
        assert len(set(pictures)) == 4
    finally:
        tray.menu.deleteLater()
