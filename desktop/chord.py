"""Key chords (parse, format) and the hold/tap gesture that turns key events into intents.

Pure: no X, no pynput, no clock. Times arrive inside each ``KeyEvent``, so the gesture is
tested with tables of (key, pressed, time) rows.

One chord, two gestures; ``Gesture`` says which of them the user wants:

* **Hold** (push-to-talk): press → ``START``; release after ``TAP_MAX_S`` or more → ``STOP``.
* **Tap** (toggle): press → ``START``; release within ``TAP_MAX_S`` keeps recording; the next
  press of the chord → ``STOP`` (on the press, so finishing feels instant).
* ``Esc`` while recording → ``CANCEL``.

``Gesture.BOTH`` (the default) tells the two apart by the press's length. ``Gesture.HOLD``: every
release finishes, however short the press. ``Gesture.TAP``: every press toggles, releases are
ignored.

Key names are pynput's ``Key`` names (``space``, ``esc``, ``ctrl_l``, ``f9``) or a single
lowercase character; left and right modifiers count as the same modifier.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

DEFAULT_CHORD = "Ctrl+Alt+Space"
# A press shorter than this is a tap (toggle mode); longer is a hold (push-to-talk).
TAP_MAX_S = 0.3
CANCEL_KEY = "esc"


class Modifier(enum.Enum):
    """A modifier, whichever side of the keyboard it is on. Declared in display order."""

    CTRL = "Ctrl"
    ALT = "Alt"
    SHIFT = "Shift"
    SUPER = "Super"


_MODIFIER_ALIASES = {
    Modifier.CTRL: ("ctrl", "control", "ctrl_l", "ctrl_r", "lctrl", "rctrl"),
    Modifier.ALT: ("alt", "alt_l", "alt_r", "lalt", "ralt", "option"),
    Modifier.SHIFT: ("shift", "shift_l", "shift_r", "lshift", "rshift"),
    Modifier.SUPER: ("super", "super_l", "super_r", "cmd", "cmd_l", "cmd_r", "win", "meta"),
}
MODIFIER_BY_NAME = {name: mod for mod, names in _MODIFIER_ALIASES.items() for name in names}

# Named keys (pynput names) and how they are shown; the shown form parses back too.
_NAMED_KEYS = {
    "space": "Space", "enter": "Enter", "tab": "Tab", "esc": "Esc", "backspace": "Backspace",
    "delete": "Delete", "insert": "Insert", "home": "Home", "end": "End", "page_up": "PageUp",
    "page_down": "PageDown", "up": "Up", "down": "Down", "left": "Left", "right": "Right",
    "pause": "Pause", "print_screen": "PrintScreen", "menu": "Menu", "scroll_lock": "ScrollLock",
    **{f"f{n}": f"F{n}" for n in range(1, 25)},
}
_KEY_ALIASES = {
    "return": "enter", "escape": "esc", "del": "delete", "ins": "insert", "pgup": "page_up",
    "pgdn": "page_down", "prior": "page_up", "next": "page_down", "print": "print_screen",
    **{shown.lower(): name for name, shown in _NAMED_KEYS.items()},
}


class Gesture(enum.Enum):
    """Which gestures of the chord start and stop a dictation; ``value`` is what settings store."""

    HOLD = "hold"  # push-to-talk only: a release always finishes
    TAP = "tap"  # tap to start, tap again to stop: releases are ignored
    BOTH = "both"  # a short press toggles, a long one is push-to-talk


class ChordError(ValueError):
    """A chord string that cannot be parsed; ``str(error)`` says why, for the user."""


@dataclass(frozen=True)
class Chord:
    """Modifiers plus exactly one non-modifier key, e.g. Ctrl+Alt+Space."""

    modifiers: frozenset[Modifier]
    key: str

    def __str__(self) -> str:
        return format_chord(self)


@dataclass(frozen=True)
class KeyEvent:
    """One key going down or up, as the listener saw it. ``key`` as in ``canonical_key``."""

    key: str
    pressed: bool
    time: float  # seconds, monotonic clock


class Action(enum.Enum):
    """What a gesture asks the app to do."""

    START = "start"
    STOP = "stop"
    CANCEL = "cancel"


def canonical_key(token: str) -> Modifier | str | None:
    """Map a key name (``"<Ctrl_R>"``, ``"Return"``, ``"A"``) to a ``Modifier`` or key name.

    Returns ``None`` for names that are neither a known named key nor a single character.
    """
    name = token.strip().strip("<>").strip().lower()
    if name in MODIFIER_BY_NAME:
        return MODIFIER_BY_NAME[name]
    name = _KEY_ALIASES.get(name, name)
    if name in _NAMED_KEYS or len(name) == 1:
        return name
    return None


def parse_chord(text: str) -> Chord:
    """Parse ``"ctrl+alt+space"``, ``"<ctrl>+<alt>+space"``, ``"Ctrl+Alt+Space"`` and the like.

    Raises:
        ChordError: empty text, an unknown key, no key besides modifiers, or two keys.
    """
    tokens = [t for t in (part.strip() for part in text.split("+"))]
    if not text.strip() or any(not t for t in tokens):
        raise ChordError(f"{text!r} is not a key chord (expected something like {DEFAULT_CHORD})")
    modifiers: set[Modifier] = set()
    keys: list[str] = []
    for token in tokens:
        key = canonical_key(token)
        if key is None:
            raise ChordError(f"unknown key {token!r} in {text!r}")
        if isinstance(key, Modifier):
            modifiers.add(key)
        else:
            keys.append(key)
    if len(keys) != 1:
        raise ChordError(f"{text!r} needs exactly one key besides the modifiers, got {len(keys)}")
    return Chord(frozenset(modifiers), keys[0])


def format_chord(chord: Chord) -> str:
    """Show a chord the way people write it: ``Ctrl+Alt+Space``; ``parse_chord`` reads it back."""
    parts = [m.value for m in Modifier if m in chord.modifiers]
    parts.append(_NAMED_KEYS.get(chord.key, chord.key.upper()))
    return "+".join(parts)


class _Phase(enum.Enum):
    IDLE = enum.auto()  # not recording, chord up
    HOLD = enum.auto()  # recording, the press that started it still down
    TAPPED = enum.auto()  # recording in toggle mode, chord up
    SPENT = enum.auto()  # not recording, but the chord that stopped/cancelled is still down


class GestureTracker:
    """Turns ``KeyEvent``s into ``Action``s for one chord. Runs on the GUI thread only.

    Auto-repeat presses (a press of a key already down) are ignored. The chord counts as pressed
    when its key goes down while exactly its modifiers are held, and as released as soon as any
    of its keys goes up; other keys pressed meanwhile do not matter.

    Args:
        chord: The chord to watch; ``set_chord`` changes it.
        gesture: Which gestures count; ``set_gesture`` changes it.
        tap_max_s: A press shorter than this is a tap (only with ``Gesture.BOTH``).
    """

    def __init__(self, chord: Chord, gesture: Gesture = Gesture.BOTH,
                 tap_max_s: float = TAP_MAX_S) -> None:
        self.chord = chord
        self.gesture = gesture
        self._tap_max_s = tap_max_s
        self._held: set[str] = set()  # raw names, so Ctrl_L + Ctrl_R held and one let go works
        self._chord_down = False
        self._pressed_at = 0.0
        self._phase = _Phase.IDLE

    @property
    def recording(self) -> bool:
        """Whether the gesture believes a recording is running."""
        return self._phase in (_Phase.HOLD, _Phase.TAPPED)

    def sync(self, recording: bool) -> None:
        """Align with the app after it started or stopped without the hotkey (tray, CLI, error).

        Without this a tray "start" followed by a tap on the hotkey would send a second
        ``START`` instead of the ``STOP`` the user meant.
        """
        if recording and not self.recording:
            self._phase = _Phase.HOLD if self._chord_down else _Phase.TAPPED
            self._pressed_at = float("-inf")  # a release now ends it like a hold would
        elif not recording and self.recording:
            self._phase = _Phase.SPENT if self._chord_down else _Phase.IDLE

    def set_gesture(self, gesture: Gesture) -> None:
        """Use ``gesture`` from the next key event on; a running recording keeps going."""
        self.gesture = gesture

    def set_chord(self, chord: Chord) -> None:
        """Watch ``chord`` from now on. A recording keeps going, and the new chord's next press
        finishes it (the release of the old chord can no longer be told apart)."""
        if chord == self.chord:
            return
        self.chord = chord
        self._chord_down = False
        if self.recording:
            self._phase = _Phase.TAPPED
        elif self._phase is _Phase.SPENT:
            self._phase = _Phase.IDLE

    def feed(self, event: KeyEvent) -> Action | None:
        """Take one key event; return the action it triggers, if any."""
        if event.pressed:
            if event.key in self._held:
                return None  # auto-repeat
            self._held.add(event.key)
            return self._on_press(event)
        if event.key not in self._held:
            return None  # went down before we started listening
        self._held.discard(event.key)
        return self._on_release(event)

    def _held_modifiers(self) -> set[Modifier]:
        return {m for m in map(canonical_key, self._held) if isinstance(m, Modifier)}

    def _on_press(self, event: KeyEvent) -> Action | None:
        if canonical_key(event.key) == CANCEL_KEY and self.recording:
            self._phase = _Phase.SPENT if self._chord_down else _Phase.IDLE
            return Action.CANCEL
        held_keys = {canonical_key(k) for k in self._held}
        if self._chord_down or self.chord.key not in held_keys:
            return None
        if self._held_modifiers() != set(self.chord.modifiers):
            return None
        self._chord_down = True
        if self._phase is _Phase.IDLE:
            self._phase, self._pressed_at = _Phase.HOLD, event.time
            return Action.START
        if self._phase is _Phase.TAPPED:
            self._phase = _Phase.SPENT
            return Action.STOP
        return None

    def _on_release(self, event: KeyEvent) -> Action | None:
        key = canonical_key(event.key)
        if not self._chord_down:
            return None
        lets_go = key == self.chord.key or (
            # A modifier counts as up only when neither side of it is held any more.
            key in self.chord.modifiers and key not in self._held_modifiers()
        )
        if not lets_go:
            return None
        self._chord_down = False
        if self._phase is _Phase.SPENT:
            self._phase = _Phase.IDLE
        elif self._phase is _Phase.HOLD:
            short = event.time - self._pressed_at < self._tap_max_s
            if self.gesture is Gesture.TAP or (self.gesture is Gesture.BOTH and short):
                self._phase = _Phase.TAPPED
            else:
                self._phase = _Phase.IDLE
                return Action.STOP
        return None
