"""A bare system-tray manager on an X display, so that "close the window" hides Murmur to the tray.

Murmur hides its window on close only when ``QSystemTrayIcon.isSystemTrayAvailable()`` (else
closing quits, since the window would be the only way back). On X11 Qt decides that by looking
for the owner of the ``_NET_SYSTEM_TRAY_S<screen>`` selection (freedesktop System Tray
Specification). A private Xvfb has none, so ``bench/resources.py`` takes that selection here and
announces it with the spec's ``MANAGER`` client message. Icons that ask to dock are not embedded:
nobody looks at the bench's screen, and the app's behaviour does not depend on it.

``close_window`` then does what a window manager does when the user clicks the close button: it
sends the window ``WM_PROTOCOLS``/``WM_DELETE_WINDOW``, and Murmur's ``closeEvent`` decides.

Threads: the caller's. The display connection stays open (the selection lives as long as it).
"""
from __future__ import annotations

from Xlib import X, Xatom, display
from Xlib.protocol import event


class TrayHost:
    """Owns ``_NET_SYSTEM_TRAY_S0`` on ``display_name`` until ``close``.

    Args:
        display_name: The X display (``":5"``).
    """

    def __init__(self, display_name: str) -> None:
        self._display = display.Display(display_name)
        screen = self._display.screen()
        self._root = screen.root
        self._window = self._root.create_window(-10, -10, 1, 1, 0, screen.root_depth)
        selection = self._display.intern_atom("_NET_SYSTEM_TRAY_S0")
        self._window.set_selection_owner(selection, X.CurrentTime)
        self._display.sync()
        if self._display.get_selection_owner(selection) != self._window:
            raise RuntimeError(f"another tray already owns the selection on {display_name}")
        announce = event.ClientMessage(
            window=self._root, client_type=self._display.intern_atom("MANAGER"),
            data=(32, [X.CurrentTime, selection, self._window.id, 0, 0]))
        self._root.send_event(announce, event_mask=X.StructureNotifyMask)
        self._display.sync()

    def close_window(self, window_id: int) -> None:
        """Ask a top-level window to close, as a window manager's close button does."""
        protocols = self._display.intern_atom("WM_PROTOCOLS")
        delete = self._display.intern_atom("WM_DELETE_WINDOW")
        target = self._display.create_resource_object("window", window_id)
        message = event.ClientMessage(window=target, client_type=protocols,
                                      data=(32, [delete, X.CurrentTime, 0, 0, 0]))
        target.send_event(message, event_mask=X.NoEventMask)
        self._display.sync()

    def is_mapped(self, window_id: int) -> bool:
        """Whether the window is mapped (shown) on the display."""
        target = self._display.create_resource_object("window", window_id)
        return target.get_attributes().map_state != X.IsUnmapped

    def windows_named(self, name: str) -> list[int]:
        """Top-level windows (children of the root) whose ``WM_NAME`` is ``name``."""
        found = []
        for child in self._root.query_tree().children:
            title = child.get_full_property(Xatom.WM_NAME, X.AnyPropertyType)
            value = title.value if title else b""
            if (value.decode(errors="replace") if isinstance(value, bytes) else value) == name:
                found.append(child.id)
        return found

    def area(self, window_id: int) -> int:
        """The window's size in pixels (the tray icon's own window is tiny)."""
        geometry = self._display.create_resource_object("window", window_id).get_geometry()
        return geometry.width * geometry.height

    def close(self) -> None:
        self._window.destroy()
        self._display.close()
