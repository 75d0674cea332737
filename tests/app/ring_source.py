"""A capture stand-in for ``app.recorder.RingRecorder``: a real ``RingBuffer`` the test writes.

``RingRecorder`` needs four things of ``audio.capture.Capture`` (``AudioSource``): its ``ring``,
``hold`` (the index a dictation starts from: now minus the pre-roll), ``release`` and
``wait_drained``. Tests that are about the recorder, the streamer or the engine rather than the
microphone write samples (or real speech) into the ring themselves, so what the recorder cut is
known exactly. The real capture over a fake PortAudio backend is tested in tests/audio/ and
tests/app/test_recorder.py.

Imported by plain name from tests/app/ (pytest puts the folder on ``sys.path``); from elsewhere
as ``tests.app.ring_source``.
"""
from __future__ import annotations

import numpy as np

from audio.ring_buffer import RingBuffer

PREROLL = 300  # samples a dictation keeps from before ``hold`` by default


def ramp(start: int, stop: int) -> np.ndarray:
    """What ``RingSource.write`` puts in the ring from sample ``start``: each sample's index."""
    return np.arange(start, stop, dtype=np.float32)


class RingSource:
    """The capture's contract over a ring the test writes into.

    Args:
        capacity: The ring's size in samples.
        preroll: How far before the ring's end ``hold`` starts a dictation (0: at the end).

    Attributes:
        written: Samples ``write`` has put into the ring so far.
        holds, releases: How often the recorder held and let go of the "microphone".
    """

    def __init__(self, capacity: int = 4000, preroll: int = PREROLL) -> None:
        self.ring = RingBuffer(capacity)
        self.preroll = preroll
        self.written = 0
        self.holds = self.releases = 0

    def write(self, n: int) -> None:
        """Append ``n`` samples whose values are their own indices, so any gap or repeat shows."""
        self.ring.write(np.arange(self.written, self.written + n, dtype=np.float32))
        self.written += n

    def hold(self, pressed_at: float | None = None) -> int:
        self.holds += 1
        self.pressed_at = pressed_at
        return max(self.ring.oldest_index, self.ring.end_index - self.preroll)

    def release(self) -> None:
        self.releases += 1

    def wait_drained(self, timeout: float = 2.0) -> bool:
        return True  # the test writes synchronously: nothing is ever in flight
