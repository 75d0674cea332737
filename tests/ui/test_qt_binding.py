"""The Qt binding must not corrupt reference counts in what the window does every frame.

PySide6 6.12.0 (cp310-abi3 wheel) returns ``None`` from every void method (``update``,
``setPen``, ``drawLine``, ...) and ``True`` from ``Signal.emit`` without a new reference. On
Python 3.11, where ``None`` and ``True`` are ordinary objects, each such call takes one reference
from them; the spectrogram makes hundreds of these calls a second, and the process dies with
"Fatal Python error: none_dealloc" / "bool_dealloc" within a minute (PySide6 6.11.3 is fine;
Python 3.12+ has immortal ``None``/``True``, which hides the bug). These tests fail on such a
binding instead of the app crashing later.
"""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

CALLS = 100
# References handed back when the binding took them, so a broken binding fails these tests
# rather than crashing the rest of the session.
_RETURNED: list[object] = []

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 12),
                                reason="None and True are immortal from Python 3.12")


class _Emitter(QObject):
    fired = Signal()


def _references_lost(obj: object, call) -> int:
    before = sys.getrefcount(obj)
    for _ in range(CALLS):
        call()
    lost = before - sys.getrefcount(obj)
    _RETURNED.extend([obj] * max(0, lost))
    return lost


def test_signal_emit_keeps_the_reference_count_of_true(qapp):
    emitter = _Emitter()
    lost = _references_lost(True, emitter.fired.emit)
    assert lost <= 0, (f"Signal.emit took {lost} references from True in {CALLS} calls: this "
                       "PySide6 build crashes the app (PySide6 6.12.0 on Python 3.11; use <6.12)")


def test_void_methods_keep_the_reference_count_of_none(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    lost = _references_lost(None, widget.update)
    assert lost <= 0, (f"QWidget.update took {lost} references from None in {CALLS} calls: "
                       "this PySide6 build crashes the app (PySide6 6.12.0 on Python 3.11; "
                       "use <6.12)")
