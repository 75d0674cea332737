"""The filterbank written into ggml files is Whisper's own, to the bit.

The digests below are of the filterbank this code produced when it was checked entry by entry
against Whisper's published ``mel_filters.npz`` table (80 and 128 bands, as reproduced in
echogarden's WhisperSTT); a change to ``audio/mel.py`` that moves any value by one rounding step
changes them. whisper.cpp computes its features with whatever table the model file carries, so
a different table would silently change every transcript.
"""
import hashlib

import numpy as np
import pytest

from engine.mel_filters import whisper_mel_filters

PINNED = {
    80: "4f2701b1d287d74a0dc9871026e9519d98cb76426615f2539b0d151a0ae4ec2e",
    128: "2a5f9822897750e047c85dea37cc268d3be0ecfd23c28a5f10da129d99d05afe",
}


@pytest.mark.parametrize("n_mels", sorted(PINNED))
def test_whisper_filterbank_is_pinned(n_mels):
    filters = whisper_mel_filters(n_mels)
    assert filters.shape == (n_mels, 201) and filters.dtype == np.float32
    assert hashlib.sha256(filters.tobytes()).hexdigest() == PINNED[n_mels]


def test_each_band_is_a_triangle_with_slaney_area():
    filters = whisper_mel_filters(80)
    freqs = np.fft.rfftfreq(400, 1 / 16_000)
    for band in filters:
        peak = int(np.argmax(band))
        assert np.all(np.diff(band[: peak + 1]) >= 0) and np.all(np.diff(band[peak:]) <= 0)
    # Slaney normalisation: bands get lower and wider as frequency rises.
    assert filters.max(axis=1)[-1] < filters.max(axis=1)[10]
    assert freqs[np.argmax(filters[-1])] > 7000


def test_the_first_weight_is_negative_zero_as_in_whisper_table():
    # librosa computes the rising edge as -(edge - f) / width, which is -0.0 at 0 Hz; the
    # digests above would catch it too, this says why a "harmless" rewrite broke them once.
    first = whisper_mel_filters(80)[0, 0]
    assert first == 0.0 and np.signbit(first)
