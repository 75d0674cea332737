"""Key-chord parsing/formatting and the hold/tap gesture, as tables."""
from __future__ import annotations

import pytest

from desktop.chord import (
    DEFAULT_CHORD,
    TAP_MAX_S,
    Action,
    Chord,
    ChordError,
    Gesture,
    GestureTracker,
    KeyEvent,
    Modifier,
    format_chord,
    parse_chord,
)

CTRL_ALT = frozenset({Modifier.CTRL, Modifier.ALT})


@pytest.mark.parametrize(
    ("text", "modifiers", "key"),
    [
        ("ctrl+alt+space", CTRL_ALT, "space"),
        ("<ctrl>+<alt>+space", CTRL_ALT, "space"),
        ("Ctrl+Alt+Space", CTRL_ALT, "space"),
        ("CTRL + ALT + SPACE", CTRL_ALT, "space"),
        ("<ctrl_r>+<alt_l>+<space>", CTRL_ALT, "space"),
        ("alt+control+space", CTRL_ALT, "space"),
        ("super+shift+D", frozenset({Modifier.SUPER, Modifier.SHIFT}), "d"),
        ("<cmd>+f9", frozenset({Modifier.SUPER}), "f9"),
        ("F12", frozenset(), "f12"),
        ("ctrl+Return", frozenset({Modifier.CTRL}), "enter"),
        ("ctrl+pageup", frozenset({Modifier.CTRL}), "page_up"),
        ("ctrl+ctrl_r+space", frozenset({Modifier.CTRL}), "space"),
    ],
)
def test_parse(text, modifiers, key):
    assert parse_chord(text) == Chord(modifiers, key)


@pytest.mark.parametrize(
    "text", ["", "   ", "ctrl+", "+space", "ctrl+alt", "ctrl+a+b", "ctrl+bogus", "hyper+space"]
)
def test_parse_rejects(text):
    with pytest.raises(ChordError):
        parse_chord(text)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("space+alt+ctrl", "Ctrl+Alt+Space"),
        ("<shift>+<super>+d", "Shift+Super+D"),
        ("ctrl+page_down", "Ctrl+PageDown"),
        ("f9", "F9"),
    ],
)
def test_format_round_trips(text, shown):
    assert format_chord(parse_chord(text)) == shown
    assert parse_chord(shown) == parse_chord(text)


def test_default_chord():
    assert str(parse_chord(DEFAULT_CHORD)) == "Ctrl+Alt+Space"


# Gesture tables: rows of (key, "down"/"up", time) and the actions expected, in order.
# Keys are raw pynput names, as the listener reports them.
PRESS_CHORD = [("ctrl_l", "down"), ("alt_l", "down"), ("space", "down")]
RELEASE_CHORD = [("space", "up"), ("alt_l", "up"), ("ctrl_l", "up")]
SHORT = TAP_MAX_S / 3
LONG = TAP_MAX_S * 3


def _at(rows, t):
    return [(key, kind, t) for key, kind in rows]


