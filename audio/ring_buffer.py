"""A preallocated float32 ring buffer with one writer and any number of readers.

Every sample carries a monotonic index (0 for the first sample ever written), so a reader keeps
its own cursor and asks for "everything from index i up to now". When a reader fell so far
behind that the writer overwrote part of what it asked for, the answer says how many samples it
lost instead of silently handing back overwritten data.

Threads:
    * ``write`` and ``write_bytes`` run on exactly one thread (the PortAudio callback, or the
      capture worker for the 16 kHz ring). It copies into preallocated memory and updates two integers: no
      allocation of sample memory, no lock, no logging.
    * ``read``, ``end_index`` and ``oldest_index`` run on any reader thread (GUI timer,
      segmenter, recorder). Readers never block the writer.

Why no lock is needed: the writer first *claims* the region it is about to overwrite
(``_claimed_end``), then copies, then *publishes* it (``_end``). Each is a single Python
attribute store of an int, which is atomic under the GIL, and GIL hand-overs order memory
between threads. A reader snapshots ``_end``, copies, then re-reads ``_claimed_end``: anything
older than ``_claimed_end - capacity`` may have been overwritten during its copy, so it is
dropped from the answer and counted as lost. This is the seqlock idea with a single writer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_BYTES = 4  # float32


@dataclass(frozen=True)
class RingRead:
    """What a reader got.

    Attributes:
        start: Index of ``samples[0]``. Larger than the index asked for when samples were lost.
        samples: A fresh float32 copy the reader owns.
        lost: How many asked-for samples were overwritten before the reader came (0 normally).
    """

    start: int
    samples: np.ndarray
    lost: int

    @property
    def end(self) -> int:
        """Index one past the last sample returned: the cursor for the next read."""
        return self.start + len(self.samples)


class RingBuffer:
    """Fixed-capacity float32 sample history addressed by monotonic sample index.

    Args:
        capacity: Number of samples kept. Older samples are overwritten.
    """

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, got {capacity}")
        # Write every page now: np.zeros maps pages lazily, which would page-fault (and grow
        # memory) in the writer later. After this, memory use is flat for the app's lifetime.
        self._data = np.empty(capacity, dtype=np.float32)
        self._data.fill(0.0)
        self._bytes = memoryview(self._data).cast("B")  # what ``write_bytes`` copies into
        self._capacity = capacity
        # Both are written only by the single writer, read by anyone: plain int stores are
        # atomic under the GIL. Invariant: _end <= _claimed_end <= _end + largest block.
        self._end = 0
        self._claimed_end = 0

    @property
    def capacity(self) -> int:
        """Number of samples the buffer keeps (any thread)."""
        return self._capacity

    @property
    def end_index(self) -> int:
        """Index one past the newest complete sample (any thread)."""
        return self._end

    @property
    def oldest_index(self) -> int:
        """Index of the oldest sample still held (any thread)."""
        return max(0, self._end - self._capacity)

    def write(self, block: np.ndarray) -> None:
        """Append samples, overwriting the oldest. Writer thread only.

        Args:
            block: 1-D float32-compatible samples. A block longer than the capacity keeps only
                its newest ``capacity`` samples (the skipped ones still advance the index).
        """
        samples = np.ascontiguousarray(block, dtype=np.float32).reshape(-1)
        self.write_bytes(memoryview(samples).cast("B"))

    def write_bytes(self, data) -> None:
        """Append samples given as raw native float32 bytes. Writer thread only.

        The audio callback hands in PortAudio's own buffer this way: a memoryview copy has a
        fraction of the per-call cost of wrapping the block in a NumPy array, and the callback
        runs 21 times a second for as long as the app is open (docs/PERFORMANCE.md, session 16).

        Args:
            data: Any bytes-like object holding whole float32 samples.
        """
        src = memoryview(data)
        if src.ndim != 1 or src.format != "B":
            src = src.cast("B")
        size = src.nbytes
        if size % SAMPLE_BYTES:
            raise ValueError(f"{size} bytes is not a whole number of float32 samples")
        n = size // SAMPLE_BYTES
        if n == 0:
            return
        cap = self._capacity
        end = self._end
        if n > cap:
            # The skipped head would be overwritten anyway; advance past it.
            end += n - cap
            src = src[(n - cap) * SAMPLE_BYTES:]
            n = cap
        self._claimed_end = end + n  # claim before touching memory readers may be copying
        pos = end % cap
        first = min(n, cap - pos)
        view = self._bytes
        view[pos * SAMPLE_BYTES:(pos + first) * SAMPLE_BYTES] = src[:first * SAMPLE_BYTES]
        if first < n:
            view[:(n - first) * SAMPLE_BYTES] = src[first * SAMPLE_BYTES:]
        self._end = end + n  # publish only after the copy is complete

    def read(self, start: int, stop: int | None = None) -> RingRead:
        """Copy samples ``[start, stop)`` (``stop`` defaults to now). Any reader thread.

        Args:
            start: Index of the first sample wanted (a reader's cursor).
            stop: Index one past the last sample wanted; clamped to ``end_index``.

        Returns:
            The samples still available, and how many of the asked-for ones were lost.
        """
        end = self._end
        stop = end if stop is None else min(stop, end)
        begin = max(start, end - self._capacity, 0)
        if stop <= begin:
            # Nothing new, or everything asked for is already gone.
            lost = max(0, min(begin, stop) - start)
            return RingRead(start=start + lost, samples=np.zeros(0, np.float32), lost=lost)
        out = self._copy(begin, stop)
        # The writer may have lapped us while we copied: drop what may now be torn.
        safe_from = self._claimed_end - self._capacity
        if safe_from > begin:
            cut = min(safe_from, stop) - begin
            out = out[cut:]
            begin += cut
        return RingRead(start=begin, samples=out, lost=begin - start if begin > start else 0)

    def _copy(self, begin: int, stop: int) -> np.ndarray:
        cap = self._capacity
        n = stop - begin
        pos = begin % cap
        first = min(n, cap - pos)
        out = np.empty(n, dtype=np.float32)
        out[:first] = self._data[pos:pos + first]
        if first < n:
            out[first:] = self._data[:n - first]
        return out
