"""Insert a transcript into the window that had focus when the user finished dictating.

Modes:

* **paste** (default): snapshot the clipboard (every format), put the text on it, send Ctrl+V
  (Ctrl+Shift+V into terminals, recognised by ``WM_CLASS``), wait until the target's app has
  requested the text, then put the snapshot back.
* **type**: type the text key by key (``XDesktop.type_text``), for apps that refuse paste.
* **copy**: only put the text on the clipboard.

Never into a random window: the focused window is remembered at release (``remember_target``)
and checked again just before the keys are sent. If it changed or closed, the text stays on the
clipboard and the result says so. A window that gets the focus between that check and the keys
is refused the clipboard's data while the paste is armed (``desktop/selection.py``). If the
target does not take the paste within ``PASTE_TIMEOUT_S``, the text also stays on the
clipboard: restoring anyway could let a slow app paste the *previous* clipboard (perhaps a
password) instead.

"Paste again" from the history (``reinsert``) goes to the window remembered at the last release:
Murmur's own window has the focus when the user clicks, so the target is brought to the front
first (``XDesktop.activate``), then inserted into as above. If it is gone, the text goes on the
clipboard.

Threads: ``remember_target`` is quick and may run on the GUI thread; ``insert`` and ``reinsert``
block (up to ``PASTE_TIMEOUT_S`` plus the clipboard read, plus ``ACTIVATE_TIMEOUT_S``) and run on
a worker thread.
"""
from __future__ import annotations

import enum
import logging
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # passed in by the caller: importing them here would load Xlib with settings
    from desktop.clipboard import Clipboard
    from desktop.xwindow import WindowInfo, XDesktop

log = logging.getLogger(__name__)

PASTE_TIMEOUT_S = 2.0
# How long a window may take to get the focus after we asked (a WM may animate it up).
ACTIVATE_TIMEOUT_S = 1.0
ACTIVATE_POLL_S = 0.02
WINDOW_GONE = "The window you last dictated into is gone"
WINDOW_NOT_FOCUSED = "The window you last dictated into could not be brought to the front"
PASTE_KEYS = ("Control_L", "v")
TERMINAL_PASTE_KEYS = ("Control_L", "Shift_L", "v")


class InsertMode(enum.Enum):
    """How a transcript reaches the target; ``value`` is what settings store."""

    PASTE = "paste"
    TYPE = "type"
    COPY = "copy"


@dataclass(frozen=True)
class InjectOptions:
    mode: InsertMode = InsertMode.PASTE
    paste_timeout_s: float = PASTE_TIMEOUT_S


@dataclass(frozen=True)
class InjectResult:
    """What happened to one transcript.

    Attributes:
        inserted: The text reached the target window (as far as X can tell).
        on_clipboard: The text was left on the clipboard for the user to paste.
        message: One sentence for the user; empty when everything went as planned.
    """

    inserted: bool
    on_clipboard: bool
    message: str = ""


class Injector:
    """Puts transcripts into windows.

    Args:
        clipboard: The CLIPBOARD (snapshot / set / restore).
        desktop: Focus queries, synthetic keys and typing.
    """

    def __init__(self, clipboard: Clipboard, desktop: XDesktop) -> None:
        self._clipboard = clipboard
        self._desktop = desktop

    def remember_target(self) -> WindowInfo | None:
        """The window to insert into: call when the user finishes dictating (any thread)."""
        return self._desktop.focused_window()

    def insert(self, text: str, target: WindowInfo | None,
               options: InjectOptions = InjectOptions()) -> InjectResult:
        """Insert ``text`` into ``target`` according to ``options`` (worker thread)."""
        if options.mode is InsertMode.COPY:
            self._clipboard.set_text(text)
            return InjectResult(False, True)
        # Keys the user still holds from the hotkey would turn Ctrl+V into Ctrl+Alt+V.
        released = self._desktop.release_held_modifiers()
        if released:
            log.debug("released held modifiers before inserting: %s", released)
        refusal = self._check_focus(target)
        if refusal:
            return self._keep_on_clipboard(text, refusal)
        if options.mode is InsertMode.TYPE:
            self._desktop.type_text(text)
            return InjectResult(True, False)
        return self._paste(text, target, options.paste_timeout_s)

    def reinsert(self, text: str, target: WindowInfo | None,
                 options: InjectOptions = InjectOptions()) -> InjectResult:
        """Insert ``text`` into ``target`` again, bringing it to the front first (worker thread).

        Returns:
            As ``insert``; when ``target`` is gone or will not take the focus, the text is on
            the clipboard and the message says so.
        """
        if options.mode is InsertMode.COPY:
            return self.insert(text, target, options)
        if target is None or not self._desktop.activate(target):
            return self._keep_on_clipboard(text, WINDOW_GONE)
        deadline = time.monotonic() + ACTIVATE_TIMEOUT_S
        while not self._has_focus(target):
            if time.monotonic() > deadline:
                return self._keep_on_clipboard(text, WINDOW_NOT_FOCUSED)
            time.sleep(ACTIVATE_POLL_S)  # worker thread: the WM needs a moment
        return self.insert(text, target, options)

    def _has_focus(self, target: WindowInfo) -> bool:
        now = self._desktop.focused_window()
        return now is not None and now.id == target.id

    def _check_focus(self, target: WindowInfo | None) -> str:
        if target is None:
            return "No window had focus when you finished dictating"
        if target.pid == os.getpid():  # e.g. a second launch raised Murmur's window meanwhile
            return "Murmur's own window had the focus when you finished dictating"
        now = self._desktop.focused_window()
        if now is None or now.id != target.id:
            return "The window you dictated into lost focus or closed"
        return ""

    def _keep_on_clipboard(self, text: str, why: str) -> InjectResult:
        self._clipboard.set_text(text)
        return InjectResult(False, True, f"{why}; the text is on the clipboard instead.")

    def _paste(self, text: str, target: WindowInfo, timeout: float) -> InjectResult:
        saved = self._clipboard.save()
        offer = self._clipboard.set_text(text, watch_window=target.id)
        # Saving took a moment: make sure the user has not switched windows meanwhile.
        refusal = self._check_focus(target)
        if refusal:
            return InjectResult(False, True, f"{refusal}; the text is on the clipboard instead.")
        offer.arm()  # requests before this were prefetches, not our paste
        self._desktop.press_chord(TERMINAL_PASTE_KEYS if target.is_terminal else PASTE_KEYS)
        if not offer.wait_taken(timeout, lambda: self._has_focus(target)):
            if offer.barred and not self._has_focus(target):  # the keys reached another window
                return InjectResult(False, True, (
                    "The window you dictated into lost focus as the text was pasted; it went "
                    "nowhere else and is on the clipboard instead."))
            return InjectResult(False, True, (
                f"The window did not take the paste within {timeout:g} s; the text is on the "
                "clipboard (what you had copied before was replaced)."))
        # Said in the log: a window the user closes right after may never show the text.
        log.info("window %#x took the paste (%d characters)", target.id, len(text))
        self._clipboard.restore(saved)
        if saved.unanswered:
            return InjectResult(True, False, (
                "Pasted; what you had copied could not be put back: the app that held it did "
                "not answer."))
        if saved.unreadable:
            return InjectResult(True, False, (
                "Pasted; some of what you had copied could not be put back "
                f"({', '.join(saved.unreadable)})."))
        return InjectResult(True, False)