GESTURES = {
    "hold: press starts, long release stops": (
        _at(PRESS_CHORD, 0.0) + _at(RELEASE_CHORD, LONG),
        [Action.START, Action.STOP],
    ),
    "tap: short release keeps recording": (
        _at(PRESS_CHORD, 0.0) + _at(RELEASE_CHORD, SHORT),
        [Action.START],
    ),
    "tap then tap: second press stops": (
        _at(PRESS_CHORD, 0) + _at(RELEASE_CHORD, SHORT) + _at(PRESS_CHORD, 5) + _at(RELEASE_CHORD, 5.1),
        [Action.START, Action.STOP],
    ),
    "exactly the threshold is a hold": (
        _at(PRESS_CHORD, 0.0) + _at(RELEASE_CHORD, TAP_MAX_S),
        [Action.START, Action.STOP],
    ),
    "releasing a modifier first ends the hold": (
        _at(PRESS_CHORD, 0) + [("ctrl_l", "up", LONG), ("alt_l", "up", LONG), ("space", "up", LONG)],
        [Action.START, Action.STOP],
    ),
    "esc while holding cancels, release is quiet": (
        _at(PRESS_CHORD, 0) + [("esc", "down", 1), ("esc", "up", 1)] + _at(RELEASE_CHORD, 2),
        [Action.START, Action.CANCEL],
    ),
    "esc in toggle mode cancels": (
        _at(PRESS_CHORD, 0) + _at(RELEASE_CHORD, SHORT) + [("esc", "down", 3)],
        [Action.START, Action.CANCEL],
    ),
    "esc when idle does nothing": ([("esc", "down", 0), ("esc", "up", 0)], []),
    "auto-repeat presses are ignored": (
        _at(PRESS_CHORD, 0) + [("space", "down", t / 10) for t in range(1, 20)] + _at(RELEASE_CHORD, LONG),
        [Action.START, Action.STOP],
    ),
    "right-hand modifiers work": (
        [("ctrl_r", "down", 0), ("alt_r", "down", 0), ("space", "down", 0)]
        + [("space", "up", LONG), ("alt_r", "up", LONG), ("ctrl_r", "up", LONG)],
        [Action.START, Action.STOP],
    ),
    "an extra modifier means another chord": (
        [("shift_l", "down", 0)] + _at(PRESS_CHORD, 0) + _at(RELEASE_CHORD, LONG),
        [],
    ),
    "missing modifier: no chord": ([("ctrl_l", "down", 0), ("space", "down", 0)], []),
    "key before modifiers still counts": (
        [("space", "down", 0), ("ctrl_l", "down", 0), ("alt_l", "down", 0)] + _at(RELEASE_CHORD, LONG),
        [Action.START, Action.STOP],
    ),
    "other keys while holding do not matter": (
        _at(PRESS_CHORD, 0) + [("a", "down", 0.5), ("a", "up", 0.6)] + _at(RELEASE_CHORD, LONG),
        [Action.START, Action.STOP],
    ),
    "one ctrl let go while the other is held keeps holding": (
        _at(PRESS_CHORD, 0) + [("ctrl_r", "down", 0.5), ("ctrl_l", "up", 0.6)]
        + [("space", "up", LONG)],
        [Action.START, Action.STOP],
    ),
    "release of a key pressed before listening is ignored": ([("space", "up", 0)], []),
}


@pytest.mark.parametrize(("rows", "expected"), GESTURES.values(), ids=GESTURES.keys())
def test_gesture(rows, expected):
    tracker = GestureTracker(parse_chord(DEFAULT_CHORD))
    actions = [tracker.feed(KeyEvent(key, kind == "down", t)) for key, kind, t in rows]
    assert [a for a in actions if a is not None] == expected


def test_fifty_presses_in_a_second_alternate_and_end_consistent():
    tracker = GestureTracker(parse_chord(DEFAULT_CHORD))
    actions = []
    for n in range(50):
        t = n / 50
        for rows in (_at(PRESS_CHORD, t), _at(RELEASE_CHORD, t + 0.005)):
            actions += [tracker.feed(KeyEvent(k, kind == "down", ts)) for k, kind, ts in rows]
    actions = [a for a in actions if a is not None]
    # Taps alternate start/stop: never two starts in a row, and 50 taps end not recording.
    assert actions == [Action.START, Action.STOP] * 25
    assert not tracker.recording


def test_sync_after_tray_start_makes_next_tap_stop():
    tracker = GestureTracker(parse_chord(DEFAULT_CHORD))
    tracker.sync(recording=True)
    actions = [tracker.feed(KeyEvent(k, kind == "down", 0)) for k, kind in PRESS_CHORD]
    assert [a for a in actions if a] == [Action.STOP]


def test_sync_after_external_stop_swallows_the_held_chord():
    tracker = GestureTracker(parse_chord(DEFAULT_CHORD))
    [tracker.feed(KeyEvent(k, kind == "down", 0)) for k, kind in PRESS_CHORD]
    tracker.sync(recording=False)  # e.g. the audio device failed
    assert [tracker.feed(KeyEvent(k, kind == "down", LONG)) for k, kind in RELEASE_CHORD] == [None] * 3
    assert tracker.feed(KeyEvent("space", True, 9)) is None  # modifiers up: no chord
    actions = [tracker.feed(KeyEvent(k, kind == "down", 10)) for k, kind in PRESS_CHORD]
    assert [a for a in actions if a] == [Action.START]


