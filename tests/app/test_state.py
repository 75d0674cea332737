"""Every state × event pair of the dictation state machine, against a grid written out by hand."""
from __future__ import annotations

import pytest

from app.state import Deferred, Event, State, defer, is_busy, transition

I, R, T, P, X = State.IDLE, State.RECORDING, State.TRANSCRIBING, State.PASTING, State.ERROR
_ = None  # ignored

# One row per event; columns are the current state: IDLE, RECORDING, TRANSCRIBING, PASTING, ERROR.
GRID = {
    Event.START: (R, _, _, _, R),
    Event.STOP: (_, T, _, _, _),
    Event.TOGGLE: (R, T, _, _, R),
    Event.CANCEL: (_, I, I, _, I),
    Event.TRANSCRIPT_READY: (_, _, P, _, _),
    Event.TRANSCRIPT_EMPTY: (_, _, I, _, _),
    Event.TRANSCRIPTION_FAILED: (_, _, X, _, _),
    Event.PASTE_DONE: (_, _, _, I, _),
    Event.PASTE_FAILED: (_, _, _, X, _),
    Event.ERROR: (X, X, X, X, X),
    Event.ERROR_ACKNOWLEDGED: (_, _, _, _, I),
    Event.REINSERT: (P, _, _, _, _),
}
COLUMNS = (I, R, T, P, X)

CASES = [
    pytest.param(state, event, GRID[event][col], id=f"{state.name}-{event.name}")
    for event in Event
    for col, state in enumerate(COLUMNS)
]


def test_grid_covers_every_event_and_state():
    assert set(GRID) == set(Event)
    assert set(COLUMNS) == set(State)


@pytest.mark.parametrize(("state", "event", "expected"), CASES)
def test_transition(state, event, expected):
    assert transition(state, event) is expected


def test_happy_path_returns_to_idle():
    state = I
    for event in (Event.START, Event.STOP, Event.TRANSCRIPT_READY, Event.PASTE_DONE):
        state = transition(state, event)
    assert state is I


def test_fifty_starts_and_stops_in_any_order_never_leave_the_table():
    # The hotkey hammered: whatever arrives, the machine stays in a defined state.
    state = I
    for n in range(50):
        event = (Event.START, Event.STOP, Event.CANCEL, Event.TOGGLE)[n % 4]
        state = transition(state, event) or state
    assert state in set(State)


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.name)
def test_status_word_is_lowercase_name(state):
    assert state.value == state.name.lower()


def test_busy_states():
    assert [s for s in State if is_busy(s)] == [T, P]


# A start while busy is deferred: what each intent does to it. Columns: NONE, WAITING, STOPPED;
# None means "not about the deferred start" (the main table decides).
N, W, S = Deferred.NONE, Deferred.WAITING, Deferred.STOPPED
DEFER_GRID = {
    Event.START: (W, W, W),
    Event.TOGGLE: (W, S, W),
    Event.STOP: (_, S, S),
    Event.CANCEL: (_, N, N),
}


@pytest.mark.parametrize(
    ("deferred", "event", "expected"),
    [pytest.param(d, e, DEFER_GRID.get(e, (_, _, _))[col], id=f"{d.name}-{e.name}")
     for e in Event for col, d in enumerate((N, W, S))])
def test_defer(deferred, event, expected):
    assert defer(deferred, event) is expected


def test_fifty_presses_while_busy_keep_at_most_one_deferred_start():
    deferred = N
    for n in range(50):
        deferred = defer(deferred, (Event.START, Event.STOP, Event.TOGGLE, Event.CANCEL)[n % 4]) \
            or deferred
        assert deferred in (N, W, S)
