"""The Slaney-style mel filterbank that Whisper was trained with, computed with numpy alone.

OpenAI generated Whisper's ``mel_filters.npz`` with ``librosa.filters.mel(sr=16000, n_fft=400,
n_mels=80 or 128)``: Slaney's mel scale (linear below 1 kHz, logarithmic above) and Slaney's
area normalisation (each triangle scaled by ``2 / bandwidth``). whisper.cpp reads the filterbank
from the model file, so the ggml importer must write it; the audio code can reuse it for the
spectrogram view later.

This lives in ``engine/`` for now because ``audio/`` is owned by another change; it has no
engine dependencies and can move to ``audio/mel.py`` unchanged.
"""
from __future__ import annotations

import numpy as np

from engine.options import SAMPLE_RATE

# Whisper's STFT: a 400-sample (25 ms) window at 16 kHz, so 201 frequency bins.
N_FFT = 400
# Slaney's mel scale: 200/3 Hz per mel below 1 kHz, then a log step of ln(6.4)/27 per mel.
_F_SP = 200.0 / 3.0
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Convert frequencies in Hz to Slaney mels (float64)."""
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / _F_SP
    log_part = hz >= _MIN_LOG_HZ
    # np.maximum keeps np.log away from zero for the linear part, whose values are discarded.
    logs = _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOG_STEP
    return np.where(log_part, logs, mel)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    """Convert Slaney mels to frequencies in Hz (float64)."""
    mel = np.asarray(mel, dtype=np.float64)
    hz = _F_SP * mel
    log_part = mel >= _MIN_LOG_MEL
    logs = _MIN_LOG_HZ * np.exp(_LOG_STEP * (mel - _MIN_LOG_MEL))
    return np.where(log_part, logs, hz)


def slaney_mel_filterbank(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Triangular mel filters from 0 Hz to Nyquist, Slaney-normalised.

    Args:
        sr: Sample rate in Hz (Whisper: 16000).
        n_fft: FFT length (Whisper: 400, so 201 frequency bins).
        n_mels: Number of mel bands (Whisper: 80; large-v3: 128).

    Returns:
        float32 array of shape ``(n_mels, n_fft // 2 + 1)``; row ``m`` weights the power
        spectrum bins that make mel band ``m``.
    """
    if sr <= 0 or n_fft <= 0 or n_mels <= 0:
        raise ValueError(f"sr, n_fft and n_mels must be positive, got {sr}, {n_fft}, {n_mels}")
    n_bins = n_fft // 2 + 1
    fft_freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    # n_mels + 2 band edges, equally spaced in mels: band m spans edges m .. m + 2.
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    # Rounding to float32 before normalising (not after) reproduces librosa's bytes: it fills a
    # float32 array with the triangles and then scales that array in place.
    weights = np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)
    norm = 2.0 / (edges[2:] - edges[:-2])
    weights = (weights * norm[:, None]).astype(np.float32)
    assert weights.shape == (n_mels, n_bins)
    return weights


def whisper_mel_filters(n_mels: int) -> np.ndarray:
    """The filterbank Whisper's front end uses: 16 kHz, ``n_fft`` 400, ``n_mels`` bands."""
    return slaney_mel_filterbank(SAMPLE_RATE, N_FFT, n_mels)
