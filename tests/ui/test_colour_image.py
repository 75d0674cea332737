"""The spectrogram's picture: painted by Qt from its own pixels, as pyqtgraph's ImageItem would.

Real Qt painting (QPainter on a QImage, one picture pixel to one image pixel); no window needed.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from ui.colour_image import ColourImage, packed_colours
from ui.pyqtgraph_import import import_pyqtgraph

pg = import_pyqtgraph()
ROWS, COLUMNS = 80, 600
LEVELS = (-100.0, 0.0)


@pytest.fixture
def lut() -> np.ndarray:
    return pg.colormap.get("magma").getLookupTable(nPts=256)


def painted(item, rows: int = ROWS, columns: int = COLUMNS) -> np.ndarray:
    """What ``item.paint`` puts on a ``columns`` × ``rows`` canvas, as 0xAARRGGBB words."""
    canvas = QImage(columns, rows, QImage.Format.Format_RGB32)
    canvas.fill(0)
    painter = QPainter(canvas)
    item.paint(painter)
    painter.end()
    return np.frombuffer(canvas.constBits(), np.uint32).reshape(rows, columns).copy()


def decibels(seed: int, shape=(ROWS, COLUMNS)) -> np.ndarray:
    values = np.random.default_rng(seed).uniform(-130.0, 20.0, shape).astype(np.float32)
    values.flat[:4] = (LEVELS[0], LEVELS[1], -50.0, np.nextafter(np.float32(LEVELS[0]), 0))
    return values


def test_packed_colours_are_qt_rgb32_words():
    lut = np.array([[0, 0, 0], [255, 0, 0], [1, 2, 3]], np.uint8)
    assert [hex(word) for word in packed_colours(lut)] == ["0xff000000", "0xffff0000",
                                                           "0xff010203"]


def test_levels_pick_the_first_and_last_colour_at_and_beyond_the_range(qtbot, lut):
    item = ColourImage(2, 2, lut, LEVELS)
    words = packed_colours(lut)
    got = item.colour(np.array([-500.0, LEVELS[0], LEVELS[1], 30.0, -50.0]))
    assert list(got) == [words[0], words[0], words[-1], words[-1], words[128]]


def test_it_paints_what_pyqtgraphs_image_item_paints(qtbot, lut):
    values = decibels(1)
    ours = ColourImage(ROWS, COLUMNS, lut, LEVELS)
    ours.set_rect(QRectF(0, 0, COLUMNS, ROWS))
    ours.set_values(values)
    theirs = pg.ImageItem(axisOrder="row-major")
    theirs.setLookupTable(lut)
    theirs.setLevels(LEVELS)
    theirs.setImage(values, autoLevels=False)
    assert np.array_equal(painted(ours), painted(theirs))
    assert np.array_equal(painted(ours), ours.pixels)


def test_scrolled_columns_are_painted_without_a_copy_going_stale(qtbot, lut):
    item = ColourImage(ROWS, COLUMNS, lut, LEVELS)
    item.set_rect(QRectF(0, 0, COLUMNS, ROWS))
    whole = decibels(2)
    item.set_values(whole)
    for seed, n in ((3, 3), (4, 1), (5, 250)):
        columns = decibels(seed, (n, ROWS))
        item.scroll_in(columns)
        whole = np.concatenate([whole[:, n:], columns.T], axis=1)
        assert np.array_equal(painted(item), item.colour(whole))
    item.scroll_in(decibels(6, (COLUMNS + 5, ROWS)))  # more than fits: the newest only
    assert np.array_equal(painted(item), item.colour(decibels(6, (COLUMNS + 5, ROWS))[5:].T))


def test_a_new_shape_starts_blank_and_paints_at_its_rect(qtbot, lut):
    item = ColourImage(ROWS, COLUMNS, lut, LEVELS)
    item.set_values(decibels(7))
    item.resize(201, 50)
    assert item.pixels.shape == (201, 50)
    assert (item.pixels == packed_colours(lut)[0]).all()
    item.set_rect(QRectF(-6.0, 0.0, 6.0, 201.0))
    assert item.boundingRect() == QRectF(-6.0, 0.0, 6.0, 201.0)
    item.hide()
    item.show()  # still QGraphicsItem's (pyqtgraph calls it on its items)
    assert item.isVisible()
