"""The global hotkey: a pynput keyboard listener that reports the keys of one chord.

pynput's listener thread does nothing but turn its key object into a ``KeyEvent`` and call the
``on_key`` callback (in the app: emit a signal on a bridge QObject, which Qt queues to the GUI
thread). The gesture logic (``desktop.chord.GestureTracker``) runs on the GUI thread.

Only the keys the gesture needs leave the listener thread: the chord's key, modifiers, and Esc.
Everything else the user types is dropped right there.

A new chord applies at once (``set_chord``) without restarting pynput: the listener already sees
every key and only filters, so swapping the chord it filters for is enough. Stopping and starting
the listener instead would leave a gap of up to a second without a hotkey, and a RECORD context
to tear down.

Where there is no X display (a bare console, CI without Xvfb) or no RECORD extension, ``start``
returns a ``HotkeyStatus`` saying so instead of raising: the window, tray and ``main.py toggle``
still work. pynput is imported only inside ``start`` because importing its X backend without a
display raises.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from desktop.chord import CANCEL_KEY, Chord, KeyEvent, Modifier, canonical_key

log = logging.getLogger(__name__)

# pynput gives no timeout on "ready"; a listener that is not ready by then never will be.
READY_TIMEOUT_S = 5.0
STOP_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class HotkeyStatus:
    """Outcome of ``HotkeyListener.start``: ``message`` is a sentence for the user."""

    ok: bool
    message: str = ""


def key_name(key: object) -> str | None:
    """pynput ``Key``/``KeyCode`` → the name ``desktop.chord`` uses (``"ctrl"``, ``"space"``, ``"a"``)."""
    name = getattr(key, "name", None)  # pynput.keyboard.Key members
    if isinstance(name, str):
        return name
    char = getattr(key, "char", None)  # pynput.keyboard.KeyCode
    if isinstance(char, str) and len(char) == 1:
        return char.lower()
    return None


def x_display_problem() -> str | None:
    """Why pynput cannot listen on this session's X display, or ``None`` if it can."""
    if not os.environ.get("DISPLAY"):
        return "No X display (DISPLAY is not set): the global hotkey is off."
    try:
        import Xlib.display  # python-xlib, pynput's X backend
        import Xlib.error

        display = Xlib.display.Display()
    except Exception as error:  # noqa: BLE001 - any failure means "no usable display"
        return f"Cannot open the X display {os.environ['DISPLAY']} ({error}): the global hotkey is off."
    try:
        if not display.has_extension("RECORD"):
            return "The X server lacks the RECORD extension: the global hotkey is off."
    finally:
        display.close()
    return None


class HotkeyListener:
    """Listens for one chord (and Esc) on the whole X desktop.

    ``start``/``stop`` run on the GUI thread; ``on_key`` is called on pynput's listener thread,
    so it must only hand the event over (emit a queued signal, put it in a queue).
    """

    def __init__(self, chord: Chord, on_key: Callable[[KeyEvent], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._chord = chord  # frozen, so reading it from the listener thread is safe
        self._on_key = on_key
        self._clock = clock
        self._listener = None

    @property
    def chord(self) -> Chord:
        return self._chord

    def set_chord(self, chord: Chord) -> None:
        """Report ``chord``'s keys from the next key event on (GUI thread; no restart).

        Thread-safe: the listener thread reads ``_chord`` once per event, and replacing a
        reference to a frozen ``Chord`` is atomic, so it sees the old chord or the new one.
        """
        self._chord = chord

    @property
    def running(self) -> bool:
        return self._listener is not None and self._listener.is_alive()

    def start(self) -> HotkeyStatus:
        """Start listening (GUI thread). Never raises for a missing or unusable display."""
        problem = x_display_problem()
        if problem:
            return HotkeyStatus(False, problem)
        try:
            from pynput import keyboard
        except Exception as error:  # noqa: BLE001 - pynput's backend import fails in many ways
            return HotkeyStatus(False, f"pynput cannot use this desktop ({error}): the global hotkey is off.")
        listener = keyboard.Listener(on_press=self._pressed, on_release=self._released)
        listener.start()
        waiter = threading.Thread(target=listener.wait, daemon=True, name="hotkey-ready")
        waiter.start()
        waiter.join(READY_TIMEOUT_S)
        if waiter.is_alive() or not listener.is_alive():
            listener.stop()
            return HotkeyStatus(False, "The keyboard listener did not start: the global hotkey is off.")
        self._listener = listener
        if os.environ.get("WAYLAND_DISPLAY"):
            return HotkeyStatus(True, "On Wayland the hotkey only sees keys typed into X11 apps; "
                                      "bind `murmur toggle` to a key in your compositor instead.")
        return HotkeyStatus(True)

    def stop(self) -> None:
        """Stop listening and wait for pynput's thread to finish (GUI thread)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
            # pynput queues its "disable recording" request on a connection that a blocked
            # read owns, so it only goes out when the next key event arrives. A RECORD context
            # can be disabled from any connection: send it from a fresh one to stop now.
            _disable_record_context(getattr(listener, "_context", None))
            listener.join(STOP_TIMEOUT_S)
            if listener.is_alive():
                log.warning("the keyboard listener did not stop within %s s", STOP_TIMEOUT_S)

    def _relevant(self, name: str) -> bool:
        key = canonical_key(name)
        chord = self._chord  # one read: set_chord may swap it meanwhile
        return isinstance(key, Modifier) or key == chord.key or key == CANCEL_KEY

    # Listener thread from here on: no state is touched, the event is only handed over.
    def _pressed(self, key: object) -> None:
        self._hand_over(key, True)

    def _released(self, key: object) -> None:
        self._hand_over(key, False)

    def _hand_over(self, key: object, pressed: bool) -> None:
        name = key_name(key)
        if name is None or not self._relevant(name):
            return
        try:
            self._on_key(KeyEvent(name, pressed, self._clock()))
        except Exception:  # noqa: BLE001 - an exception here would silently stop pynput
            log.exception("hotkey callback failed")


def _disable_record_context(context: int | None) -> None:
    if context is None:
        return
    try:
        import Xlib.display

        display = Xlib.display.Display()
        try:
            display.record_disable_context(context)
            display.flush()
        finally:
            display.close()
    except Exception:  # noqa: BLE001 - the display is gone: the listener has ended anyway
        log.debug("could not disable the RECORD context", exc_info=True)
