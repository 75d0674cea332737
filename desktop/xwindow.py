"""The X desktop as injection sees it: which window has focus, and synthetic key presses.

Works with or without a window manager: ``_NET_ACTIVE_WINDOW`` when the WM publishes it, else
the X input focus, walked up to the top-level window that carries ``WM_CLASS``.

Keys go through the XTEST extension by keysym, so Ctrl+V is the key that produces ``v`` on the
user's layout. ``type_text`` types any Unicode text: characters the layout lacks get a spare
(unmapped) keycode each. pynput's ``Controller.type`` was tried first and garbled "中文" after
"ü": it parks a second character in the *group 2* column of the same keycode, which a target
without a group switch reads as the first one.

Threads: python-xlib connections must not be shared between threads. ``focused_window`` keeps
one connection per calling thread (the GUI thread at the release, the insertion worker before
the paste keys): opening one costs ~4 ms here, a query on an open one 0.05 ms, and a paste asks
three times. It reads no key mapping, so a kept connection cannot go stale. Every other method
opens its own short-lived connection, which reads the key mapping as it is now.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import Xlib.display
import Xlib.error
import Xlib.protocol.event
from Xlib import XK, X
from Xlib.ext import xtest

# Released before injecting, so a still-held Alt from Ctrl+Alt+Space cannot turn Ctrl+V into
# Ctrl+Alt+V or a typed "a" into Alt+A.
MODIFIER_KEYSYMS = ("Control_L", "Control_R", "Alt_L", "Alt_R", "Shift_L", "Shift_R",
                    "Super_L", "Super_R", "Meta_L", "Meta_R", "ISO_Level3_Shift")
# Targets fetch a changed key mapping lazily: after re-mapping spare keycodes, give them this
# long before pressing those keys (and before re-mapping keys they may still be reading).
REMAP_SETTLE_S = 0.05
# WM_CLASS names (lowercase) of terminals, which paste with Ctrl+Shift+V.
TERMINAL_CLASSES = frozenset({
    "xterm", "uxterm", "urxvt", "rxvt", "gnome-terminal", "gnome-terminal-server", "konsole",
    "xfce4-terminal", "mate-terminal", "lxterminal", "qterminal", "terminator", "tilix",
    "alacritty", "kitty", "wezterm", "wezterm-gui", "st", "st-256color", "foot", "sakura",
    "terminology", "guake", "tilda", "yakuake", "cool-retro-term", "org.wezfurlong.wezterm",
    "com.mitchellh.ghostty", "ghostty", "ptyxis", "org.gnome.ptyxis", "blackbox",
})


@dataclass(frozen=True)
class WindowInfo:
    """A top-level window: its X id, ``WM_CLASS`` (instance, class) and the process that says
    it owns it (``_NET_WM_PID``; None when the window does not say)."""

    id: int
    wm_class: tuple[str, ...] = ()
    pid: int | None = None

    @property
    def is_terminal(self) -> bool:
        return any(name.lower() in TERMINAL_CLASSES for name in self.wm_class)


class XDesktop:
    """Focus queries and synthetic keys on one X display (``None``: ``$DISPLAY``)."""

    def __init__(self, display: str | None = None) -> None:
        self._display_name = display
        self._kept = threading.local()  # .display: this thread's connection for focus queries

    @contextmanager
    def _connect(self) -> Iterator[Xlib.display.Display]:
        display = Xlib.display.Display(self._display_name)
        try:
            yield display
        finally:
            display.close()

    def focused_window(self) -> WindowInfo | None:
        """The top-level window that has keyboard focus, or ``None`` (nothing, or the root)."""
        try:
            return self._focused_window_on(self._kept_display())
        except Xlib.error.ConnectionClosedError:
            self._kept.display = None  # the kept connection broke: once more on a new one
            return self._focused_window_on(self._kept_display())

    def _kept_display(self) -> Xlib.display.Display:
        display = getattr(self._kept, "display", None)
        if display is None:
            display = self._kept.display = Xlib.display.Display(self._display_name)
        return display

    def _focused_window_on(self, d: Xlib.display.Display) -> WindowInfo | None:
        try:
            return self._top_level_with_focus(d)
        finally:
            # Nothing selects events on this connection, but every client is sent
            # MappingNotify (``type_text`` re-maps keys): drop what replies read, so nothing
            # piles up.
            while d.pending_events():
                d.next_event()

    def _top_level_with_focus(self, d: Xlib.display.Display) -> WindowInfo | None:
        root = d.screen().root
        window = self._net_active_window(d, root) or d.get_input_focus().focus
        if not hasattr(window, "query_tree"):
            return None  # X.NONE or X.PointerRoot: no window has focus
        try:
            while window != root:
                wm_class = window.get_wm_class()
                if wm_class:
                    return WindowInfo(window.id, tuple(wm_class), self._pid(d, window))
                parent = window.query_tree().parent
                if not parent or parent == root:  # a top-level without WM_CLASS
                    return WindowInfo(window.id, (), self._pid(d, window))
                window = parent
        except Xlib.error.XError:
            return None  # it closed while we looked
        return None

    @staticmethod
    def _pid(d: Xlib.display.Display, window) -> int | None:
        prop = window.get_full_property(d.intern_atom("_NET_WM_PID"), X.AnyPropertyType)
        return int(prop.value[0]) if prop is not None and len(prop.value) else None

    @staticmethod
    def _net_active_window(d: Xlib.display.Display, root):
        prop = root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        if prop is None or not prop.value or not prop.value[0]:
            return None
        return d.create_resource_object("window", int(prop.value[0]))

    def activate(self, window: WindowInfo) -> bool:
        """Ask for ``window`` to get the keyboard focus; False if it no longer exists.

        With a window manager that publishes ``_NET_ACTIVE_WINDOW`` this is a request to the WM
        (which may also restore a minimised window); without one, the input focus is set
        directly. Either way focus may arrive a moment later: poll ``focused_window``.
        """
        with self._connect() as d:
            root = d.screen().root
            target = d.create_resource_object("window", window.id)
            try:
                viewable = target.get_attributes().map_state == X.IsViewable
            except Xlib.error.XError:
                return False  # BadWindow: it closed
            active = d.intern_atom("_NET_ACTIVE_WINDOW")
            if root.get_full_property(active, X.AnyPropertyType) is not None:
                # Source 2 = "a pager": WMs honour it even without a fresh user timestamp.
                message = Xlib.protocol.event.ClientMessage(
                    window=target, client_type=active, data=(32, [2, X.CurrentTime, 0, 0, 0]))
                root.send_event(message, event_mask=X.SubstructureRedirectMask
                                | X.SubstructureNotifyMask)
            elif viewable:
                caught = Xlib.error.CatchError()
                target.configure(stack_mode=X.Above, onerror=caught)
                target.set_input_focus(X.RevertToParent, X.CurrentTime, onerror=caught)
                d.sync()
                if caught.get_error():
                    return False
            else:
                return False  # unmapped and no WM to map it again
            d.sync()
            return True

    def release_held_modifiers(self) -> tuple[str, ...]:
        """Send a release for every modifier key that is down; returns the keysym names."""
        with self._connect() as d:
            down = d.query_keymap()  # 32 bytes, one bit per keycode
            released = []
            for name in MODIFIER_KEYSYMS:
                code = d.keysym_to_keycode(XK.string_to_keysym(name))
                if code and down[code // 8] & (1 << (code % 8)):
                    xtest.fake_input(d, X.KeyRelease, code)
                    released.append(name)
            d.sync()
            return tuple(released)

    def press_chord(self, keysyms: Sequence[str]) -> None:
        """Press ``keysyms`` in order and release them in reverse, e.g. ``("Control_L", "v")``.

        Raises:
            ValueError: a keysym that no key of the current layout produces.
        """
        with self._connect() as d:
            codes = []
            for name in keysyms:
                code = d.keysym_to_keycode(XK.string_to_keysym(name))
                if not code:
                    raise ValueError(f"no key produces {name!r} on this keyboard layout")
                codes.append(code)
            for code in codes:
                xtest.fake_input(d, X.KeyPress, code)
            for code in reversed(codes):
                xtest.fake_input(d, X.KeyRelease, code)
            d.sync()

    def type_text(self, text: str) -> None:
        """Type ``text`` into the focused window, whatever its script (worker thread).

        Characters the layout lacks are put on spare keycodes in batches, each batch mapped
        *before* any of its keys is pressed, then ``REMAP_SETTLE_S`` to let targets take in the
        new mapping (they fetch it lazily; a key pressed too soon types nothing).

        Raises:
            ValueError: a character the layout lacks and no spare keycode to put it on.
        """
        with self._connect() as d:
            first = d.display.info.min_keycode
            mapping = d.get_keyboard_mapping(first, d.display.info.max_keycode - first + 1)
            width = len(mapping[0])
            where: dict[int, tuple[int, bool]] = {}  # keysym -> (keycode, needs Shift)
            for i, row in enumerate(mapping):
                for column in (1, 0):  # unshifted wins: written last
                    if row[column]:
                        where[row[column]] = (first + i, column == 1)
            spares = [first + i for i, row in enumerate(mapping) if not any(row)]
            shift = d.keysym_to_keycode(XK.string_to_keysym("Shift_L"))
            borrowed: dict[int, int] = {}  # spare keycode -> keysym it carries now
            typed_since_remap = False
            for n, char in enumerate(text):
                keysym = _keysym(char)
                if keysym not in where:
                    if not spares:
                        raise ValueError(f"cannot type {char!r}: no spare key; use paste instead")
                    if typed_since_remap:  # keys already sent may still be read with the old map
                        d.sync()
                        time.sleep(REMAP_SETTLE_S)
                    for code, sym in zip(spares, _missing(text[n:], where, len(spares))):
                        where.pop(borrowed.get(code, 0), None)
                        d.change_keyboard_mapping(code, [(sym, sym) + (X.NoSymbol,) * (width - 2)])
                        borrowed[code], where[sym] = sym, (code, False)
                    d.sync()
                    time.sleep(REMAP_SETTLE_S)  # pacing for the target, see the docstring
                    typed_since_remap = False
                code, needs_shift = where[keysym]
                if needs_shift:
                    xtest.fake_input(d, X.KeyPress, shift)
                xtest.fake_input(d, X.KeyPress, code)
                xtest.fake_input(d, X.KeyRelease, code)
                if needs_shift:
                    xtest.fake_input(d, X.KeyRelease, shift)
                typed_since_remap = True
            # Borrowed keycodes keep their new symbols: undoing it now would race the target's
            # lazy fetch of the mapping; they are keys nobody has, so it does no harm.
            d.sync()


def _missing(text: str, where: dict[int, tuple[int, bool]], limit: int) -> list[int]:
    """The first ``limit`` distinct keysyms of ``text`` that no key produces yet."""
    missing = dict.fromkeys(k for k in map(_keysym, text) if k not in where)
    return list(missing)[:limit]


def _keysym(char: str) -> int:
    """The X keysym that types ``char`` (Latin-1 keysyms equal the code point)."""
    if char == "\n":
        return XK.XK_Return
    if char == "\t":
        return XK.XK_Tab
    code = ord(char)
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    return 0x01000000 | code  # X's Unicode keysyms
