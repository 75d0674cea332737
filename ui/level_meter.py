"""The live view's scales: a microphone level meter (RMS bar, peak line) and a dB colour legend.

``signal_levels`` is the maths (pure); ``LevelMeter`` only paints what it is given. The meter has
a fast attack and a slow release, like a hardware meter, so speech reads as a steady bar rather
than a 30 Hz flicker.

Threads: GUI thread (``signal_levels`` is pure and may run anywhere).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.theme import BRIGHT, MUTED, TEXT, TRACK

METER_FLOOR_DB = -60.0  # below this speech is inaudible on any real microphone: empty bar
# The bar falls at most this much per update (about 30 updates a second: ~25 dB/s) ...
RMS_RELEASE_DB = 0.8
# ... and the peak line a little slower, so the eye can read the loudest moment.
PEAK_RELEASE_DB = 0.5
_SCALE_MARKS = (0, -6, -12, -20, -30, -40, -50)


@dataclass(frozen=True)
class Levels:
    """Signal level of a block of samples, in dB relative to full scale (1.0).

    Attributes:
        rms_db: Root mean square level (a full-scale sine reads -3 dBFS).
        peak_db: Largest absolute sample.
    """

    rms_db: float
    peak_db: float


SILENT = Levels(METER_FLOOR_DB, METER_FLOOR_DB)


def signal_levels(samples: np.ndarray, floor_db: float = METER_FLOOR_DB) -> Levels:
    """RMS and peak of ``samples`` in dBFS, never below ``floor_db`` (empty input: the floor)."""
    if len(samples) == 0:
        return Levels(floor_db, floor_db)
    x = np.asarray(samples, dtype=np.float32)
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    peak = float(np.max(np.abs(x)))

    def db(value: float) -> float:
        return max(floor_db, 20.0 * np.log10(value)) if value > 0 else floor_db

    return Levels(db(rms), db(peak))


class LevelMeter(QWidget):
    """Paints the level given to ``set_levels``; the newest peak is also in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown = SILENT  # what is drawn, after the release ballistics
        self._margins = (8, 24)  # space above and below the bar, in pixels
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(80)
        self.setToolTip("Microphone level (dBFS): bar = average (RMS), line = recent peak")

    @property
    def shown(self) -> Levels:
        """The levels currently drawn (after attack/release)."""
        return self._shown

    def set_levels(self, levels: Levels) -> None:
        """Show a new measurement: rises at once, falls at most ``*_RELEASE_DB`` per call."""
        rms = max(levels.rms_db, self._shown.rms_db - RMS_RELEASE_DB)
        peak = max(levels.peak_db, self._shown.peak_db - PEAK_RELEASE_DB, rms)
        new = Levels(max(rms, METER_FLOOR_DB), max(peak, METER_FLOOR_DB))
        if new != self._shown:
            self._shown = new
            self.update()

    def set_bar_margins(self, top: int, bottom: int) -> None:
        """Leave ``top``/``bottom`` pixels around the bar (to line up with a plot beside it)."""
        if (top, bottom) != self._margins:
            self._margins = (top, bottom)
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(46, 200)

    def _y(self, db: float, bar: QRectF) -> float:
        fraction = (min(0.0, max(METER_FLOOR_DB, db)) - METER_FLOOR_DB) / -METER_FLOOR_DB
        return bar.bottom() - fraction * bar.height()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # Scale on the left, bar on the right; margins match the plot's so 0 dB lines up.
        top, bottom = self._margins
        bar = QRectF(self.width() - 14, top, 10, max(10, self.height() - top - bottom))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(TRACK))
        painter.drawRoundedRect(bar, 3, 3)
        # Colour by position, not by level: green speech, amber loud, red near clipping.
        gradient = QLinearGradient(0, bar.bottom(), 0, bar.top())
        for db, colour in ((-60, "#2f9e6a"), (-18, "#40c07a"), (-9, "#f2b33d"), (-2, "#ef4444")):
            gradient.setColorAt((db - METER_FLOOR_DB) / -METER_FLOOR_DB, QColor(colour))
        top = self._y(self._shown.rms_db, bar)
        if top < bar.bottom():
            painter.setBrush(gradient)
            painter.drawRoundedRect(QRectF(bar.left(), top, bar.width(), bar.bottom() - top), 3, 3)
        if self._shown.peak_db > METER_FLOOR_DB:
            painter.setPen(QPen(QColor(BRIGHT), 2))
            y = self._y(self._shown.peak_db, bar)
            painter.drawLine(int(bar.left()), int(y), int(bar.right()), int(y))
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, font.pointSizeF() * 0.75))
        painter.setFont(font)
        painter.setPen(QColor(MUTED))
        for db in _SCALE_MARKS:
            y = self._y(db, bar)
            # Clamped inside the widget: the 0 dB mark sits at the very top edge of the bar.
            label_top = min(max(0.0, y - 7), self.height() - 14.0)
            painter.drawText(QRectF(0, label_top, bar.left() - 4, 14),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(db))
        # The number under the bar: the peak, which is what "am I clipping?" needs.
        text = "—" if self._shown.peak_db <= METER_FLOOR_DB else f"{self._shown.peak_db:.0f}"
        painter.setPen(QColor(TEXT))
        painter.drawText(QRectF(0, bar.bottom() + 6, self.width(), 16),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, text + " dB")
        painter.end()


class ColourLegend(QWidget):
    """A small horizontal colour bar: which colour is which level, ``low … high dB``.

    Args:
        lut: The ``(256, 3)`` uint8 lookup table the image uses.
        levels: The dB range the table spans.
    """

    def __init__(self, lut: np.ndarray, levels: tuple[float, float],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        rgb = np.ascontiguousarray(lut[np.newaxis, :, :3], dtype=np.uint8)
        self._bar = QImage(rgb.data, 256, 1, 256 * 3, QImage.Format.Format_RGB888).copy()
        self.levels = levels
        self.setToolTip("Colour = level in dB relative to full scale (a log scale of amplitude)")

    def set_levels(self, levels: tuple[float, float]) -> None:
        self.levels = levels
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(190, 20)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setPen(QColor(MUTED))
        low, high = (f"{v:.0f}" for v in self.levels)
        metrics = painter.fontMetrics()
        left = metrics.horizontalAdvance(low) + 6
        right = metrics.horizontalAdvance(f"{high} dB") + 6
        bar = QRectF(left, self.height() / 2 - 4, self.width() - left - right, 8)
        painter.drawImage(bar, self._bar)
        painter.drawText(QRectF(0, 0, left - 6, self.height()),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, low)
        painter.drawText(QRectF(bar.right() + 6, 0, right, self.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{high} dB")
        painter.end()
