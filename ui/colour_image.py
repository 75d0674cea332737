"""The spectrogram's picture: dB values coloured once, into pixels Qt can paint as they are.

pyqtgraph's ``ImageItem`` recolours the whole image on every ``setImage``: it rescales all
48,000 values to bytes, builds a 256-entry colour table in Python and hands Qt an 8-bit indexed
image, which Qt's raster engine then converts to 32-bit pixels (on its thread pool) before it
can scale it onto the screen. A scrolling spectrogram changes three columns a frame, so this
item keeps the coloured pixels themselves (``Format_RGB32``, the raster engine's own format),
colours only the new columns and shifts the rest in place; a frame is one scaled blit.

Threads: GUI thread.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage

from ui.pyqtgraph_import import import_pyqtgraph

pg = import_pyqtgraph()  # not `import pyqtgraph`: see ui/pyqtgraph_import.py

OPAQUE = np.uint32(0xFF000000)


def scroll_left(store: np.ndarray, newest: np.ndarray) -> None:
    """Shift ``store`` left along its last axis by ``newest``'s length and put ``newest`` on the
    right, in place: the array stays where it is (a QImage or a curve points at it, and no frame
    allocates a picture). Only the last ``store.shape[-1]`` of ``newest`` fit."""
    width, n = store.shape[-1], newest.shape[-1]
    if n >= width:
        store[...] = newest[..., n - width:]
    elif n:
        store[..., :-n] = store[..., n:]
        store[..., -n:] = newest


def packed_colours(lut: np.ndarray) -> np.ndarray:
    """A ``(n, 3)`` uint8 RGB lookup table as ``0xFFRRGGBB`` words (``QImage.Format_RGB32``)."""
    rgb = np.asarray(lut, np.uint32)[:, :3]
    return OPAQUE | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]


class ColourImage(pg.GraphicsObject):
    """A ``rows`` × ``columns`` picture of dB values under a colour map, scrolled from the right.

    Args:
        rows: Rows of the picture (row 0 is drawn lowest, like ``ImageItem`` on a plot).
        columns: Columns of the picture (the newest is the last).
        lut: ``(n, 3)`` uint8 colour table; ``levels[0]`` gets the first entry, ``levels[1]``
            and above the last.
        levels: ``(low, high)`` dB of the colour range.
    """

    def __init__(self, rows: int, columns: int, lut: np.ndarray,
                 levels: tuple[float, float]) -> None:
        super().__init__()
        self.lut = np.asarray(lut, np.uint8)
        self._colours = packed_colours(self.lut)
        self.levels = (float(levels[0]), float(levels[1]))
        self._rect = QRectF(0.0, 0.0, float(columns), float(rows))
        self._pixels = np.empty(0, np.uint32)
        self._qimage = QImage()
        self.resize(rows, columns)

    @property
    def pixels(self) -> np.ndarray:
        """The painted pixels, ``(rows, columns)`` ``0xFFRRGGBB`` words (the QImage's memory)."""
        return self._pixels

    def resize(self, rows: int, columns: int) -> None:
        """Start a new, blank picture of another shape (its pixels are the lowest colour)."""
        self.prepareGeometryChange()
        self._pixels = np.full((rows, columns), self._colours[0], np.uint32)
        # The QImage paints straight from this array: it must stay alive and C-contiguous,
        # and nothing here may call a non-const QImage method (that would detach a copy).
        self._qimage = QImage(self._pixels, columns, rows, columns * 4, QImage.Format.Format_RGB32)
        self.update()

    def set_rect(self, rect: QRectF) -> None:
        """Where the picture goes, in the plot's coordinates."""
        self.prepareGeometryChange()
        self._rect = QRectF(rect)
        self.update()

    def set_levels(self, levels: tuple[float, float]) -> None:
        """Another colour range; the caller recolours with ``set_values`` (it has the values)."""
        self.levels = (float(levels[0]), float(levels[1]))

    def colour(self, values: np.ndarray) -> np.ndarray:
        """The ``0xFFRRGGBB`` pixel of each dB value under the current levels."""
        low, high = self.levels
        steps = len(self._colours)
        scale = steps / (high - low) if high > low else 0.0
        index = np.clip((np.asarray(values, np.float32) - low) * scale, 0, steps - 1)
        return self._colours[index.astype(np.intp)]

    def set_values(self, values: np.ndarray) -> None:
        """Colour a whole ``(rows, columns)`` picture of dB values (not ``show``: that is
        QGraphicsItem's, which pyqtgraph may call)."""
        self._pixels[:] = self.colour(values)
        self.update()

    def scroll_in(self, columns: np.ndarray) -> None:
        """Shift the picture left by ``len(columns)`` and colour them in on the right.

        Args:
            columns: ``(n, rows)`` dB values, oldest first.
        """
        if len(columns):
            scroll_left(self._pixels, self.colour(columns[-self._pixels.shape[1]:].T))
            self.update()

    # ---- QGraphicsItem ----------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF(self._rect)

    def paint(self, painter, *args) -> None:
        painter.drawImage(self._rect, self._qimage)
