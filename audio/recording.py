"""A dictation's audio, copied out of the capture ring as it grows.

The ring holds ``buffer_seconds`` (default 5 minutes). A longer dictation loses nothing as long
as someone pulls at least that often: ``Recording.pull`` copies what arrived since the last
pull into the recording's own chunks. The controller pulls on its timer (or the segmenter on
each VAD step) and once more after ``Capture.wait_drained`` when the hotkey is released.

Threads: one ``Recording`` belongs to one reader thread.
"""
from __future__ import annotations

import numpy as np

from audio.ring_buffer import RingBuffer, RingRead


class Recording:
    """Samples of ``ring`` from ``start`` on, accumulated by ``pull``.

    Args:
        ring: The capture's 16 kHz ring.
        start: Ring index of the first sample (``Capture.hold()``'s answer, pre-roll included).
    """

    def __init__(self, ring: RingBuffer, start: int) -> None:
        self._ring = ring
        self.start = start
        self._cursor = start
        self._chunks: list[np.ndarray] = []
        self._length = 0
        self.lost = 0  #: samples overwritten before a pull came (0 unless pulls stopped)

    @property
    def end(self) -> int:
        """Ring index one past the last sample pulled."""
        return self._cursor

    def __len__(self) -> int:
        return self._length

    def pull(self, stop: int | None = None) -> RingRead:
        """Copy new samples up to ``stop`` (default: now); returns just the new part."""
        got = self._ring.read(self._cursor, stop)
        self.lost += got.lost
        if len(got.samples):
            self._chunks.append(got.samples)
            self._length += len(got.samples)
        self._cursor = got.end
        return got

    def audio(self) -> np.ndarray:
        """Everything pulled so far as one float32 array (lost samples are simply absent)."""
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        return self._chunks[0] if self._chunks else np.zeros(0, dtype=np.float32)
