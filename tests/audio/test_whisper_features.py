"""Whisper's log-mel features: against a plain loop, against faster-whisper, and incrementally."""
from __future__ import annotations

import numpy as np
import pytest

from audio.decode import decode_file
from audio.mel import mel_band_centers, mel_filterbank
from audio.whisper_features import (HOP, N_FFT, WhisperMel, log_mel, log_mel_spectrogram,
                                    normalize)

RATE = 16000


def reference_features(audio: np.ndarray, n_mels: int = 80) -> np.ndarray:
    """The recipe of openai/whisper's audio.py, one frame at a time, in float64."""
    x = np.pad(audio.astype(np.float64), N_FFT // 2, mode="reflect")
    window = np.hanning(N_FFT + 1)[:-1]  # periodic Hann
    filters = mel_filterbank(RATE, N_FFT, n_mels).astype(np.float64)
    n_frames = 1 + (len(x) - N_FFT) // HOP
    columns = []
    for i in range(n_frames - 1):  # Whisper drops the last STFT frame
        spectrum = np.fft.rfft(x[i * HOP:i * HOP + N_FFT] * window)
        columns.append(filters @ np.abs(spectrum) ** 2)
    log_spec = np.log10(np.maximum(np.array(columns).T, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return (log_spec + 4.0) / 4.0


@pytest.fixture(scope="module")
def speech(test_data) -> np.ndarray:
    return decode_file(test_data / "speech" / "jfk.wav").samples


def chirp(seconds: float, f0: float, f1: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.5 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 / (2 * seconds)))).astype(
        np.float32)


def test_matches_the_plain_recipe_on_speech(speech):
    ours = log_mel_spectrogram(speech)
    reference = reference_features(speech)
    assert ours.shape == reference.shape == (80, len(speech) // HOP)
    np.testing.assert_allclose(ours, reference, atol=2e-4)


def test_matches_faster_whisper(speech):
    feature_extractor = pytest.importorskip("faster_whisper.feature_extractor")
    theirs = feature_extractor.FeatureExtractor(feature_size=80)(speech, padding=0)
    np.testing.assert_allclose(log_mel_spectrogram(speech), theirs, atol=2e-4)


def test_128_bands_for_large_v3(speech):
    assert log_mel_spectrogram(speech[:RATE], n_mels=128).shape == (128, 100)


def test_padding_appends_silence_clamped_80_db_down():
    features = log_mel_spectrogram(chirp(1.0, 200, 2000), padding=RATE)
    assert features.shape == (80, 200)
    assert features[:, -50:].min() == pytest.approx(features.max() - 2.0)  # 8 log10 / 4


@pytest.mark.parametrize("block", [1, 160, 399, 1000, 16000])
def test_incremental_equals_whole_clip(speech, block):
    audio = speech[:int(2.3 * RATE) + 37]
    mel = WhisperMel()
    parts = [mel.push(audio[i:i + block]) for i in range(0, len(audio), block)]
    parts.append(mel.finish())
    np.testing.assert_allclose(np.concatenate(parts).T, log_mel(audio), atol=1e-5)


def test_energy_follows_a_chirp():
    audio = chirp(2.0, 300, 3000)
    features = log_mel_spectrogram(audio)
    centres = mel_band_centers(RATE, 80)
    for second in (0.25, 1.0, 1.75):
        hz = 300 + (3000 - 300) * second / 2.0  # instantaneous frequency
        band = int(np.argmax(features[:, int(second * 100)]))
        assert abs(band - int(np.argmin(abs(np.log(centres / hz))))) <= 1


def test_two_tones_make_two_rows():
    t = np.arange(RATE) / RATE
    audio = (0.3 * np.sin(2 * np.pi * 500 * t) + 0.3 * np.sin(2 * np.pi * 3000 * t)).astype(
        np.float32)
    profile = log_mel_spectrogram(audio)[:, 10:-10].mean(axis=1)
    peaks = [i for i in range(1, 79) if profile[i] > profile[i - 1] and profile[i] >= profile[i + 1]
             and profile[i] > profile.max() - 0.5]
    assert len(peaks) == 2


def test_normalize_keeps_80_db():
    x = np.array([[-10.0, 0.0, 1.0]], np.float32)
    np.testing.assert_allclose(normalize(x), [[(-7 + 4) / 4, 1.0, 1.25]])
