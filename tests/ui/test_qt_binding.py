"""The Qt binding itself must not corrupt reference counts in what the window does every frame.

PySide6 6.12.0 returns ``Signal.emit``'s ``True`` without a new reference. On Python 3.11, where
``True`` is an ordinary object, every emit therefore takes one reference from it; pyqtgraph emits
on every ``ImageItem.setImage``, so at 30 frames a second the process dies with "Fatal Python
error: bool_dealloc" after a few minutes (PySide6 6.11.3 is fine; Python 3.12+ has immortal
bools). This pins the binding: it fails on a broken one instead of the app crashing later.
"""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal


# References handed back to True when the binding took them (see the test).
_RETURNED: list[bool] = []


class _Emitter(QObject):
    fired = Signal()


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True is immortal from Python 3.12")
def test_emit_keeps_the_reference_count_of_true(qapp):
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(100):
        emitter.fired.emit()
    lost = before - sys.getrefcount(True)
    # Give the references back whatever the verdict, so a broken binding fails this test
    # rather than crashing the rest of the session.
    _RETURNED.extend([True] * max(0, lost))
    assert lost <= 0, (f"Signal.emit lost {lost} references to True in 100 emits: this "
                       "PySide6 build crashes the app (use PySide6 != 6.12.0)")
