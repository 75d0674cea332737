"""The status line shows each state, the recording time and the controller's notices."""
from __future__ import annotations

import pytest

from app.state import State
from ui.state_style import icon_for, style_for
from ui.status_line import StatusLine, format_elapsed


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def status(qtbot, clock) -> StatusLine:
    widget = StatusLine(clock)
    qtbot.addWidget(widget)
    return widget


@pytest.mark.parametrize("state, words", [
    (State.IDLE, "Ready"),
    (State.RECORDING, "Recording 0:00"),
    (State.TRANSCRIBING, "Transcribing…"),
    (State.PASTING, "Inserting text…"),
    (State.ERROR, "Error"),
])
def test_each_state_has_its_words(status, state, words):
    status.set_state(state)
    assert status.text() == words
    assert status.state is state


def test_recording_shows_elapsed_time(status, clock):
    status.set_state(State.RECORDING)
    clock.now += 7.6
    status.tick()
    assert status.text() == "Recording 0:07"
    clock.now += 60.0
    status.tick()
    assert status.text() == "Recording 1:07"
    status.set_state(State.TRANSCRIBING)
    assert status.text() == "Transcribing…"  # the time goes with the recording


def test_the_timer_ticks_only_while_recording(qtbot, status, clock):
    status.set_state(State.RECORDING)
    assert status._timer.isActive()
    clock.now += 3.2
    qtbot.waitUntil(lambda: status.text() == "Recording 0:03", timeout=2000)
    status.set_state(State.IDLE)
    assert not status._timer.isActive()


def test_an_error_shows_its_message_until_the_next_dictation(status):
    # The controller emits notice(message) first, then state_changed(ERROR).
    status.show_notice("The microphone went away.")
    status.set_state(State.ERROR)
    assert status.text() == "Error The microphone went away."
    assert status._notice.property("error") is True
    status.set_state(State.IDLE)
    assert "The microphone went away." in status.text()
    status.set_state(State.RECORDING)
    assert status.text() == "Recording 0:00"


def test_a_notice_in_idle_is_not_an_error(status):
    status.show_notice("Nothing was heard.")
    status.set_state(State.IDLE)
    assert status.text() == "Ready Nothing was heard."
    assert status._notice.property("error") is False


@pytest.mark.parametrize("seconds, text", [(0, "0:00"), (59.9, "0:59"), (61, "1:01"),
                                           (3725, "1:02:05"), (-1, "0:00")])
def test_format_elapsed(seconds, text):
    assert format_elapsed(seconds) == text


@pytest.mark.parametrize("state", list(State))
def test_every_state_has_a_style_and_an_icon(qtbot, state):
    style = style_for(state)
    assert style.icon_file.is_file() and style.colour.startswith("#")
    assert not icon_for(state).isNull()
    assert not icon_for(state).pixmap(22, 22).isNull()
