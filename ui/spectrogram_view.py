"""The live microphone view: a scrolling spectrogram and a level meter, drained on a GUI timer.

The audio path never pushes into the GUI. A ~30 Hz ``QTimer`` on the GUI thread asks a
``RingTap`` for the samples written since its last tick (only the newest ones if it fell
behind), turns them into new columns with ``audio.spectrogram.Spectrogram`` and shifts them into
a preallocated image. The timer runs only while the widget is visible: a hidden window costs
nothing, and on showing again the tap skips to the newest audio.

Drawing follows pyqtgraph's ImageItem performance notes: row-major C-contiguous float32, fixed
``levels`` with ``autoLevels=False`` (no min/max scan each frame) and a 256-entry uint8 lookup
table, so each frame is one lookup-table pass in pyqtgraph's fast path.

Threads: GUI thread only. The ring is written by the capture worker; reading it needs no lock
(see ``audio/ring_buffer.py``).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer, Signal
from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from audio.ring_buffer import RingBuffer
from audio.spectrogram import FrequencyAxis, Spectrogram
from ui.level_meter import SILENT, ColourLegend, LevelMeter, signal_levels
from ui.ring_tap import RingTap
from ui.spectrogram_axes import VIEW_BY_AXIS, VIEWS, AxisView, frequency_ticks
from ui.theme import MUTED, NEUTRAL, PLOT_BACKGROUND

FRAME_INTERVAL_MS = 33  # ~30 frames a second: smooth to the eye, ~1 % of a core
SPAN_SECONDS = 6.0  # history shown: long enough to see a whole sentence scroll by
# Colour range in dBFS. Fixed (never auto-levelled) so that silence always looks like silence
# and a loud voice like a loud voice. The bottom is the analysis floor; the top leaves normal
# speech (bins peaking around -30 to -15 dBFS) room before it saturates.
DISPLAY_LEVELS = (-100.0, -15.0)
COLOUR_MAP = "magma"  # perceptually uniform, dark for quiet: reads like ink on a dark plot
LEVEL_WINDOW_SAMPLES = 800  # the meter measures the newest 50 ms at 16 kHz
# After this many frames (~1 s) without a single new sample, say so on the picture: a black
# spectrogram alone does not tell "silence" from "no microphone".
NO_AUDIO_FRAMES = 30
NO_AUDIO_TEXT = "No audio from the microphone"


class SpectrogramView(QWidget):
    """Scrolling spectrogram of a ring buffer with a view selector and a level meter.

    Args:
        ring: The 16 kHz ring to show (``Capture.ring``); None shows silence until
            ``set_ring``.
        axis: The frequency axis to start with.
        parent: Parent widget.

    Signals:
        axis_changed(FrequencyAxis): the user picked another view (to remember it).
    """

    axis_changed = Signal(object)

    def __init__(self, ring: RingBuffer | None = None, axis: FrequencyAxis = FrequencyAxis.MEL,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = VIEW_BY_AXIS[axis]
        self._spectrogram = Spectrogram(self._view.options)
        self._columns = int(round(SPAN_SECONDS * self._view.options.sample_rate
                                  / self._view.options.hop_samples))
        self._image = np.empty(0, np.float32)
        self._tap: RingTap | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_INTERVAL_MS)
        self._timer.timeout.connect(self.refresh)
        self._build()
        self._reset_image()
        if ring is not None:
            self.set_ring(ring)

    # ---- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        self._plot = pg.PlotWidget(background=PLOT_BACKGROUND)
        item = self._plot.getPlotItem()
        item.setMouseEnabled(False, False)  # a live view: nothing to pan or zoom
        item.setMenuEnabled(False)
        item.hideButtons()
        for name, label in (("bottom", "time (s)"), ("left", "frequency (Hz)")):
            axis = item.getAxis(name)
            axis.setTextPen(MUTED)
            axis.setPen(pg.mkPen(NEUTRAL))
            axis.setLabel(label, color=MUTED)
        item.getAxis("left").setWidth(46)
        # Whole seconds labelled, half seconds as unlabelled minor ticks: "-5.5" is clutter.
        whole = range(-int(SPAN_SECONDS), 1)
        item.getAxis("bottom").setTicks([[(float(s), str(s)) for s in whole],
                                         [(s - 0.5, "") for s in whole]])
        item.vb.sigResized.connect(self._align_meter)
        self._image_item = pg.ImageItem(axisOrder="row-major")
        lut = pg.colormap.get(COLOUR_MAP).getLookupTable(nPts=256)
        self._image_item.setLookupTable(lut)
        self.legend = ColourLegend(lut, DISPLAY_LEVELS)
        self._image_item.setLevels(DISPLAY_LEVELS)
        item.addItem(self._image_item)
        self._no_audio = pg.TextItem(NO_AUDIO_TEXT, color=MUTED, anchor=(0.5, 0.5))
        self._no_audio.setVisible(False)
        item.addItem(self._no_audio)
        self._empty_frames = 0

        self._meter = LevelMeter()
        self._buttons = QButtonGroup(self)
        self._view_buttons: list[QPushButton] = []  # in the order of VIEWS
        selector = QHBoxLayout()
        selector.setSpacing(0)
        title = QLabel("Microphone")
        title.setObjectName("sectionTitle")
        selector.addWidget(title)
        selector.addStretch(1)
        selector.addWidget(self.legend)
        selector.addSpacing(16)
        for view in VIEWS:
            button = QPushButton(view.title)
            button.setCheckable(True)
            button.setChecked(view is self._view)
            button.setToolTip(view.tooltip)
            button.setObjectName("segment")
            button.clicked.connect(lambda _=False, a=view.axis: self.set_axis(a, by_user=True))
            self._buttons.addButton(button)
            self._view_buttons.append(button)
            selector.addWidget(button)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self._plot, 1)
        row.addWidget(self._meter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(selector)
        layout.addLayout(row, 1)

    # ---- public -----------------------------------------------------------------------------
    @property
    def axis(self) -> FrequencyAxis:
        """The frequency axis on show."""
        return self._view.axis

    @property
    def view(self) -> AxisView:
        """The view on show (its analysis options, ticks and tooltip)."""
        return self._view

    @property
    def meter(self) -> LevelMeter:
        """The level meter next to the spectrogram."""
        return self._meter

    @property
    def no_audio_shown(self) -> bool:
        """Whether the picture says that no audio arrives."""
        return self._no_audio.isVisible()

    @property
    def timer_active(self) -> bool:
        """Whether the drain timer runs (only while the view is visible)."""
        return self._timer.isActive()

    def image_data(self) -> np.ndarray:
        """The image on show: ``(rows, columns)`` dBFS, row 0 lowest frequency, newest last."""
        return self._image

    def set_display_levels(self, low_db: float, high_db: float) -> None:
        """Map ``low_db`` to the darkest colour and ``high_db`` to the brightest (fixed)."""
        self._image_item.setLevels((low_db, high_db))
        self.legend.set_levels((low_db, high_db))

    def set_ring(self, ring: RingBuffer | None) -> None:
        """Show another ring (the capture was rebuilt), or none (silence)."""
        max_backlog = self._columns * self._view.options.hop_samples
        self._tap = None if ring is None else RingTap(ring, max_backlog)
        self._spectrogram.reset()
        self._reset_image()

    def set_axis(self, axis: FrequencyAxis, by_user: bool = False) -> None:
        """Switch the frequency axis; the last ``SPAN_SECONDS`` are redrawn at once."""
        for button, view in zip(self._view_buttons, VIEWS):
            button.setChecked(view.axis is axis)
        if axis is self._view.axis:
            return
        self._view = VIEW_BY_AXIS[axis]
        self._spectrogram = Spectrogram(self._view.options)
        self._reset_image()
        if self._tap is not None:
            self._tap.restart()  # recompute the visible history on the new axis
        self.refresh()
        if by_user:
            self.axis_changed.emit(axis)

    def refresh(self) -> None:
        """Drain the ring once: the timer's slot, public so tests can step it."""
        if self.window().isMinimized():
            return  # minimised is not hidden to Qt, but nobody sees it: the tap catches up later
        got = self._tap.read() if self._tap is not None else None
        self._empty_frames = 0 if got is not None and len(got.samples) else self._empty_frames + 1
        self._no_audio.setVisible(self._empty_frames >= NO_AUDIO_FRAMES)
        if got is None:
            return
        if got.skipped:
            # The new samples do not follow the old ones: start the STFT and the picture over
            # rather than draw a seam that pretends two moments were adjacent.
            self._spectrogram.reset()
            self._image.fill(self._view.options.floor_db)
            self._image_item.setImage(self._image, autoLevels=False)
        if len(got.samples) == 0:
            self._meter.set_levels(SILENT)
            return
        self._meter.set_levels(signal_levels(got.samples[-LEVEL_WINDOW_SAMPLES:]))
        self._append(self._spectrogram.push(got.samples))

    # ---- drawing ----------------------------------------------------------------------------
    def _append(self, columns: np.ndarray) -> None:
        n = len(columns)
        if n == 0:
            return
        image = self._image
        if n >= image.shape[1]:
            image[:] = columns[-image.shape[1]:].T
        else:
            # In place, so the array stays C-contiguous and no frame allocates an image.
            image[:, :-n] = image[:, n:]
            image[:, -n:] = columns.T
        self._image_item.setImage(image, autoLevels=False)

    def _reset_image(self) -> None:
        rows = self._spectrogram.n_rows
        self._image = np.full((rows, self._columns), self._view.options.floor_db, np.float32)
        self._image_item.setImage(self._image, autoLevels=False)
        self._image_item.setRect(QRectF(-SPAN_SECONDS, 0.0, SPAN_SECONDS, float(rows)))
        item = self._plot.getPlotItem()
        item.setXRange(-SPAN_SECONDS, 0.0, padding=0)
        item.setYRange(0.0, float(rows), padding=0)
        item.getAxis("left").setTicks([frequency_ticks(self._view), []])
        self._plot.setToolTip(self._view.tooltip)
        self._no_audio.setPos(-SPAN_SECONDS / 2, rows / 2)

    def _align_meter(self) -> None:
        # Line the meter's bar up with the picture, so 0 dB sits level with the top row.
        box = self._plot.mapFromScene(self._plot.getPlotItem().vb.sceneBoundingRect())
        rect = box.boundingRect()
        self._meter.set_bar_margins(int(rect.top()), int(self._plot.height() - rect.bottom()))

    # ---- Qt overrides: draw only while visible ------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._timer.stop()
        super().hideEvent(event)
