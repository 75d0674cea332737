"""Carry a call from any thread to the GUI thread.

A ``CallBridge`` is passed where a component on another thread wants a callback (the capture
worker's ``on_event``); calling it only emits ``delivered``, and Qt queues the emission to the
thread of whatever is connected. Nothing else is touched from the foreign thread.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class CallBridge(QObject):
    """Callable from any thread; the argument arrives on the receivers' thread.

    Signals:
        delivered(object): the value the bridge was called with.
    """

    delivered = Signal(object)

    def __call__(self, value: object) -> None:
        self.delivered.emit(value)
