"""LiveSpectrogram: starts at now and never replays more than its backlog."""
from __future__ import annotations

import numpy as np

from audio.ring_buffer import RingBuffer
from audio.spectrogram import FrequencyAxis, LiveSpectrogram, SpectrogramOptions


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
