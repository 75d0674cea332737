"""A ring-buffer reader that only ever wants the newest audio: the live views' tap.

The spectrogram and the level meter show *now*. A reader that fell behind (the window was
hidden, the GUI stalled, the timer was stopped) must not replay the past at 30 frames a second
to catch up; it skips ahead to the newest ``max_backlog`` samples and says that it did, so the
STFT can restart instead of joining two pieces of audio that were never adjacent.

Threads: one reader thread (the GUI timer's). ``RingBuffer.read`` needs no lock against the
capture worker that writes the ring (see ``audio/ring_buffer.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audio.ring_buffer import RingBuffer


@dataclass(frozen=True)
class TapRead:
    """What one ``RingTap.read`` got.

    Attributes:
        samples: The new samples, oldest first (a copy the caller owns; may be empty).
        skipped: True when samples between the previous read and these were left out (skipped
            ahead, or overwritten by the writer): whatever was built from earlier samples is not
            continuous with these.
    """

    samples: np.ndarray
    skipped: bool


class RingTap:
    """Keeps a cursor into a ``RingBuffer`` and hands out at most the newest samples.

    Args:
        ring: The ring to read (written by another thread).
        max_backlog: The most samples one read returns; older unread ones are skipped.
    """

    def __init__(self, ring: RingBuffer, max_backlog: int) -> None:
        if max_backlog <= 0:
            raise ValueError(f"max_backlog must be positive, got {max_backlog}")
        self.ring = ring
        self.max_backlog = max_backlog
        # Start "now": a view opened after minutes of capture shows the last moments only.
        self._cursor = max(0, ring.end_index - max_backlog)
        self._fresh = True  # the first read starts a new run by definition

    @property
    def cursor(self) -> int:
        """Index of the next sample this tap will return."""
        return self._cursor

    def read(self) -> TapRead:
        """Return the samples written since the last read, at most ``max_backlog`` of them."""
        end = self.ring.end_index
        skipped = self._fresh
        self._fresh = False
        if end - self._cursor > self.max_backlog:
            self._cursor = end - self.max_backlog
            skipped = True
        got = self.ring.read(self._cursor, end)
        self._cursor = got.end
        return TapRead(got.samples, skipped or got.lost > 0)

    def restart(self) -> None:
        """Forget the cursor: the next read returns the newest ``max_backlog`` samples."""
        self._cursor = max(0, self.ring.end_index - self.max_backlog)
        self._fresh = True
