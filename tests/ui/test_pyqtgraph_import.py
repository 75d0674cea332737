"""pyqtgraph imported through ``ui.pyqtgraph_import``: fewer PySide6 classes made, same objects.

The counting cases run in fresh interpreters (Qt's offscreen platform, the real PySide6 and
pyqtgraph): what a process has made depends on what it imported before, and the pytest process
has imported pyqtgraph already. A PySide6 module holds a class in its ``__dict__`` once made.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import PySide6.QtCore
import PySide6.QtGui
import PySide6.QtWidgets
import pytest

from ui.pyqtgraph_import import import_pyqtgraph, lazy_mirror

ROOT = Path(__file__).resolve().parents[2]

_COUNT = r"""
import json, sys
from app.process_memory import import_qt
import_qt()
from PySide6 import QtCore, QtGui, QtWidgets
modules = (QtCore, QtGui, QtWidgets)
listed = sum(len(dir(m)) for m in modules)
if sys.argv[1] == "plain":
    import pyqtgraph as pg
else:
    from ui.pyqtgraph_import import import_pyqtgraph
    pg = import_pyqtgraph()
app = QtWidgets.QApplication([])
# What the window draws with: a plot with an image in it, shown and painted once.
view = pg.GraphicsLayoutWidget()
image = pg.ImageItem()
view.addPlot().addItem(image)
image.setImage(__import__("numpy").ones((40, 30), "float32"), levels=(0, 2))
view.show()
app.processEvents()
made = sum(1 for m in modules for name in dir(m) if name in m.__dict__)
lazy_mirror = "__getattr__" in vars(sys.modules["pyqtgraph.Qt.QtCore"])
json.dump({"listed": listed, "made": made, "lazy_mirror": lazy_mirror}, sys.stdout)
# Widgets still alive when the interpreter tears down can crash PySide6 on the way out (the
# app deletes its window before it quits): the counts are out, so skip the teardown.
sys.stdout.flush()
import os
os._exit(0)
"""


def count_made(how: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _COUNT, how], cwd=ROOT, capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_lazy_copies_make_a_fraction_of_the_classes_a_plain_import_makes():
    plain, lazy = count_made("plain"), count_made("lazy")
    # The opposite case: pyqtgraph's own copy loop makes nearly every class PySide6 lists.
    assert not plain["lazy_mirror"] and plain["made"] > 0.9 * plain["listed"], plain
    assert lazy["lazy_mirror"], lazy
    assert lazy["made"] < 0.5 * plain["made"], (lazy, plain)


def test_a_mirror_hands_out_pyside6s_own_objects_and_keeps_them():
    mirror = lazy_mirror("mirror_under_test.QtCore", PySide6.QtCore)
    assert "QTimer" not in vars(mirror)
    assert mirror.QTimer is PySide6.QtCore.QTimer
    assert vars(mirror)["QTimer"] is PySide6.QtCore.QTimer  # kept: looked up once
    assert mirror.Signal is PySide6.QtCore.Signal
    mirror.Patched = int  # pyqtgraph patches its copies; PySide6 must not see it
    assert not hasattr(PySide6.QtCore, "Patched")
    assert not hasattr(mirror, "NoSuchQtClass")
    with pytest.raises(AttributeError):
        mirror.NoSuchQtClass  # noqa: B018


def test_outside_the_copy_loop_hasattr_makes_and_keeps_the_object():
    mirror = lazy_mirror("mirror_under_test.QtGui", PySide6.QtGui)
    assert hasattr(mirror, "QColor")
    assert vars(mirror)["QColor"] is PySide6.QtGui.QColor


def test_pyqtgraphs_copies_are_the_lazy_ones_and_its_patches_are_in_them():
    pg = import_pyqtgraph()
    for short, real in (("QtCore", PySide6.QtCore), ("QtGui", PySide6.QtGui),
                        ("QtWidgets", PySide6.QtWidgets)):
        copy = getattr(pg.Qt, short)
        assert copy is sys.modules[f"pyqtgraph.Qt.{short}"]
        assert "__getattr__" in vars(copy)
        assert copy.__doc__ == real.__doc__
    # pyqtgraph's Qt 5 compatibility patches land in its copies
    assert pg.Qt.QtWidgets.QOpenGLWidget.__name__ == "QOpenGLWidget"
    assert pg.Qt.QtGui.QFileSystemModel is PySide6.QtWidgets.QFileSystemModel
    assert pg.Qt.QtWidgets.QGraphicsView is PySide6.QtWidgets.QGraphicsView


def test_an_image_drawn_through_pyqtgraph_reaches_the_pixels(qtbot):
    pg = import_pyqtgraph()
    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    view.resize(200, 150)
    view.setBackground("k")
    plot = view.addPlot()
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    image = pg.ImageItem(np.ones((20, 20), dtype=np.float32), levels=(0, 1))
    plot.addItem(image)
    view.show()
    qtbot.waitExposed(view)
    pixels = view.grab().toImage()
    centre = pixels.pixelColor(pixels.width() // 2, pixels.height() // 2)
    assert (centre.red(), centre.green(), centre.blue()) == (255, 255, 255)


_FAKE_PYQTGRAPH = r"""
import sys
sys.path.insert(0, sys.argv[1])
from ui.pyqtgraph_import import import_pyqtgraph
pg = import_pyqtgraph()
print(pg.Qt.QtCore.MARK)
"""


def test_a_pyqtgraph_whose_stubs_hold_code_is_imported_as_it_is(tmp_path):
    """If a later pyqtgraph puts code in its Qt copies, they are not replaced."""
    package = tmp_path / "pyqtgraph"
    (package / "Qt" / "QtCore").mkdir(parents=True)
    for short in ("QtGui", "QtWidgets"):
        (package / "Qt" / short).mkdir()
        (package / "Qt" / short / "__init__.py").write_text("")
    (package / "Qt" / "QtCore" / "__init__.py").write_text("MARK = 'own stub'\n")
    (package / "Qt" / "__init__.py").write_text("from . import QtCore, QtGui, QtWidgets\n")
    (package / "__init__.py").write_text("from . import Qt\n")
    done = subprocess.run([sys.executable, "-c", _FAKE_PYQTGRAPH, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "own stub"
