"""The pynput listener on a real (virtual) X server, driven by xdotool."""
from __future__ import annotations

import os
import queue
import subprocess
import sys

import pytest

from desktop.chord import DEFAULT_CHORD, Action, GestureTracker, KeyEvent, parse_chord
from desktop.hotkey import HotkeyListener, key_name
from xvfb import wait_until

EVENT_TIMEOUT_S = 5.0


@pytest.fixture
def listener(x_display):
    events: queue.Queue[KeyEvent] = queue.Queue()
    listener = HotkeyListener(parse_chord(DEFAULT_CHORD), events.put)
    status = listener.start()
    assert status.ok, status.message
    yield listener, events
    listener.stop()
    assert not listener.running


def _drain_until(events: queue.Queue, predicate, what: str) -> list[KeyEvent]:
    seen: list[KeyEvent] = []

    def arrived():
        try:
            while True:
                seen.append(events.get_nowait())
        except queue.Empty:
            pass
        return predicate(seen)

    wait_until(arrived, EVENT_TIMEOUT_S, what)
    return seen


def _without_repeats(events: list[KeyEvent]) -> list[tuple[str, bool]]:
    held, out = set(), []
    for e in events:
        if e.pressed and e.key in held:
            continue  # X auto-repeat: more presses, no releases
        (held.add if e.pressed else held.discard)(e.key)
        out.append((e.key, e.pressed))
    return out


def test_sees_chord_press_then_release_in_order(listener, xdotool):
    _, events = listener
    xdotool("keydown", "ctrl+alt+space")
    seen = _drain_until(events, lambda s: sum(e.pressed for e in s) >= 3, "three presses")
    xdotool("keyup", "ctrl+alt+space")
    seen += _drain_until(events, lambda s: sum(not e.pressed for e in s) >= 3, "three releases")
    keys = _without_repeats(seen)
    assert keys[:3] == [("ctrl", True), ("alt", True), ("space", True)]
    assert sorted(keys[3:]) == [("alt", False), ("ctrl", False), ("space", False)]
    times = [e.time for e in seen]
    assert times == sorted(times)
    # The same events drive the gesture: a press starts a recording.
    tracker = GestureTracker(parse_chord(DEFAULT_CHORD))
    assert [tracker.feed(e) for e in seen].count(Action.START) == 1


def test_other_keys_never_leave_the_listener_thread(listener, xdotool):
    _, events = listener
    xdotool("key", "a", "b", "Return", "Escape")
    seen = _drain_until(events, lambda s: any(not e.pressed for e in s), "the Esc release")
    assert {e.key for e in seen} == {"esc"}


@pytest.mark.parametrize(
    ("env_display", "expected"),
    [(None, "DISPLAY is not set"), (":4711", "Cannot open the X display :4711")],
)
def test_start_without_display_reports_instead_of_crashing(env_display, expected):
    # A fresh interpreter: pynput's X backend must never have been imported with a display.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if env_display:
        env["DISPLAY"] = env_display
    code = (
        "from desktop.hotkey import HotkeyListener\n"
        "from desktop.chord import parse_chord, DEFAULT_CHORD\n"
        "status = HotkeyListener(parse_chord(DEFAULT_CHORD), print).start()\n"
        "print(status.ok, status.message)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=30, cwd=os.getcwd())
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("False ")
    assert expected in done.stdout


class _FakeKey:
    def __init__(self, name=None, char=None):
        if name:
            self.name = name
        self.char = char


@pytest.mark.parametrize(
    ("key", "expected"),
    [(_FakeKey(name="ctrl_r"), "ctrl_r"), (_FakeKey(char="A"), "a"), (_FakeKey(), None),
     (None, None)],
)
def test_key_name(key, expected):
    assert key_name(key) == expected


def test_fifty_real_taps_in_a_row_alternate_start_stop(listener, xdotool):
    _, events = listener
    xdotool("key", "--delay", "8", *["ctrl+alt+space"] * 50)
    seen = _drain_until(events, lambda s: sum(e.key == "space" and not e.pressed for e in s) >= 50,
                        "fifty space releases")
    # How fast xdotool delivers them is the machine's business, not asserted here; each tap
    # is far shorter than the tap limit, so the gestures must alternate.
    tracker = GestureTracker(parse_chord(DEFAULT_CHORD))
    actions = [a for a in map(tracker.feed, seen) if a is not None]
    assert actions == [Action.START, Action.STOP] * 25
    assert not tracker.recording


def test_set_chord_applies_without_restarting_the_listener(listener, xdotool):
    hotkey, events = listener
    hotkey.set_chord(parse_chord("ctrl+F9"))
    xdotool("key", "ctrl+space", "ctrl+F9")
    seen = _drain_until(events, lambda s: any(e.key == "f9" and not e.pressed for e in s),
                        "the F9 release")
    assert "space" not in {e.key for e in seen}  # the old chord's key is filtered out now
    assert hotkey.running and hotkey.chord == parse_chord("ctrl+F9")
    tracker = GestureTracker(parse_chord("ctrl+F9"))
    assert [a for a in map(tracker.feed, seen) if a] == [Action.START]
