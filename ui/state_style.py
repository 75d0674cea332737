"""How each dictation state looks: its label, colour and icon, in one place.

The tray icon, the window's status line and the record button all derive their look from the
state alone (never from which widget asked), so they can never disagree. Icons are the SVG files
under ``resources/icons``.

Threads: GUI thread (``QIcon`` needs a ``QGuiApplication``); ``style_for`` itself is pure.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PySide6.QtGui import QIcon

from app.state import State
from ui.theme import ICON_DIR, NEUTRAL

APP_ICON_FILE = ICON_DIR / "murmur.svg"


class Intent(enum.Enum):
    """What the record button and the tray's first menu entry ask the controller for."""

    TOGGLE = "toggle"  # start, or stop and transcribe
    CANCEL = "cancel"  # drop the dictation being transcribed


@dataclass(frozen=True)
class StateStyle:
    """The look of one state.

    Attributes:
        label: One or two words for the status line and the tray tooltip.
        colour: ``#rrggbb`` accent for the status dot and the record button.
        icon_file: The SVG shown in the tray and next to the status.
        action: What the record button / tray entry does in this state ("" when it is
            disabled, e.g. while a transcript is being inserted).
        action_colour: The record button's colour: indigo to start, red to stop, grey to
            cancel.
        intent: What that action asks for; None when there is no action.
    """

    label: str
    colour: str
    icon_file: Path
    action: str
    action_colour: str
    intent: Intent | None


# The icons' fill colours (resources/icons/*.svg), so the window matches the tray.
SLATE, RED, INDIGO, ORANGE = "#56627A", "#E5484D", "#5B5BD6", "#E8590C"
_START = "#5B6BF0"  # the app icon's indigo: "go"
_STYLES: dict[State, StateStyle] = {
    State.IDLE: StateStyle("Ready", SLATE, ICON_DIR / "murmur-idle.svg",
                           "Start dictation", _START, Intent.TOGGLE),
    State.RECORDING: StateStyle("Recording", RED, ICON_DIR / "murmur-recording.svg",
                                "Stop dictation", RED, Intent.TOGGLE),
    State.TRANSCRIBING: StateStyle("Transcribing…", INDIGO,
                                   ICON_DIR / "murmur-transcribing.svg", "Cancel", NEUTRAL,
                                   Intent.CANCEL),
    # Pasting takes a fraction of a second: same look as transcribing ("still busy"), and no
    # action, because the controller ignores a cancel while the clipboard is borrowed.
    State.PASTING: StateStyle("Inserting text…", INDIGO,
                              ICON_DIR / "murmur-transcribing.svg", "", NEUTRAL, None),
    State.ERROR: StateStyle("Error", ORANGE, ICON_DIR / "murmur-error.svg",
                            "Start dictation", _START, Intent.TOGGLE),
}


def style_for(state: State) -> StateStyle:
    """The look of ``state`` (pure, any thread)."""
    return _STYLES[state]


@lru_cache(maxsize=None)
def _icon(path: Path) -> QIcon:
    # QIcon parses the SVG lazily per size; caching the object keeps that work to once a size.
    return QIcon(str(path))


def icon_for(state: State) -> QIcon:
    """The icon of ``state`` (GUI thread)."""
    return _icon(style_for(state).icon_file)


def app_icon() -> QIcon:
    """Murmur's application icon (GUI thread)."""
    return _icon(APP_ICON_FILE)
