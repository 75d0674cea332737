"""Streaming resampler: 44.1 and 48 kHz to 16 kHz, chunked the way capture feeds it."""
from __future__ import annotations

import numpy as np
import pytest

from audio.resample import TARGET_RATE, StreamResampler


def tone(rate: int, freq: float, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def resample_in_chunks(resampler: StreamResampler, x: np.ndarray, chunk: int) -> np.ndarray:
    parts = [resampler.process(x[i:i + chunk]) for i in range(0, len(x), chunk)]
    parts.append(resampler.process(np.zeros(0, np.float32), last=True))
    return np.concatenate(parts)


@pytest.mark.parametrize("in_rate", [44_100, 48_000, 22_050, 8_000])
@pytest.mark.parametrize("chunk", [417, 1024])
def test_rate_length_and_frequency(in_rate, chunk):
    freq = 1_000.0
    x = tone(in_rate, freq, 2.0)
    y = resample_in_chunks(StreamResampler(in_rate), x, chunk)
    assert abs(len(y) - 2.0 * TARGET_RATE) <= 2
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    peak_hz = np.argmax(spectrum) * TARGET_RATE / len(y)
    assert abs(peak_hz - freq) < 2.0
    # Amplitude survives (away from the filter's start-up and tail).
    mid = y[len(y) // 4: 3 * len(y) // 4]
    assert np.max(np.abs(mid)) == pytest.approx(0.5, abs=0.01)


def test_chunked_equals_one_shot():
    x = tone(48_000, 440.0, 1.0)
    one = resample_in_chunks(StreamResampler(48_000), x, len(x))
    many = resample_in_chunks(StreamResampler(48_000), x, 333)
    np.testing.assert_allclose(one, many, atol=1e-5)


def test_out_of_band_content_is_removed():
    """A 12 kHz tone cannot exist at 16 kHz: it must be filtered, not aliased to 4 kHz."""
    y = resample_in_chunks(StreamResampler(48_000), tone(48_000, 12_000.0, 1.0), 1000)
    assert np.sqrt(np.mean(y[2000:-2000] ** 2)) < 1e-3


def test_same_rate_is_passthrough():
    resampler = StreamResampler(TARGET_RATE)
    x = tone(TARGET_RATE, 300.0, 0.1)
    assert resampler.passthrough
    np.testing.assert_array_equal(resampler.process(x), x)
