"""Recording: a dictation longer than the ring survives if pulled in time; LiveSpectrogram."""
from __future__ import annotations

import numpy as np
import pytest

from audio.recording import Recording
from audio.ring_buffer import RingBuffer
from audio.spectrogram import FrequencyAxis, LiveSpectrogram, SpectrogramOptions


def ramp(start: int, n: int) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.float32)


@pytest.mark.parametrize("pull_every, want_lost", [(1, 0), (3, 0), (5, 420), (10, 1220)])
def test_recording_outlasts_the_ring_when_pulled_in_time(pull_every, want_lost):
    """Ring of 400: each pull 500 samples after the last loses 100 (the first, 120)."""
    ring = RingBuffer(400)
    ring.write(ramp(0, 50))                     # audio before the key press
    recording = Recording(ring, start=30)       # 20 samples of pre-roll
    for i in range(1, 21):                      # 20 blocks of 100: 5x the ring
        ring.write(ramp(i * 100 - 50, 100))
        if i % pull_every == 0:
            recording.pull()
    recording.pull()
    assert recording.lost == want_lost
    assert len(recording) + recording.lost == 2_050 - 30
    np.testing.assert_array_equal(recording.audio()[-100:], ramp(1_950, 100))
    if want_lost == 0:
        np.testing.assert_array_equal(recording.audio(), ramp(30, 2_020))


def test_pull_up_to_a_stop_index():
    ring = RingBuffer(100)
    ring.write(ramp(0, 60))
    recording = Recording(ring, start=10)
    assert len(recording.pull(stop=40).samples) == 30
    assert recording.end == 40 and len(recording.pull().samples) == 20


def test_live_spectrogram_starts_now_and_caps_backlog():
    ring = RingBuffer(16_000 * 10)
    ring.write(np.ones(16_000, np.float32))   # before the view existed: never shown
    live = LiveSpectrogram(ring, SpectrogramOptions(axis=FrequencyAxis.LINEAR),
                           max_backlog_seconds=1.0)
    assert live.poll().shape == (0, 201)
    t = np.arange(16_000 * 3) / 16_000
    ring.write((np.sin(2 * np.pi * 1000 * t)).astype(np.float32))  # 3 s while hidden
    columns = live.poll()
    assert len(columns) == (16_000 - 400) // 160 + 1   # only the newest second
    assert set(np.argmax(columns, axis=1)) == {25}
    ring.write(np.zeros(1_600, np.float32))
    assert len(live.poll()) == 10                          # then exactly the new hops
