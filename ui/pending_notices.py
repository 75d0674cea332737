"""Notices said before the window exists, shown once it does.

The app is ready (model loaded, hotkey armed, event loop running) before its window is built:
the window, pyqtgraph and the dialogs are built just after the event loop starts
(``main.py``). A notice in between (a settings warning, no hotkey, a failed first dictation)
must still reach the user, so the composition root connects every notice source here, and
``attach`` hands the held ones to the window in order.

Threads: GUI thread (notice signals are queued to it).
"""
from __future__ import annotations

from collections.abc import Callable


class PendingNotices:
    """Holds notices until a ``show`` function is attached, then passes them straight on."""

    def __init__(self) -> None:
        self._held: list[str] = []
        self._show: Callable[[str], None] | None = None

    def show(self, text: str) -> None:
        """Show ``text`` now, or as soon as the window exists."""
        if not text:
            return
        if self._show is None:
            self._held.append(text)
        else:
            self._show(text)

    def attach(self, show: Callable[[str], None]) -> None:
        """From now on notices go to ``show``; the held ones first, oldest first."""
        self._show = show
        held, self._held = self._held, []
        for text in held:
            show(text)

    @property
    def held(self) -> tuple[str, ...]:
        """What waits for the window (``status --json`` reports it as the window's text)."""
        return tuple(self._held)
