"""Incremental spectrogram columns for the live view: STFT, frequency axis, dB with a floor.

The GUI timer pushes only the samples that arrived since its last tick and gets back only the
new columns, so each sample is transformed once. Levels are dB relative to full scale: a sine of
amplitude 1 centred on a bin reads 0 dB, and silence reads exactly ``floor_db``, so the view can
use fixed levels ``(floor_db, 0)``.

Threads: a ``Spectrogram`` belongs to one thread (the GUI timer's); the pure functions to any.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from audio.mel import mel_filterbank
from audio.resample import TARGET_RATE


class FrequencyAxis(enum.Enum):
    """How display rows map to frequency."""

    LINEAR = "linear"  #: one row per FFT bin
    LOG = "log"        #: rows equally spaced in log frequency from ``log_fmin`` to Nyquist
    MEL = "mel"        #: Slaney mel bands, as Whisper sees the audio


@dataclass(frozen=True)
class SpectrogramOptions:
    """Analysis parameters (defaults match Whisper's front end: 25 ms window, 10 ms hop).

    Attributes:
        sample_rate: Rate of the pushed samples.
        window_samples: Hann window length, also the FFT length.
        hop_samples: Distance between columns (160 = 10 ms at 16 kHz).
        floor_db: Lowest level reported; silence reads exactly this.
        axis: Frequency axis of the rows.
        n_rows: Rows for LOG and MEL (MEL: 80 or 128 like Whisper). LINEAR has n_fft/2+1.
        log_fmin: Lowest frequency of the LOG axis in Hz.
    """

    sample_rate: int = TARGET_RATE
    window_samples: int = 400
    hop_samples: int = 160
    floor_db: float = -100.0
    axis: FrequencyAxis = FrequencyAxis.MEL
    n_rows: int = 80
    log_fmin: float = 50.0


def power_to_db(power: np.ndarray, floor_db: float) -> np.ndarray:
    """``10 log10(power)``, never below ``floor_db`` (so log of zero is the floor)."""
    # Clamp after the log: 10**(floor/10) round-trips through float rounding, the floor itself
    # must come out exact so that "silence" is recognisable.
    db = 10.0 * np.log10(np.maximum(power, 1e-30))
    return np.maximum(db, floor_db).astype(np.float32)


def axis_matrix(options: SpectrogramOptions) -> np.ndarray:
    """``(rows, bins)`` weights that turn a power spectrum into display rows.

    Each row's weights sum to 1, so a pure tone reads the same level on every axis. For MEL
    that rescales the Slaney-normalised filters per band; their shape is unchanged.
    """
    n_bins = options.window_samples // 2 + 1
    if options.axis is FrequencyAxis.LINEAR:
        return np.eye(n_bins, dtype=np.float32)
    if options.axis is FrequencyAxis.MEL:
        weights = mel_filterbank(options.sample_rate, options.window_samples, options.n_rows)
    else:
        # Row centres equally spaced in log frequency; each row linearly interpolates the
        # two nearest bins (a row narrower than a bin repeats it, which is what the eye wants).
        nyquist = options.sample_rate / 2.0
        centers = np.geomspace(options.log_fmin, nyquist, options.n_rows)
        position = centers / nyquist * (n_bins - 1)
        low = np.minimum(np.floor(position).astype(int), n_bins - 2)
        frac = position - low
        weights = np.zeros((options.n_rows, n_bins))
        weights[np.arange(options.n_rows), low] = 1.0 - frac
        weights[np.arange(options.n_rows), low + 1] = frac
    sums = weights.sum(axis=1, keepdims=True)
    return (weights / np.where(sums > 0, sums, 1.0)).astype(np.float32)


class Spectrogram:
    """Turns a stream of samples into dB spectrogram columns, a few at a time.

    Args:
        options: See ``SpectrogramOptions``.
    """

    def __init__(self, options: SpectrogramOptions = SpectrogramOptions()) -> None:
        self.options = options
        # Periodic Hann, as Whisper's STFT uses.
        n = np.arange(options.window_samples)
        self._window = (0.5 - 0.5 * np.cos(2 * np.pi * n / options.window_samples)
                        ).astype(np.float32)
        # |X|^2 * scale is 1 for a bin-centred sine of amplitude 1 (its peak is sum(w)/2).
        self._scale = (2.0 / float(np.sum(self._window))) ** 2
        self._axis = axis_matrix(options)
        self._carry = np.zeros(0, dtype=np.float32)

    @property
    def n_rows(self) -> int:
        """Number of values in each column."""
        return self._axis.shape[0]

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Add samples; return the columns that became complete.

        Args:
            samples: New 1-D float32 samples, following on from the previous push.

        Returns:
            ``(n_new_columns, n_rows)`` float32 dB, oldest column first (may be empty).
        """
        hop, win = self.options.hop_samples, self.options.window_samples
        buf = np.concatenate([self._carry, np.asarray(samples, dtype=np.float32)])
        n_cols = 0 if len(buf) < win else (len(buf) - win) // hop + 1
        self._carry = buf[n_cols * hop:]
        if n_cols == 0:
            return np.zeros((0, self.n_rows), dtype=np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(buf, win)[::hop][:n_cols]
        power = np.abs(np.fft.rfft(frames * self._window, axis=1)) ** 2 * self._scale
        return power_to_db(power @ self._axis.T, self.options.floor_db)

    def reset(self) -> None:
        """Forget buffered samples (after a gap, so no column straddles it)."""
        self._carry = np.zeros(0, dtype=np.float32)


class LiveSpectrogram:
    """Spectrogram columns of whatever reached a ring since the last ``poll``.

    The GUI timer calls ``poll`` about 30 times a second (GUI thread). It starts at "now", not
    at the ring's oldest sample, and after a long pause (window hidden) it skips to the newest
    ``max_backlog_seconds`` rather than computing minutes of columns nobody will see.

    Args:
        ring: The capture's 16 kHz ring (``Capture.ring``).
        options: Analysis options; ``sample_rate`` must be the ring's rate.
        max_backlog_seconds: Most audio turned into columns by one poll.
    """

    def __init__(self, ring, options: SpectrogramOptions = SpectrogramOptions(),
                 max_backlog_seconds: float = 1.0) -> None:
        self._ring = ring
        self._spectrogram = Spectrogram(options)
        self._max_backlog = int(max_backlog_seconds * options.sample_rate)
        self._cursor = ring.end_index

    @property
    def n_rows(self) -> int:
        """Number of values in each column."""
        return self._spectrogram.n_rows

    def poll(self) -> np.ndarray:
        """New ``(n_columns, n_rows)`` dB columns, oldest first (may be empty)."""
        newest = self._ring.end_index
        start = self._cursor
        if newest - start > self._max_backlog:
            start = newest - self._max_backlog
        got = self._ring.read(start)
        if got.start != self._cursor:  # skipped or lost samples: no column may straddle a gap
            self._spectrogram.reset()
        self._cursor = got.end
        return self._spectrogram.push(got.samples)
