"""The waveform view: the microphone's amplitude over the last seconds, as an envelope.

At 16 kHz six seconds are 96,000 samples, far more than a plot is pixels wide. Each 10 ms hop
becomes one column holding that hop's lowest and highest sample, drawn as a vertical stroke
(``PlotCurveItem`` with ``connect="pairs"``), so a loud syllable looks as tall as it is and no
peak between pixels is lost. Like the spectrogram's image, the columns live in preallocated
arrays shifted in place, and a frame only redraws one curve.

Threads: GUI thread (the spectrogram view's timer pushes samples).
"""
from __future__ import annotations

import numpy as np

from ui.colour_image import scroll_left
from ui.pyqtgraph_import import import_pyqtgraph
from ui.theme import ACCENT, NEUTRAL

pg = import_pyqtgraph()  # not `import pyqtgraph`: see ui/pyqtgraph_import.py

#: y-axis labels: full scale is ±1.
AMPLITUDE_TICKS = [(-1.0, "-1"), (-0.5, "-0.5"), (0.0, "0"), (0.5, "0.5"), (1.0, "1")]


class WaveformTrace:
    """The lowest and highest sample of each hop over ``span_seconds``, drawn on a plot.

    Args:
        plot: The ``pg.PlotItem`` to draw on (shared with the spectrogram's image).
        span_seconds: Time shown, ending at 0 (now).
        hop_samples: Samples per column.
        sample_rate: Rate of the pushed samples.
    """

    def __init__(self, plot: pg.PlotItem, span_seconds: float, hop_samples: int,
                 sample_rate: int) -> None:
        self._hop = hop_samples
        columns = int(round(span_seconds * sample_rate / hop_samples))
        self._low = np.zeros(columns, np.float32)
        self._high = np.zeros(columns, np.float32)
        self._carry = np.zeros(0, np.float32)
        # Column i spans [t_i, t_i + hop); its stroke stands in its middle.
        times = -span_seconds + (np.arange(columns) + 0.5) * hop_samples / sample_rate
        self._x = np.repeat(times, 2).astype(np.float32)
        self._y = np.zeros(2 * columns, np.float32)
        self._curve = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(ACCENT, width=1.2))
        self._zero = pg.InfiniteLine(0.0, angle=0, pen=pg.mkPen(NEUTRAL))
        plot.addItem(self._zero)
        plot.addItem(self._curve)
        self.set_visible(False)
        self._draw()

    def envelope(self) -> tuple[np.ndarray, np.ndarray]:
        """``(lowest, highest)`` sample of each column, oldest first (views, not copies)."""
        return self._low, self._high

    def set_visible(self, visible: bool) -> None:
        """Show or hide the trace (the view shows it only in the waveform view)."""
        self._curve.setVisible(visible)
        self._zero.setVisible(visible)

    def reset(self) -> None:
        """Forget the picture and any partial hop (after a gap in the audio)."""
        self._low.fill(0.0)
        self._high.fill(0.0)
        self._carry = np.zeros(0, np.float32)
        self._draw()

    def push(self, samples: np.ndarray) -> None:
        """Add samples that follow the previous ones; redraw when a hop completed."""
        buffer = np.concatenate([self._carry, np.asarray(samples, np.float32).reshape(-1)])
        n = len(buffer) // self._hop
        self._carry = buffer[n * self._hop:]
        if n == 0:
            return
        hops = buffer[:n * self._hop].reshape(n, self._hop)
        scroll_left(self._low, hops.min(axis=1))
        scroll_left(self._high, hops.max(axis=1))
        self._draw()

    def _draw(self) -> None:
        self._y[0::2] = self._low
        self._y[1::2] = self._high
        self._curve.setData(self._x, self._y)
