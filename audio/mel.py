"""Slaney-style mel scale and filterbank, as Whisper's log-mel features use (80 or 128 bands).

The Slaney mel scale (Auditory Toolbox; librosa's default, ``htk=False``) is linear below
1 kHz (200/3 Hz per mel) and logarithmic above it (a factor 6.4 every 27 mels). Each triangular
filter is divided by its width in Hz ("Slaney" area normalisation), so that white noise gives
about the same energy in every band. This is the one filterbank in Murmur: the spectrogram view
uses it, and the model importer (``engine/mel_filters.py``) writes it into ggml files, where it
must equal the table Whisper was trained with (librosa's output) to the bit.

Pure functions: any thread.
"""
from __future__ import annotations

import numpy as np

_F_SP = 200.0 / 3.0          # Hz per mel in the linear part
_MIN_LOG_HZ = 1000.0         # where the log part begins
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Slaney mel value of each frequency in Hz."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / _F_SP
    with np.errstate(divide="ignore"):
        log = _MIN_LOG_MEL + np.log(np.maximum(hz, 1e-10) / _MIN_LOG_HZ) / _LOGSTEP
    return np.where(hz >= _MIN_LOG_HZ, log, linear)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Inverse of ``hz_to_mel``."""
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * _F_SP
    log = _MIN_LOG_HZ * np.exp(_LOGSTEP * (mel - _MIN_LOG_MEL))
    return np.where(mel >= _MIN_LOG_MEL, log, linear)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0,
                   fmax: float | None = None) -> np.ndarray:
    """Triangular Slaney mel filters over the bins of an ``n_fft``-point real FFT.

    Args:
        sample_rate: Rate of the analysed signal in Hz.
        n_fft: FFT length; the filters cover its ``n_fft // 2 + 1`` bins.
        n_mels: Number of bands (Whisper: 80, or 128 for large-v3).
        fmin: Lowest band edge in Hz.
        fmax: Highest band edge in Hz; defaults to Nyquist.

    Returns:
        ``(n_mels, n_fft // 2 + 1)`` float32 weights; ``weights @ power_spectrum`` gives the
        band energies.
    """
    fmax = sample_rate / 2.0 if fmax is None else fmax
    bin_hz = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    # n_mels + 2 edges equally spaced in mel: band i rises from edge i, peaks at i+1,
    # falls to i+2.
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    # Written the way librosa computes it, down to the sign of zero: the first band's weight at
    # 0 Hz is -0.0 in Whisper's table, and the ggml file carries those bytes.
    ramps = edges[:, None] - bin_hz[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    # Rounding the triangles to float32 before the Slaney area normalisation (not after)
    # reproduces librosa's bytes, and so Whisper's own mel_filters table: librosa fills a float32
    # array with the triangles and then scales that array in place.
    weights = np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)
    return (weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


def mel_band_centers(sample_rate: int, n_mels: int, fmin: float = 0.0,
                     fmax: float | None = None) -> np.ndarray:
    """Centre frequency in Hz of each band of ``mel_filterbank`` (for axis labels)."""
    fmax = sample_rate / 2.0 if fmax is None else fmax
    return mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))[1:-1]
