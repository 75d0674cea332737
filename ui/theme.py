"""Murmur's look: one dark style sheet for the window and the settings dialog.

Dark, because the spectrogram is a dark picture and a bright frame around it would glare; the
accent is the app icon's indigo. The sheet is set on Murmur's own top-level widgets, never on
the ``QApplication``, so it cannot leak into anything else in the process.

Threads: GUI thread.
"""
from __future__ import annotations

from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
# Qt style sheets take URLs with forward slashes; the arrows and tick are drawn by us because a
# styled spin box or check box no longer draws the platform's.
_ARROW_UP = (ICON_DIR / "arrow-up.svg").as_posix()
_ARROW_DOWN = (ICON_DIR / "arrow-down.svg").as_posix()
_CHECK = (ICON_DIR / "check.svg").as_posix()

BACKGROUND = "#16181d"
PLOT_BACKGROUND = "#15171c"  # a shade darker than the window: the picture reads as a screen
TRACK = "#23262e"  # the level meter's empty bar
NEUTRAL = "#3a3f4b"  # axis lines; buttons whose action is neither "go" nor "stop"
BRIGHT = "#f5f5f7"
SURFACE = "#1e2128"
BORDER = "#2c303a"
TEXT = "#e6e8ec"
MUTED = "#9aa0ab"
ACCENT = "#6c7cff"
ERROR = "#ff8a4c"

STYLE_SHEET = f"""
QWidget {{ background: {BACKGROUND}; color: {TEXT}; }}
QToolTip {{ background: {SURFACE}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
QLabel {{ background: transparent; }}
QLabel#sectionTitle {{ color: {MUTED}; font-size: 9pt; font-weight: 600; }}
QLabel#stateLabel {{ font-size: 13pt; font-weight: 600; }}
QLabel#elapsed {{ font-size: 13pt; color: {MUTED}; }}
QLabel#notice {{ color: {MUTED}; }}
QLabel#notice[error="true"] {{ color: {ERROR}; }}
QLabel#transcript {{ font-size: 12pt; background: {SURFACE}; border: 1px solid {BORDER};
                     border-radius: 8px; padding: 10px 12px; }}
QLabel#transcript[placeholder="true"] {{ color: {MUTED}; font-style: italic; }}
QListWidget {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px;
               padding: 4px; outline: 0; }}
QListWidget::item {{ padding: 5px 6px; border-radius: 5px; }}
QListWidget::item:selected {{ background: #2d3350; color: {TEXT}; }}
QListWidget::item:hover:!selected {{ background: #252933; }}
QPushButton {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px;
               padding: 5px 12px; }}
QPushButton:hover {{ border-color: #454b59; background: #252933; }}
QPushButton:pressed {{ background: #2b303b; }}
QPushButton:disabled {{ color: #5c616c; border-color: #252831; }}
QPushButton:default {{ border-color: {ACCENT}; }}
QPushButton#small {{ padding: 3px 10px; font-size: 9pt; }}
QPushButton#segment {{ border-radius: 0; padding: 3px 12px; font-size: 9pt; margin-left: -1px; }}
QPushButton#segment:checked {{ background: #2d3350; border-color: {ACCENT}; color: #ffffff; }}
QPushButton#record {{ font-size: 11pt; font-weight: 600; padding: 8px 18px; border-radius: 8px;
                      color: #ffffff; border: none; }}
QComboBox, QLineEdit, QSpinBox {{ background: {SURFACE}; border: 1px solid {BORDER};
                                  border-radius: 6px; padding: 4px 8px; min-height: 20px; }}
QComboBox:focus, QLineEdit:focus, QSpinBox:focus {{ border-color: {ACCENT}; }}
QComboBox QAbstractItemView {{ background: {SURFACE}; border: 1px solid {BORDER};
                               selection-background-color: #2d3350; }}
QCheckBox {{ background: transparent; spacing: 8px; }}
QCheckBox::indicator {{ width: 14px; height: 14px; border: 1px solid #4a505d; border-radius: 4px;
                        background: {SURFACE}; }}
QCheckBox::indicator:hover {{ border-color: {ACCENT}; }}
QCheckBox::indicator:checked {{ background: {ACCENT}; border-color: {ACCENT};
                                image: url({_CHECK}); }}
QCheckBox:disabled {{ color: #5c616c; }}
QSpinBox {{ padding: 4px 22px 4px 8px; }}
QSpinBox:disabled {{ color: #5c616c; }}
QSpinBox::up-button, QSpinBox::down-button {{ width: 20px; border: none; background: transparent; }}
QSpinBox::up-arrow {{ image: url({_ARROW_UP}); width: 10px; height: 6px; }}
QSpinBox::down-arrow {{ image: url({_ARROW_DOWN}); width: 10px; height: 6px; }}
QComboBox::drop-down {{ border: none; width: 24px; }}
QComboBox::down-arrow {{ image: url({_ARROW_DOWN}); width: 10px; height: 6px; }}
QGroupBox {{ border: 1px solid {BORDER}; border-radius: 8px; margin-top: 14px;
             padding: 10px 8px 6px 8px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {MUTED}; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 2px; }}
QScrollBar::handle:vertical {{ background: #3a3f4b; border-radius: 3px; min-height: 24px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; }}
"""

# Murmur's look for the tool dialogs' progress bars and tables (the shared sheet has neither).
TOOL_SHEET = STYLE_SHEET + f"""
QProgressBar {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 4px;
                max-height: 8px; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 3px; }}
QTextBrowser, QTableWidget {{ background: {SURFACE}; border: 1px solid {BORDER};
                              border-radius: 8px; }}
QTableWidget::item {{ padding: 2px 6px; }}
QTableWidget::item:selected {{ background: #2d3350; color: #ffffff; }}
QHeaderView::section {{ background: {SURFACE}; color: {MUTED}; border: none;
                        border-bottom: 1px solid {BORDER}; padding: 4px 6px; }}
"""


def record_button_style(colour: str) -> str:
    """The record button's sheet in the colour of the state it is in."""
    return f"QPushButton#record {{ background: {colour}; }}" \
           f"QPushButton#record:disabled {{ background: #2b2e36; color: #6b707a; }}"
