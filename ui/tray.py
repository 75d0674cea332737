"""The tray icon: shows the dictation state, offers start/stop, the window, settings and quit.

Its icon, tooltip and first menu entry derive from the state alone (``ui.state_style``). Where
no system tray exists (``QSystemTrayIcon.isSystemTrayAvailable()`` is false: a bare X server, a
Wayland compositor without StatusNotifier, Xvfb in tests) there is no icon at all; the menu is
still built, every method still works and does nothing visible, and ``available`` tells
``main.py`` to keep the window as the way in (closing it then quits).

Threads: GUI thread.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.state import State
from ui.state_style import Intent, icon_for, style_for
from ui.theme import STYLE_SHEET


class Tray(QObject):
    """Murmur's tray icon and its menu.

    Args:
        available: Whether a system tray exists; None asks Qt (tests force either answer).
        parent: Parent object.

    Signals:
        toggle_requested(): "Start dictation" / "Stop dictation" was chosen.
        cancel_requested(): "Cancel" was chosen while transcribing.
        show_window_requested(): "Show window", or the icon was clicked.
        settings_requested(): "Settings…" was chosen.
        quit_requested(): "Quit Murmur" was chosen.
    """

    toggle_requested = Signal()
    cancel_requested = Signal()
    show_window_requested = Signal()
    settings_requested = Signal()
    quit_requested = Signal()

    def __init__(self, available: bool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if available is None:
            available = QSystemTrayIcon.isSystemTrayAvailable()
        self._state = State.IDLE
        # A QMenu is a widget and cannot be a child of this QObject: the tray owns it by
        # reference, and it lives exactly as long as the tray.
        self.menu = QMenu()
        self.menu.setStyleSheet(STYLE_SHEET)
        self.record_action = QAction(self.menu)
        self.record_action.triggered.connect(self._on_record)
        self.show_action = QAction("Show window", self.menu)
        self.show_action.triggered.connect(self.show_window_requested)
        self.settings_action = QAction("Settings…", self.menu)
        self.settings_action.triggered.connect(self.settings_requested)
        self.quit_action = QAction("Quit Murmur", self.menu)
        self.quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(self.record_action)
        self.menu.addSeparator()
        self.menu.addAction(self.show_action)
        self.menu.addAction(self.settings_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)

        self._icon: QSystemTrayIcon | None = None
        if available:
            self._icon = QSystemTrayIcon(self)
            self._icon.setContextMenu(self.menu)
            self._icon.activated.connect(self._on_activated)
        self.set_state(State.IDLE)

    @property
    def available(self) -> bool:
        """Whether there is a tray icon (False: the window is the only way in)."""
        return self._icon is not None

    @property
    def tooltip(self) -> str:
        """What hovering the icon says."""
        return f"Murmur: {style_for(self._state).label}"

    def show(self) -> None:
        """Put the icon in the tray (no-op without a tray)."""
        if self._icon is not None:
            self._icon.show()

    def hide(self) -> None:
        """Take the icon out of the tray before quitting (no-op without a tray)."""
        if self._icon is not None:
            self._icon.hide()

    def set_state(self, state: State) -> None:
        """Show ``state`` (``DictationController.state_changed``)."""
        self._state = state
        style = style_for(state)
        self.record_action.setText(style.action or style.label)
        self.record_action.setEnabled(style.intent is not None)
        if self._icon is not None:
            self._icon.setIcon(icon_for(state))
            self._icon.setToolTip(self.tooltip)

    def show_message(self, title: str, text: str) -> None:
        """A desktop notification from the tray (no-op without a tray)."""
        if self._icon is not None and QSystemTrayIcon.supportsMessages():
            self._icon.showMessage(title, text, icon_for(self._state), 5000)

    def _on_record(self) -> None:
        intent = style_for(self._state).intent
        if intent is Intent.CANCEL:
            self.cancel_requested.emit()
        elif intent is Intent.TOGGLE:
            self.toggle_requested.emit()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # A left click opens the window; the right click shows the menu by itself.
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window_requested.emit()
