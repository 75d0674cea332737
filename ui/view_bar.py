"""The live view's header: title, colour bar, its adjustable dB range, and the view selector.

Threads: GUI thread.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QButtonGroup, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QMenu, QPushButton, QToolButton, QWidget, QWidgetAction)

from ui.level_meter import ColourLegend
from ui.spectrogram_axes import SELECTOR, VIEW_BY_KIND, WAVEFORM_TOOLTIP, ViewKind

RANGE_LIMITS = (-140.0, 40.0)  # what the range editor accepts, in dB


class ViewBar(QWidget):
    """Title, colour legend, "Range" editor and one segment button per view.

    Args:
        lut: The colour map's 256-entry lookup table (for the legend).
        levels: The colour range shown first.
        kind: The view selected first.

    Signals:
        view_picked(ViewKind): the user clicked a view's button.
        levels_edited(float, float): the user changed the colour range (low, high dB).
    """

    view_picked = Signal(object)
    levels_edited = Signal(float, float)

    def __init__(self, lut: np.ndarray, levels: tuple[float, float], kind: ViewKind,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.legend = ColourLegend(lut, levels)
        self.buttons = QButtonGroup(self)
        self._by_kind: dict[ViewKind, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        title = QLabel("Microphone")
        title.setObjectName("sectionTitle")
        layout.addWidget(title)
        layout.addSpacing(12)
        layout.addStretch(1)
        layout.addWidget(self.legend)
        layout.addSpacing(6)
        self.range_button = self._range_editor(levels)
        layout.addWidget(self.range_button)
        layout.addSpacing(12)
        for view_kind, label in SELECTOR:
            button = QPushButton(label)
            button.setCheckable(True)
            button.setObjectName("segment")
            view = VIEW_BY_KIND.get(view_kind)
            button.setToolTip(view.tooltip if view else WAVEFORM_TOOLTIP)
            button.clicked.connect(lambda _=False, k=view_kind: self.view_picked.emit(k))
            self.buttons.addButton(button)
            self._by_kind[view_kind] = button
            layout.addWidget(button)
        self.show_view(kind, levels)

    def button_for(self, kind: ViewKind) -> QPushButton:
        """The selector's button of ``kind``."""
        return self._by_kind[kind]

    def show_view(self, kind: ViewKind, levels: tuple[float, float]) -> None:
        """Check ``kind``'s button; show its colour range (no colour bar for the waveform)."""
        self._by_kind[kind].setChecked(True)
        has_colour = kind is not ViewKind.WAVEFORM
        self.legend.setVisible(has_colour)
        self.range_button.setVisible(has_colour)
        self.legend.setToolTip(
            "Colour = Whisper's level in dB: 10 log10 of its mel power; its input value is "
            "(dB / 10 + 4) / 4" if kind is ViewKind.WHISPER else
            "Colour = level in dB relative to full scale (a log scale of amplitude)")
        self.set_levels(levels)

    def set_levels(self, levels: tuple[float, float]) -> None:
        """Show ``levels`` on the legend and in the editor, without emitting."""
        self.legend.set_levels(levels)
        for box, value in zip(self._boxes, levels):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)

    def _range_editor(self, levels: tuple[float, float]) -> QToolButton:
        button = QToolButton()
        button.setText("Range")
        button.setObjectName("small")
        button.setToolTip("The colour range in dB: the darkest and the brightest level")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        self._boxes = []
        for name, value in zip(("Darkest (dB)", "Brightest (dB)"), levels):
            box = QDoubleSpinBox()
            box.setRange(*RANGE_LIMITS)
            box.setDecimals(0)
            box.setSingleStep(5.0)
            box.setValue(value)
            box.valueChanged.connect(self._on_edited)
            form.addRow(name, box)
            self._boxes.append(box)
        action = QWidgetAction(menu)
        action.setDefaultWidget(form_widget)
        menu.addAction(action)
        button.setMenu(menu)
        return button

    def _on_edited(self) -> None:
        low, high = (box.value() for box in self._boxes)
        if high > low:
            self.levels_edited.emit(low, high)
