"""The live microphone view: a scrolling spectrogram or waveform and a level meter, on a GUI timer.

The audio path never pushes into the GUI. A ~30 Hz ``QTimer`` on the GUI thread asks a
``RingTap`` for the samples written since its last tick (only the newest ones if it fell
behind), turns them into new columns with ``audio.spectrogram.Spectrogram`` and shifts them into
a preallocated image. The timer runs only while the widget is visible: a hidden window costs
nothing, and on showing again the tap skips to the newest audio.

Drawing colours only the new columns (``ui/colour_image.py``: the picture keeps 32-bit pixels
and shifts them in place), so a frame is a few hundred colour lookups and one scaled blit. The
views and their analysis are listed in ``ui/spectrogram_axes.py``; the waveform is
``ui/waveform_view.py``.

Threads: GUI thread only. The ring is written by the capture worker; reading it needs no lock
(see ``audio/ring_buffer.py``).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QTimer, Signal
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QVBoxLayout, QWidget

from audio.ring_buffer import RingBuffer
from audio.spectrogram import FrequencyAxis
from ui.colour_image import ColourImage, scroll_left
from ui.level_meter import SILENT, LevelMeter, signal_levels
from ui.pyqtgraph_import import import_pyqtgraph
from ui.ring_tap import RingTap
from ui.spectrogram_axes import (DBFS_LEVELS, VIEW_BY_AXIS, VIEW_BY_KIND, WAVEFORM_TOOLTIP,
                                 AxisView, ViewKind, frequency_ticks, whisper_clamp)
from ui.theme import MUTED, NEUTRAL, PLOT_BACKGROUND
from ui.view_bar import ViewBar
from ui.waveform_view import AMPLITUDE_TICKS, WaveformTrace

pg = import_pyqtgraph()  # not `import pyqtgraph`: see ui/pyqtgraph_import.py

FRAME_INTERVAL_MS = 33  # ~30 frames a second: smooth to the eye, ~1 % of a core
SPAN_SECONDS = 6.0  # history shown: long enough to see a whole sentence scroll by
DISPLAY_LEVELS = DBFS_LEVELS  # the spectrograms' colour range (ui/spectrogram_axes.py)
COLOUR_MAP = "magma"  # perceptually uniform, dark for quiet: reads like ink on a dark plot
LEVEL_WINDOW_SAMPLES = 800  # the meter measures the newest 50 ms at 16 kHz
# After this many frames (~1 s) without a single new sample, say so on the picture: a black
# spectrogram alone does not tell "silence" from "no microphone".
NO_AUDIO_FRAMES = 30
NO_AUDIO_TEXT = "No audio from the microphone"


class SpectrogramView(QWidget):
    """Scrolling spectrogram or waveform of a ring buffer, a view selector and a level meter.

    Args:
        ring: The 16 kHz ring to show (``Capture.ring``); None shows silence until
            ``set_ring``.
        axis: The frequency axis to start with.
        parent: Parent widget.

    Signals:
        axis_changed(FrequencyAxis): the user picked a linear, log or mel spectrogram.
        view_changed(ViewKind): the user picked any view (to remember it).
        live_changed(bool): the view started (True) or stopped (False) drawing the ring: the
            capture needs to fill it promptly only while someone looks (``Capture.set_live``).
    """

    axis_changed = Signal(object)
    view_changed = Signal(object)
    live_changed = Signal(bool)

    def __init__(self, ring: RingBuffer | None = None, axis: FrequencyAxis = FrequencyAxis.MEL,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = VIEW_BY_AXIS[axis]
        self._kind = self._view.kind
        self._levels = {view.kind: view.levels for view in VIEW_BY_KIND.values()}
        self._spectrogram = self._view.analyzer()
        self._columns = int(round(SPAN_SECONDS * self._view.options.sample_rate
                                  / self._view.options.hop_samples))
        self._image = np.empty(0, np.float32)
        self._clamped = np.empty(0, np.float32)  # Whisper's clamp of the image, drawn instead
        self._tap: RingTap | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_INTERVAL_MS)
        self._timer.timeout.connect(self.refresh)
        self._minimised = False
        self._held = False  # the dictation's words are being finished (``hold_still``)
        self._shown = False  # between a show and a hide event (spontaneous ones included)
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
            # Its ticks reach into the picture, so every frame repainted the axis and its
            # text; it changes only with the view, and a cached pixmap is one blit.
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        item.getAxis("left").setWidth(46)
        # Whole seconds labelled, half seconds as unlabelled minor ticks: "-5.5" is clutter.
        whole = range(-int(SPAN_SECONDS), 1)
        item.getAxis("bottom").setTicks([[(float(s), str(s)) for s in whole],
                                         [(s - 0.5, "") for s in whole]])
        item.vb.sigResized.connect(self._align_meter)
        lut = pg.colormap.get(COLOUR_MAP).getLookupTable(nPts=256)
        self._picture = ColourImage(self._spectrogram.n_rows, self._columns, lut,
                                    self._view.levels)
        item.addItem(self._picture)
        self._trace = WaveformTrace(item, SPAN_SECONDS, self._view.options.hop_samples,
                                    self._view.options.sample_rate)
        self._no_audio = pg.TextItem(NO_AUDIO_TEXT, color=MUTED, anchor=(0.5, 0.5))
        self._no_audio.setVisible(False)
        item.addItem(self._no_audio)
        self._empty_frames = 0

        self._meter = LevelMeter()
        self.bar = ViewBar(lut, self._view.levels, self._kind)
        self.legend = self.bar.legend
        self._buttons = self.bar.buttons
        self.bar.view_picked.connect(lambda kind: self.set_view(kind, by_user=True))
        self.bar.levels_edited.connect(self.set_display_levels)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self._plot, 1)
        row.addWidget(self._meter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addLayout(row, 1)

    # ---- public -----------------------------------------------------------------------------
    @property
    def axis(self) -> FrequencyAxis:
        """The frequency axis on show."""
        return self._view.axis

    @property
    def view(self) -> AxisView:
        """The spectrogram view on show, or the last one before the waveform."""
        return self._view

    @property
    def kind(self) -> ViewKind:
        """What is on show."""
        return self._kind

    @property
    def waveform(self) -> WaveformTrace:
        """The waveform's columns (updated only while it is on show)."""
        return self._trace

    @property
    def picture(self) -> ColourImage:
        """The spectrogram's coloured picture on the plot."""
        return self._picture

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
        """The image on show: ``(rows, columns)`` dB, row 0 lowest frequency, newest last
        (the Whisper view: before its 80 dB clamp)."""
        return self._image

    def set_minimised(self, minimised: bool) -> None:
        """The window was minimised (no drawing: Qt still calls it visible) or restored."""
        self._minimised = minimised
        self._update_timer()

    def hold_still(self, held: bool) -> None:
        """Stop drawing while the last words of a dictation are transcribed and pasted (True),
        and go on (False). Those fractions of a second are what the user waits for, and on 2 cores
        every frame drawn then is taken from whisper.cpp (a 40 s dictation's last decode, 0.6 s:
        the GUI thread drew every 32 ms, ~12 % of a core). On going on, the first frame draws
        the audio of the pause at once (the tap keeps a whole picture's worth), so the picture
        has no gap."""
        self._held = held
        self._update_timer()

    def set_display_levels(self, low_db: float, high_db: float) -> None:
        """Map ``low_db`` to the darkest colour and ``high_db`` to the brightest (fixed), for the
        view on show (each view keeps its own range)."""
        self._levels[self._kind] = (low_db, high_db)
        self._picture.set_levels((low_db, high_db))
        self._draw_image()
        self.bar.set_levels((low_db, high_db))

    def set_ring(self, ring: RingBuffer | None) -> None:
        """Show another ring (the capture was rebuilt), or none (silence)."""
        max_backlog = self._columns * self._view.options.hop_samples
        self._tap = None if ring is None else RingTap(ring, max_backlog)
        self._spectrogram.reset()
        self._reset_image()

    def set_axis(self, axis: FrequencyAxis, by_user: bool = False) -> None:
        """Show the linear, log or mel spectrogram (the last ``SPAN_SECONDS`` redrawn at once)."""
        self.set_view(VIEW_BY_AXIS[axis].kind, by_user)

    def set_view(self, kind: ViewKind, by_user: bool = False) -> None:
        """Show another view; the last ``SPAN_SECONDS`` are redrawn at once."""
        self.bar.show_view(kind, self._levels.get(kind, DBFS_LEVELS))
        if kind is self._kind:
            return
        self._kind = kind
        if kind is not ViewKind.WAVEFORM:
            self._view = VIEW_BY_KIND[kind]
            self._spectrogram = self._view.analyzer()
            self._picture.set_levels(self._levels[kind])
        self._reset_image()
        if self._tap is not None:
            self._tap.restart()  # recompute the visible history in the new view
        self.refresh()
        if by_user:
            self.view_changed.emit(kind)
            if kind in (ViewKind.LINEAR, ViewKind.LOG, ViewKind.MEL):
                self.axis_changed.emit(self._view.axis)

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
            self._trace.reset()
            self._image.fill(self._view.floor_db)
            self._draw_image()
        if len(got.samples) == 0:
            self._meter.set_levels(SILENT)
            return
        self._meter.set_levels(signal_levels(got.samples[-LEVEL_WINDOW_SAMPLES:]))
        if self._kind is ViewKind.WAVEFORM:
            self._trace.push(got.samples)
        else:
            self._append(self._spectrogram.push(got.samples))

    # ---- drawing ----------------------------------------------------------------------------
    def _append(self, columns: np.ndarray) -> None:
        if len(columns) == 0:
            return
        scroll_left(self._image, columns.T)
        if self._kind is ViewKind.WHISPER:
            self._draw_image()  # the clamp follows the loudest value on show: recolour it all
        else:
            self._picture.scroll_in(columns)

    def _draw_image(self) -> None:
        if self._kind is ViewKind.WHISPER:
            # Whisper keeps 80 dB below its loudest value; the stored columns stay unclamped so
            # that quiet audio reappears once a loud moment scrolls away.
            self._picture.set_values(whisper_clamp(self._image, self._clamped))
        else:
            self._picture.set_values(self._image)

    def _reset_image(self) -> None:
        waveform = self._kind is ViewKind.WAVEFORM
        rows = self._spectrogram.n_rows
        self._image = np.full((rows, self._columns), self._view.floor_db, np.float32)
        self._clamped = np.empty_like(self._image)
        if self._picture.pixels.shape != self._image.shape:
            self._picture.resize(rows, self._columns)
        self._draw_image()
        self._picture.set_rect(QRectF(-SPAN_SECONDS, 0.0, SPAN_SECONDS, float(rows)))
        self._picture.setVisible(not waveform)
        self._trace.set_visible(waveform)
        self._trace.reset()
        self._spectrogram.reset()
        item = self._plot.getPlotItem()
        item.setXRange(-SPAN_SECONDS, 0.0, padding=0)
        low, high = (-1.0, 1.0) if waveform else (0.0, float(rows))
        item.setYRange(low, high, padding=0)
        left = item.getAxis("left")
        left.setTicks([AMPLITUDE_TICKS if waveform else frequency_ticks(self._view), []])
        left.setLabel("amplitude" if waveform else "frequency (Hz)", color=MUTED)
        self._plot.setToolTip(WAVEFORM_TOOLTIP if waveform else self._view.tooltip)
        self._no_audio.setPos(-SPAN_SECONDS / 2, (low + high) / 2)

    def _align_meter(self) -> None:
        # Line the meter's bar up with the picture, so 0 dB sits level with the top row.
        box = self._plot.mapFromScene(self._plot.getPlotItem().vb.sceneBoundingRect())
        rect = box.boundingRect()
        self._meter.set_bar_margins(int(rect.top()), int(self._plot.height() - rect.bottom()))

    # ---- Qt overrides: draw only while visible ------------------------------------------------
    def _update_timer(self) -> None:
        # A stopped timer costs nothing: hidden, minimised or held still, the GUI thread sleeps,
        # and on drawing again the tap reads what came meanwhile (at most a picture's worth).
        live = self._shown and not self._minimised and not self._held
        if live == self._timer.isActive():
            return
        if live:
            self._timer.start()
        else:
            self._timer.stop()
        self.live_changed.emit(live)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._shown = True
        self._update_timer()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        self._shown = False
        self._update_timer()
