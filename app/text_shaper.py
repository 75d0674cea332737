"""Shapes a transcript for the window it goes into: cleaned, spaced against what came before.

The controller asks ``shape`` once per dictation, with the window the user was in at release.
When that is the window of the previous successful insertion, and it was recent, the previous
text decides the joint (a leading space, the case of the first word; ``engine.postprocess``).
Anything else — another window, a long pause, a failed insertion — starts afresh with no
leading space, because there is no evidence of what the text will follow.

Threads: GUI thread only (the controller's).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from desktop.xwindow import WindowInfo
from engine.postprocess import PostProcessOptions, postprocess

#: After this long, a dictation into the same window is treated as a new start: people rarely
#: continue a sentence after minutes, and the cursor has likely moved.
CONTINUE_WITHIN_S = 120.0


@dataclass(frozen=True)
class _Inserted:
    window_id: int
    text: str
    at: float


class TextShaper:
    """Post-processing with memory of the last text inserted.

    Args:
        options: word replacements, fillers, trailing space.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, options: PostProcessOptions = PostProcessOptions(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._options = options
        self._clock = clock
        self._last: _Inserted | None = None

    def set_options(self, options: PostProcessOptions) -> None:
        self._options = options

    def shape(self, raw: str, target: WindowInfo | None) -> str:
        """The text to insert into ``target`` for Whisper's ``raw`` text ("" = nothing said)."""
        return postprocess(raw, self._previous_for(target), self._options)

    def inserted(self, text: str, target: WindowInfo | None) -> None:
        """``text`` went into ``target``: the next dictation there may continue it."""
        self._last = _Inserted(target.id, text, self._clock()) if target and text else None

    def forget(self) -> None:
        """The last insertion failed or was elsewhere: the next one starts afresh."""
        self._last = None

    def _previous_for(self, target: WindowInfo | None) -> str | None:
        last = self._last
        if last is None or target is None or target.id != last.window_id:
            return None
        if self._clock() - last.at > CONTINUE_WITHIN_S:
            return None
        return last.text
