"""The live view's choices: which frequency axis, its analysis options, tick labels, tooltips.

Pure (no widgets): the spectrogram view asks here what to compute and how to label it, so a new
view (issue 7: waveform, colour range) adds a row here rather than a branch in the widget.

Threads: any (pure functions and constants).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audio.mel import mel_band_centers
from audio.spectrogram import FrequencyAxis, SpectrogramOptions


@dataclass(frozen=True)
class AxisView:
    """One way of showing the spectrogram.

    Attributes:
        axis: The frequency axis of the rows.
        title: The name in the view selector.
        tooltip: One line saying what the view shows.
        options: What ``audio.spectrogram.Spectrogram`` computes for it.
        tick_hz: Frequencies that get a label on the y axis.
    """

    axis: FrequencyAxis
    title: str
    tooltip: str
    options: SpectrogramOptions
    tick_hz: tuple[float, ...]


_DB = "colour is the level in dB (a log scale of amplitude)"
VIEWS: tuple[AxisView, ...] = (
    AxisView(FrequencyAxis.MEL, "Mel",
             "Mel: frequency on the mel scale (pitches heard as equally spaced), 80 bands, as "
             f"Whisper sees the sound; {_DB}.",
             SpectrogramOptions(axis=FrequencyAxis.MEL, n_rows=80),
             (200, 500, 1000, 2000, 4000)),
    AxisView(FrequencyAxis.LINEAR, "Linear",
             f"Linear: frequency in hertz (cycles per second), evenly spaced; {_DB}.",
             SpectrogramOptions(axis=FrequencyAxis.LINEAR),
             (1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000)),
    AxisView(FrequencyAxis.LOG, "Log",
             f"Log frequency: every octave gets the same height; {_DB}.",
             SpectrogramOptions(axis=FrequencyAxis.LOG, n_rows=160),
             (50, 100, 200, 500, 1000, 2000, 4000, 8000)),
)
VIEW_BY_AXIS = {view.axis: view for view in VIEWS}


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
