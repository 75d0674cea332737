"""The mel filterbank written into ggml model files: Whisper's own front end.

OpenAI generated Whisper's ``mel_filters.npz`` with ``librosa.filters.mel(sr=16000, n_fft=400,
n_mels=80 or 128)``; whisper.cpp reads the filterbank from the model file, so the importer
writes it. The maths lives in ``audio/mel.py`` (one Slaney filterbank for the whole app); this
module fixes Whisper's parameters.
"""
from __future__ import annotations

import numpy as np

from audio.mel import mel_filterbank
from audio.resample import TARGET_RATE

# Whisper's STFT: a 400-sample (25 ms) window at 16 kHz, so 201 frequency bins.
N_FFT = 400


def whisper_mel_filters(n_mels: int) -> np.ndarray:
    """The filterbank Whisper's front end uses: 16 kHz, ``n_fft`` 400, ``n_mels`` bands (80/128).

    Returns:
        float32 ``(n_mels, 201)``.
    """
    if n_mels <= 0:
        raise ValueError(f"n_mels must be positive, got {n_mels}")
    return mel_filterbank(TARGET_RATE, N_FFT, n_mels)
