"""Ring buffer: wrap-around, monotonic indices, readers that fall behind, a racing writer."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from audio.ring_buffer import RingBuffer


def ramp(start: int, n: int) -> np.ndarray:
    """Samples whose value is their own index, so any misplaced sample is visible."""
    return np.arange(start, start + n, dtype=np.float32)


def write_array(ring: RingBuffer, block: np.ndarray) -> None:
    ring.write(block)


def write_raw(ring: RingBuffer, block: np.ndarray) -> None:
    """As the audio callback writes: the samples' bytes in a buffer that is not an array."""
    ring.write_bytes(bytearray(block.tobytes()))


WRITERS = pytest.mark.parametrize("write", [write_array, write_raw], ids=["write", "write_bytes"])


@WRITERS
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
def test_read_returns_exact_samples_and_reports_loss(write, capacity, blocks, read_from,
                                                     want_start, want_lost):
    ring = RingBuffer(capacity)
    written = 0
    for n in blocks:
        write(ring, ramp(written, n))
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


@WRITERS
def test_concurrent_writer_never_hands_out_torn_samples(write):
    """A writer racing a slow reader: every sample returned must equal its index."""
    ring = RingBuffer(4096)
    total = 256 * 8000
    done = threading.Event()

    def writer():
        block = 256
        for start in range(0, total, block):
            write(ring, ramp(start, block))
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


def test_write_converts_other_dtypes_and_column_blocks():
    ring = RingBuffer(8)
    ring.write(np.array([0.5, -0.25], dtype=np.float64))
    ring.write(np.array([[1.0], [2.0]], dtype=np.float32))  # one channel of a 2-D block
    np.testing.assert_array_equal(ring.read(0).samples, [0.5, -0.25, 1.0, 2.0])


def test_write_bytes_refuses_a_partial_sample_and_keeps_what_it_had():
    ring = RingBuffer(8)
    ring.write_bytes(ramp(0, 3).tobytes())
    with pytest.raises(ValueError, match="float32"):
        ring.write_bytes(b"\x00" * 6)
    assert ring.end_index == 3
    np.testing.assert_array_equal(ring.read(0).samples, ramp(0, 3))
