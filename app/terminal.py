"""Small helpers for the command line: one-line errors and a progress line on stderr."""
from __future__ import annotations

import sys
from typing import TextIO

PROGRAM = "murmur"


def error_line(message: str, stream: TextIO | None = None) -> None:
    """Print ``murmur: message`` on stderr: the one clear line a script or person reads."""
    print(f"{PROGRAM}: {message}", file=stream or sys.stderr)


class ProgressLine:
    """A self-overwriting progress line on a terminal; silent when stderr is not a terminal.

    Scripts that capture stderr get no carriage-return noise, only the final result.
    """

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self._last = ""

    def update(self, label: str, fraction: float | None, detail: str = "") -> None:
        if not self.live:
            return
        if fraction is None:
            text = f"{label} {detail}".rstrip()
        else:
            filled = int(max(0.0, min(1.0, fraction)) * 30)
            text = f"{label} [{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:5.1f}% {detail}".rstrip()
        if text != self._last:
            self.stream.write("\r" + text.ljust(len(self._last)))
            self.stream.flush()
            self._last = text

    def done(self) -> None:
        if self.live and self._last:
            self.stream.write("\n")
            self.stream.flush()
            self._last = ""

