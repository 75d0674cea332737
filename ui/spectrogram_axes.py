"""The live view's choices: what each view computes, its rows, tick labels, colour range, tooltip.

Pure (no widgets): the spectrogram view asks here what to compute and how to label it, so a new
view adds a row here rather than a branch in the widget. The views: the waveform (amplitude over
time, ``ui/waveform_view.py``), linear, log-frequency and mel spectrograms in dBFS
(``audio/spectrogram.py``), and "Whisper input", the exact log-mel Whisper computes
(``audio/whisper_features.py``) in Whisper's own dB, clamped 80 dB below the loudest as Whisper does.

Threads: any (pure functions and constants).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from audio.mel import mel_band_centers
from audio.spectrogram import FrequencyAxis, Spectrogram, SpectrogramOptions
from audio.whisper_features import DYNAMIC_RANGE, LOG_FLOOR, N_MELS, WhisperMel


class ViewKind(enum.Enum):
    """What the live view draws."""

    WAVEFORM = "waveform"
    LINEAR = "linear"
    LOG = "log"
    MEL = "mel"
    WHISPER = "whisper"


# Colour range in dBFS for the spectrograms. Fixed (never auto-levelled) so that silence always
# looks like silence and a loud voice like a loud voice. The bottom is the analysis floor; the top
# leaves normal speech (bins peaking around -30 to -15 dBFS) room before it saturates.
DBFS_LEVELS = (-100.0, -15.0)
# Whisper's dB (10 log10 of its un-normalised mel power): speech peaks near +10 to +20 dB, and
# Whisper itself keeps only 80 dB below its loudest value.
WHISPER_LEVELS = (-60.0, 20.0)
WHISPER_RANGE_DB = 10.0 * DYNAMIC_RANGE


@dataclass(frozen=True)
class AxisView:
    """One way of showing the spectrogram.

    Attributes:
        axis: The frequency axis of the rows.
        title: The name in the view selector.
        tooltip: One line saying what the view shows.
        options: What ``audio.spectrogram.Spectrogram`` computes for it.
        tick_hz: Frequencies that get a label on the y axis.
        kind: Which view this is.
        levels: The default colour range in dB (darkest, brightest).
        unit: What the colour bar's numbers are.
    """

    axis: FrequencyAxis
    title: str
    tooltip: str
    options: SpectrogramOptions
    tick_hz: tuple[float, ...]
    kind: ViewKind = ViewKind.MEL
    levels: tuple[float, float] = DBFS_LEVELS
    unit: str = "dBFS"

    @property
    def floor_db(self) -> float:
        """What silence reads in this view."""
        return self.options.floor_db

    def analyzer(self) -> "Spectrogram | WhisperDb":
        """A fresh column maker: ``push(samples) -> (n, rows)`` dB, ``reset()``, ``n_rows``."""
        return WhisperDb() if self.kind is ViewKind.WHISPER else Spectrogram(self.options)


class WhisperDb:
    """``WhisperMel`` columns in dB (``10 log10`` of Whisper's mel power), for the live view."""

    def __init__(self) -> None:
        self._mel = WhisperMel(N_MELS)

    @property
    def n_rows(self) -> int:
        return self._mel.n_rows

    def push(self, samples: np.ndarray) -> np.ndarray:
        return 10.0 * self._mel.push(samples)

    def reset(self) -> None:
        self._mel.reset()


def whisper_clamp(image: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Whisper's clamp on the picture: nothing below ``WHISPER_RANGE_DB`` under its loudest."""
    return np.maximum(image, image.max() - WHISPER_RANGE_DB, out=out)


_DB = "colour is the level in dB (a log scale of amplitude)"
_MEL_TICKS = (200, 500, 1000, 2000, 4000)
_MEL = SpectrogramOptions(axis=FrequencyAxis.MEL, n_rows=N_MELS)
VIEWS: tuple[AxisView, ...] = (
    AxisView(FrequencyAxis.MEL, "Mel",
             "Mel: frequency on the mel scale (pitches heard as equally spaced), 80 bands; "
             f"{_DB}.", _MEL, _MEL_TICKS),
    AxisView(FrequencyAxis.LINEAR, "Linear",
             f"Linear: frequency in hertz (cycles per second), evenly spaced; {_DB}.",
             SpectrogramOptions(axis=FrequencyAxis.LINEAR),
             (1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000), ViewKind.LINEAR),
    AxisView(FrequencyAxis.LOG, "Log",
             f"Log frequency: every octave gets the same height; {_DB}.",
             SpectrogramOptions(axis=FrequencyAxis.LOG, n_rows=160),
             (50, 100, 200, 500, 1000, 2000, 4000, 8000), ViewKind.LOG),
    AxisView(FrequencyAxis.MEL, "Whisper input",
             "Whisper input: exactly what the model sees, 80 mel bands of 25 ms every 10 ms, "
             f"at most 80 dB below the loudest; {_DB}.",
             SpectrogramOptions(axis=FrequencyAxis.MEL, n_rows=N_MELS,
                                floor_db=10.0 * np.log10(LOG_FLOOR)),
             _MEL_TICKS, ViewKind.WHISPER, WHISPER_LEVELS, "dB"),
)
VIEW_BY_AXIS = {view.axis: view for view in VIEWS if view.kind is not ViewKind.WHISPER}
VIEW_BY_KIND = {view.kind: view for view in VIEWS}
WAVEFORM_TOOLTIP = ("Waveform: the microphone's amplitude (how far the air pressure swings) "
                    "over time; ±1 is full scale.")
#: The selector's order, left to right.
SELECTOR = ((ViewKind.WAVEFORM, "Waveform"), (ViewKind.LINEAR, "Linear"), (ViewKind.LOG, "Log"),
            (ViewKind.MEL, "Mel"), (ViewKind.WHISPER, "Whisper input"))


def row_frequencies(options: SpectrogramOptions) -> np.ndarray:
    """Centre frequency in Hz of each row that ``Spectrogram(options)`` produces."""
    rate = options.sample_rate
    if options.axis is FrequencyAxis.LINEAR:
        return np.arange(options.window_samples // 2 + 1) * rate / options.window_samples
    if options.axis is FrequencyAxis.MEL:
        return mel_band_centers(rate, options.n_rows)
    return np.geomspace(options.log_fmin, rate / 2.0, options.n_rows)


def row_of_frequency(options: SpectrogramOptions, hz: float) -> float:
    """Fractional row index whose centre is ``hz`` (row ``i`` covers ``[i, i + 1)`` on screen)."""
    centres = row_frequencies(options)
    return float(np.interp(hz, centres, np.arange(len(centres)))) + 0.5


def hz_label(hz: float) -> str:
    """``"500"``, ``"1k"``, ``"2.5k"``: short enough for an axis."""
    if hz >= 1000:
        return f"{hz / 1000:g}k"
    return f"{hz:g}"


def frequency_ticks(view: AxisView) -> list[tuple[float, str]]:
    """``(row position, label)`` for each of the view's tick frequencies that is on screen."""
    centres = row_frequencies(view.options)
    return [(row_of_frequency(view.options, hz), hz_label(hz))
            for hz in view.tick_hz if centres[0] <= hz <= centres[-1]]