# Each gesture setting against the same key sequences: (rows, {gesture: expected actions}).
B, H, T = Gesture.BOTH, Gesture.HOLD, Gesture.TAP
PER_GESTURE = {
    "short press and release": (
        _at(PRESS_CHORD, 0) + _at(RELEASE_CHORD, SHORT),
        {B: [Action.START], H: [Action.START, Action.STOP], T: [Action.START]},
    ),
    "long press and release": (
        _at(PRESS_CHORD, 0) + _at(RELEASE_CHORD, LONG),
        {B: [Action.START, Action.STOP], H: [Action.START, Action.STOP], T: [Action.START]},
    ),
    "long press, release, press again": (
        _at(PRESS_CHORD, 0) + _at(RELEASE_CHORD, LONG) + _at(PRESS_CHORD, 5),
        {B: [Action.START, Action.STOP, Action.START], H: [Action.START, Action.STOP, Action.START],
         T: [Action.START, Action.STOP]},
    ),
    "two taps": (
        _at(PRESS_CHORD, 0) + _at(RELEASE_CHORD, SHORT) + _at(PRESS_CHORD, 5)
        + _at(RELEASE_CHORD, 5 + SHORT),
        {B: [Action.START, Action.STOP], H: [Action.START, Action.STOP, Action.START, Action.STOP],
         T: [Action.START, Action.STOP]},
    ),
    "esc while holding": (
        _at(PRESS_CHORD, 0) + [("esc", "down", 1)] + _at(RELEASE_CHORD, 2),
        {g: [Action.START, Action.CANCEL] for g in Gesture},
    ),
}


@pytest.mark.parametrize("gesture", list(Gesture), ids=lambda g: g.value)
@pytest.mark.parametrize(("rows", "expected"), PER_GESTURE.values(), ids=PER_GESTURE.keys())
def test_gesture_setting(rows, expected, gesture):
    tracker = GestureTracker(parse_chord(DEFAULT_CHORD), gesture)
    actions = [tracker.feed(KeyEvent(key, kind == "down", t)) for key, kind, t in rows]
    assert [a for a in actions if a is not None] == expected[gesture]


def test_gesture_changes_live_while_recording():
    tracker = GestureTracker(parse_chord(DEFAULT_CHORD), Gesture.TAP)
    feed = [tracker.feed(KeyEvent(k, kind == "down", t)) for k, kind, t in _at(PRESS_CHORD, 0)]
    tracker.set_gesture(Gesture.HOLD)
    feed += [tracker.feed(KeyEvent(k, kind == "down", t)) for k, kind, t in _at(RELEASE_CHORD, SHORT)]
    assert [a for a in feed if a] == [Action.START, Action.STOP]


def test_new_chord_applies_at_once_and_the_old_one_is_dead():
    tracker = GestureTracker(parse_chord(DEFAULT_CHORD))
    tracker.set_chord(parse_chord("F9"))
    old = [tracker.feed(KeyEvent(k, kind == "down", t)) for k, kind, t in _at(PRESS_CHORD, 0)]
    old += [tracker.feed(KeyEvent(k, kind == "down", t)) for k, kind, t in _at(RELEASE_CHORD, 1)]
    assert [a for a in old if a] == []
    assert tracker.feed(KeyEvent("f9", True, 2)) is Action.START
    assert tracker.feed(KeyEvent("f9", False, 3)) is Action.STOP


def test_chord_changed_while_held_lets_the_new_chord_finish():
    tracker = GestureTracker(parse_chord(DEFAULT_CHORD))
    [tracker.feed(KeyEvent(k, kind == "down", 0)) for k, kind in PRESS_CHORD]
    tracker.set_chord(parse_chord("F9"))
    assert [tracker.feed(KeyEvent(k, False, 1)) for k, _ in RELEASE_CHORD] == [None] * 3
    assert tracker.recording
    assert tracker.feed(KeyEvent("f9", True, 2)) is Action.STOP
