"""Ring buffer: wrap-around, monotonic indices, readers that fall behind, a racing writer."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from audio.ring_buffer import RingBuffer


def ramp(start: int, n: int) -> np.ndarray:
    """Samples whose value is their own index, so any misplaced sample is visible."""
    return np.arange(start, start + n, dtype=np.float32)


@pytest.mark.parametrize(
    "capacity, blocks, read_from, want_start, want_lost",
    [
        (10, [4, 4], 0, 0, 0),          # no wrap
        (10, [7, 7], 4, 4, 0),          # wrapped, reader still in time
        (10, [7, 7], 0, 4, 4),          # wrapped, reader 4 samples behind
        (10, [25], 0, 15, 15),          # one block larger than the ring
        (10, [3, 3, 3, 3, 3], 14, 14, 0),  # many wraps, tail only
        (10, [5], 5, 5, 0),             # nothing new
    ],
)
def test_read_returns_exact_samples_and_reports_loss(capacity, blocks, read_from, want_start,
                                                     want_lost):
    ring = RingBuffer(capacity)
    written = 0
    for n in blocks:
        ring.write(ramp(written, n))
        written += n
    got = ring.read(read_from)
    assert got.start == want_start
    assert got.lost == want_lost
    assert got.end == written
    np.testing.assert_array_equal(got.samples, ramp(want_start, written - want_start))


def test_read_with_stop_and_future_cursor():
    ring = RingBuffer(8)
    ring.write(ramp(0, 6))
    np.testing.assert_array_equal(ring.read(2, 4).samples, [2, 3])
    ahead = ring.read(10)
    assert (ahead.start, len(ahead.samples), ahead.lost) == (10, 0, 0)
    assert ring.end_index == 6 and ring.oldest_index == 0


def test_everything_asked_for_is_gone():
    ring = RingBuffer(4)
    ring.write(ramp(0, 20))
    got = ring.read(0, 10)
    assert got.lost == 10 and len(got.samples) == 0 and got.start == 10


def test_reader_cursor_loop_sees_every_sample_once():
    ring = RingBuffer(16)
    cursor, seen = 0, []
    for i in range(50):
        ring.write(ramp(i * 5, 5))
        got = ring.read(cursor)
        assert got.lost == 0
        seen.append(got.samples)
        cursor = got.end
    np.testing.assert_array_equal(np.concatenate(seen), ramp(0, 250))


def test_concurrent_writer_never_hands_out_torn_samples():
    """A writer racing a slow reader: every sample returned must equal its index."""
    ring = RingBuffer(4096)
    total = 256 * 8000
    done = threading.Event()

    def writer():
        block = 256
        for start in range(0, total, block):
            ring.write(ramp(start, block))
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    cursor, lost, checked = 0, 0, 0
    while not done.is_set() or cursor < ring.end_index:
        got = ring.read(cursor)
        np.testing.assert_array_equal(got.samples, ramp(got.start, len(got.samples)))
        lost += got.lost
        checked += len(got.samples)
        cursor = got.end
    thread.join()
    assert checked + lost == total


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        RingBuffer(0)
