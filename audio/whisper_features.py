"""Whisper's log-mel input, exactly: what the model looks at, for the view and for tests.

openai/whisper's ``audio.log_mel_spectrogram`` does, for 16 kHz samples::

    stft = torch.stft(audio, 400, 160, window=hann_window(400), center=True)  # reflect pad
    power = |stft[..., :-1]|**2           # the last frame is dropped
    mel = filters @ power                 # Slaney mel, 80 (or 128) bands
    log_spec = log10(max(mel, 1e-10))
    log_spec = max(log_spec, log_spec.max() - 8.0)   # at most 80 dB below the loudest
    features = (log_spec + 4.0) / 4.0

``log_mel_spectrogram`` repeats that with numpy and the one filterbank (``audio/mel.py``).
``WhisperMel`` computes the same columns a few samples at a time for the live view: each column
is produced once its 400-sample window is complete, the start is reflect-padded as soon as 201
samples exist, and ``finish`` pads the end. Only ``normalize`` needs the whole clip (its max).

Threads: pure functions, any thread; a ``WhisperMel`` belongs to one thread.
"""
from __future__ import annotations

import numpy as np

from audio.mel import mel_filterbank
from audio.resample import TARGET_RATE

N_FFT = 400       # 25 ms at 16 kHz
HOP = 160         # 10 ms
N_MELS = 80       # 128 for large-v3
LOG_FLOOR = 1e-10  # log10 floor: -100 dB
DYNAMIC_RANGE = 8.0  # log10 units (80 dB) kept below the loudest value

_PAD = N_FFT // 2
# Periodic Hann, as torch.hann_window(400) is.
_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)


def whisper_filters(n_mels: int = N_MELS) -> np.ndarray:
    """``(n_mels, 201)`` float32: Whisper's ``mel_filters`` table (librosa's Slaney filters)."""
    return mel_filterbank(TARGET_RATE, N_FFT, n_mels)


def _log_mel_frames(frames: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """``(n, N_FFT)`` windows → ``(n, n_mels)`` log10 mel power, clamped at ``LOG_FLOOR``."""
    spectrum = np.fft.rfft(frames * _WINDOW, axis=1)
    power = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32)
    mel = power @ filters.T
    return np.log10(np.maximum(mel, LOG_FLOOR)).astype(np.float32)


def _frames(padded: np.ndarray, count: int) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:count]


def log_mel(samples: np.ndarray, n_mels: int = N_MELS) -> np.ndarray:
    """Un-normalised log10 mel power of a whole clip: ``(n_mels, len // HOP)`` float32."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if x.size <= _PAD:
        raise ValueError(f"need more than {_PAD} samples for a reflect-padded frame")
    padded = np.pad(x, _PAD, mode="reflect")
    count = x.size // HOP  # torch.stft gives 1 + len // HOP frames; Whisper drops the last
    return _log_mel_frames(_frames(padded, count), whisper_filters(n_mels)).T.copy()


def normalize(log_spec: np.ndarray) -> np.ndarray:
    """Whisper's clamp and scaling: ``(max(x, x.max() - 8) + 4) / 4``."""
    clamped = np.maximum(log_spec, log_spec.max() - DYNAMIC_RANGE)
    return ((clamped + 4.0) / 4.0).astype(np.float32)


def log_mel_spectrogram(samples: np.ndarray, n_mels: int = N_MELS,
                        padding: int = 0) -> np.ndarray:
    """What Whisper's ``log_mel_spectrogram(audio, n_mels, padding)`` returns, in numpy.

    Args:
        samples: 1-D 16 kHz mono float samples.
        n_mels: 80, or 128 for large-v3.
        padding: Zeros appended first (Whisper's ``transcribe`` pads 30 s).

    Returns:
        ``(n_mels, frames)`` float32 features, frames = (len + padding) // 160.
    """
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if padding:
        x = np.pad(x, (0, padding))
    return normalize(log_mel(x, n_mels))


def db_of_log_mel(log_spec: np.ndarray) -> np.ndarray:
    """Log10 mel power in dB (``10 log10``): how the view's colour bar labels it."""
    return (10.0 * log_spec).astype(np.float32)


class WhisperMel:
    """Whisper's un-normalised log-mel columns, computed as samples arrive.

    ``push`` returns the columns whose windows are complete; ``finish`` the last ones (the end is
    reflect-padded, and Whisper's dropped last frame is dropped). The concatenation equals
    ``log_mel`` of all the samples pushed, however they were split.

    Args:
        n_mels: Bands (80, or 128 for large-v3).
    """

    def __init__(self, n_mels: int = N_MELS) -> None:
        self.n_mels = n_mels
        self._filters = whisper_filters(n_mels)
        self.reset()

    @property
    def n_rows(self) -> int:
        """Values in each column."""
        return self.n_mels

    def reset(self) -> None:
        """Start a new clip (after a gap in the audio)."""
        self._buffer = np.zeros(0, np.float32)  # padded signal from the next frame's start on
        self._started = False  # the start's reflect padding is in _buffer
        self._head = np.zeros(0, np.float32)  # samples before the start could be padded
        self._total = 0  # samples pushed
        self._emitted = 0  # columns returned

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Add samples; return the new ``(n, n_mels)`` log10 columns, oldest first."""
        x = np.asarray(samples, dtype=np.float32).reshape(-1)
        self._total += x.size
        if not self._started:
            self._head = np.concatenate([self._head, x])
            if self._head.size <= _PAD:
                return np.zeros((0, self.n_mels), np.float32)
            start = self._head[1:_PAD + 1][::-1]  # numpy's "reflect": the edge is not repeated
            self._buffer = np.concatenate([start, self._head])
            self._head = np.zeros(0, np.float32)
            self._started = True
        else:
            self._buffer = np.concatenate([self._buffer, x])
        return self._take(self._complete(self._buffer.size))

    def finish(self) -> np.ndarray:
        """The remaining columns, with the end reflect-padded like Whisper's STFT."""
        if not self._started:
            return np.zeros((0, self.n_mels), np.float32)
        end = self._buffer[-_PAD - 1:-1][::-1]
        self._buffer = np.concatenate([self._buffer, end])
        wanted = self._total // HOP - self._emitted  # Whisper drops the very last frame
        columns = self._take(min(wanted, self._complete(self._buffer.size)))
        self.reset()
        return columns

    def _complete(self, size: int) -> int:
        return 0 if size < N_FFT else (size - N_FFT) // HOP + 1

    def _take(self, count: int) -> np.ndarray:
        if count <= 0:
            return np.zeros((0, self.n_mels), np.float32)
        columns = _log_mel_frames(_frames(self._buffer, count), self._filters)
        self._buffer = self._buffer[count * HOP:]
        self._emitted += count
        return columns
