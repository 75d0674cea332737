"""A "press to record a chord" field: the user presses the hotkey they want, the field shows it.

Qt's key events are turned into the names ``desktop.chord`` uses (pynput's), and the result is
formatted by ``desktop.chord.format_chord``, so whatever the field shows, the hotkey listener
parses back to the same chord. While only modifiers are held the field previews them
("Ctrl+Alt+…"); Esc or focus loss without a full chord keeps the previous one.

Threads: GUI thread.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from desktop.chord import Chord, Modifier, format_chord, parse_chord

_QT_MODIFIERS = (
    (Qt.KeyboardModifier.ControlModifier, Modifier.CTRL),
    (Qt.KeyboardModifier.AltModifier, Modifier.ALT),
    (Qt.KeyboardModifier.ShiftModifier, Modifier.SHIFT),
    (Qt.KeyboardModifier.MetaModifier, Modifier.SUPER),  # X11's Super arrives as Meta
)
# The modifier a modifier key itself stands for: whether the event's flags already include the
# key being pressed differs between platforms (and QTest), so it is added explicitly.
_MODIFIER_KEYS = {Qt.Key.Key_Control: Modifier.CTRL, Qt.Key.Key_Alt: Modifier.ALT,
                  Qt.Key.Key_Shift: Modifier.SHIFT, Qt.Key.Key_Meta: Modifier.SUPER,
                  Qt.Key.Key_Super_L: Modifier.SUPER, Qt.Key.Key_Super_R: Modifier.SUPER,
                  Qt.Key.Key_AltGr: None, Qt.Key.Key_Hyper_L: None, Qt.Key.Key_Hyper_R: None}
_NAMED = {
    Qt.Key.Key_Space: "space", Qt.Key.Key_Return: "enter", Qt.Key.Key_Enter: "enter",
    Qt.Key.Key_Tab: "tab", Qt.Key.Key_Backspace: "backspace", Qt.Key.Key_Delete: "delete",
    Qt.Key.Key_Insert: "insert", Qt.Key.Key_Home: "home", Qt.Key.Key_End: "end",
    Qt.Key.Key_PageUp: "page_up", Qt.Key.Key_PageDown: "page_down", Qt.Key.Key_Up: "up",
    Qt.Key.Key_Down: "down", Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right",
    Qt.Key.Key_Pause: "pause", Qt.Key.Key_Print: "print_screen", Qt.Key.Key_Menu: "menu",
    Qt.Key.Key_ScrollLock: "scroll_lock",
}


def modifiers_from_qt(flags: Qt.KeyboardModifier) -> frozenset[Modifier]:
    """The chord modifiers held in a Qt key event."""
    return frozenset(mod for flag, mod in _QT_MODIFIERS if flags & flag)


def key_name_from_qt(key: int) -> str | None:
    """pynput's name for a Qt key (``"space"``, ``"f9"``, ``"k"``), None for keys a chord
    cannot use (modifiers, dead keys, media keys)."""
    key = Qt.Key(key)
    if key in _NAMED:
        return _NAMED[key]
    if Qt.Key.Key_F1.value <= key.value <= Qt.Key.Key_F24.value:
        return f"f{key.value - Qt.Key.Key_F1.value + 1}"
    if 0x21 <= key.value <= 0x7E:  # printable ASCII: Qt reports letters upper case
        return chr(key.value).lower()
    return None


class ChordEdit(QLineEdit):
    """Shows a chord; focus it and press keys to record a new one.

    Args:
        chord: The chord to start with, as ``format_chord`` writes it.
        parent: Parent widget.

    Signals:
        chord_changed(str): a new chord was recorded (formatted).
    """

    chord_changed = Signal(str)

    def __init__(self, chord: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)  # typing must not edit the text: every key is part of a chord
        self.setPlaceholderText("Press the keys…")
        self.setToolTip("Click here, then press the key combination you want, e.g. Ctrl+Alt+Space")
        self._chord = format_chord(parse_chord(chord))
        self.setText(self._chord)

    def chord(self) -> str:
        """The chord, formatted (``parse_chord`` reads it back)."""
        return self._chord

    def set_chord(self, chord: str) -> None:
        """Show ``chord`` without recording (raises ``ChordError`` when it does not parse)."""
        self._chord = format_chord(parse_chord(chord))
        self.setText(self._chord)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        modifiers = modifiers_from_qt(event.modifiers())
        if key == Qt.Key.Key_Escape and not modifiers:
            self.setText(self._chord)  # abandon the recording
            return
        if key in _MODIFIER_KEYS:
            held = modifiers | {_MODIFIER_KEYS[key]}
            shown = [m.value for m in Modifier if m in held]
            self.setText("+".join(shown) + "+…" if shown else "")
            return
        name = key_name_from_qt(key)
        if name is None:
            return
        self._chord = format_chord(Chord(modifiers, name))
        self.setText(self._chord)
        self.chord_changed.emit(self._chord)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in _MODIFIER_KEYS:
            self.setText(self._chord)  # a modifier let go without a key: show the chord again

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        self.setText(self._chord)
        super().focusOutEvent(event)
