"""Carry a call from any thread to the GUI thread.

A ``CallBridge`` is passed where a component on another thread wants a callback (the capture
worker's ``on_event``); calling it only emits ``delivered``, and Qt queues the emission to the
thread of whatever is connected. Nothing else is touched from the foreign thread.
``HotkeyBridge`` is the same for pynput's listener thread, with a signal named for what it
carries (``main.py`` imports it from ``app.controller``, whose ``on_key`` it feeds).
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.chord import KeyEvent


class CallBridge(QObject):
    """Callable from any thread; the argument arrives on the receivers' thread.

    Signals:
        delivered(object): the value the bridge was called with.
    """

    delivered = Signal(object)

    def __call__(self, value: object) -> None:
        self.delivered.emit(value)


class HotkeyBridge(QObject):
    """Carries key events from pynput's thread to the GUI thread.

    Pass the bridge itself as ``HotkeyListener``'s ``on_key``: calling it only emits.

    Signals:
        key_event(KeyEvent): a chord key or Esc went down or up.
    """

    key_event = Signal(object)

    def __call__(self, event: KeyEvent) -> None:
        self.key_event.emit(event)  # pynput thread: Qt queues it to the receiver's thread
