"""The settings dialog: edits a ``Settings`` and hands back a new one on OK.

The dialog is given everything it offers (installed model names, microphone names) and never
looks them up itself, so it cannot block on the engine or the audio device. It returns a new
frozen ``Settings`` (``dataclasses.replace`` of the one it was given, so fields it does not show,
such as word replacements, survive); ``main.py`` saves it and applies it.

A value the dialog cannot offer as a choice (a model that is no longer installed, a microphone
that is unplugged) stays selected and is marked, rather than silently replaced: the user decides.

Threads: GUI thread.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QGridLayout, QGroupBox, QHBoxLayout, QLabel, QSpinBox,
                               QVBoxLayout, QWidget)

from app.retention import KeepAudio
from app.settings import MAX_PREROLL_MS, Gesture, Settings
from desktop.inject import InsertMode
from engine.options import AUTO_LANGUAGE, WHISPER_LANGUAGES
from ui.chord_edit import ChordEdit
from ui.state_style import app_icon
from ui.theme import STYLE_SHEET

GESTURE_TEXT = {
    Gesture.BOTH: "Hold to talk, or tap to start and tap again to stop",
    Gesture.HOLD: "Hold to talk only",
    Gesture.TAP: "Tap to start, tap again to stop",
}
INSERT_MODE_TEXT = {
    InsertMode.PASTE: "Paste it (Ctrl+V, or Ctrl+Shift+V in terminals)",
    InsertMode.TYPE: "Type it (for apps that refuse paste)",
    InsertMode.COPY: "Only copy it to the clipboard",
}
KEEP_AUDIO_TEXT = {
    KeepAudio.UNTIL_TRANSCRIBED: "Until its text is in the history",
    KeepAudio.DAYS: "For a number of days, transcribed or not",
}
SYSTEM_DEFAULT_DEVICE = "System default"
MAX_THREADS = 64  # the settings file accepts 1..64
LABEL_WIDTH = 96


def language_name(code: str) -> str:
    """``"German (de)"``; Qt's locale tables name nearly all of Whisper's languages."""
    if code == AUTO_LANGUAGE:
        return "Detect automatically"
    language = QLocale(code).language()
    name = QLocale.languageToString(language) if language != QLocale.Language.C else ""
    return f"{name} ({code})" if name else code


def _combo(items: Sequence[tuple[str, object]], current: object) -> QComboBox:
    """A combo box of ``(text, value)`` with ``current`` selected (``value`` is item data)."""
    box = QComboBox()
    for text, value in items:
        box.addItem(text, value)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


class SettingsDialog(QDialog):
    """Edits a ``Settings``.

    Args:
        settings: The settings to start from.
        models: Names of the installed models (``[m.name for m in ModelStore().installed()]``).
        devices: Names of the input devices (``[d.name for d in capture.devices()]``).
        parent: Parent widget (the main window, so the dialog centres on it).

    Signals:
        settings_accepted(Settings): OK was pressed; the new settings.
    """

    settings_accepted = Signal(object)

    def __init__(self, settings: Settings, models: Sequence[str], devices: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Murmur settings")
        self.setWindowIcon(app_icon())
        self.setStyleSheet(STYLE_SHEET)
        self._original = settings

        model_names = list(models)
        model_items = [(name, name) for name in model_names]
        if settings.model not in model_names:
            model_items.insert(0, (f"{settings.model} (not installed)", settings.model))
        self.model = _combo(model_items, settings.model)
        languages = [AUTO_LANGUAGE] + sorted(WHISPER_LANGUAGES, key=language_name)
        self.language = _combo([(language_name(c), c) for c in languages], settings.language)
        self.threads = QSpinBox()
        self.threads.setRange(1, MAX_THREADS)
        self.threads.setValue(settings.threads)
        self.threads.setToolTip("CPU threads the model may use while transcribing")

        self.hotkey = ChordEdit(settings.hotkey)
        self.gesture = _combo([(t, g) for g, t in GESTURE_TEXT.items()], settings.gesture)

        device_items = [(SYSTEM_DEFAULT_DEVICE, None)] + [(d, d) for d in devices]
        if settings.input_device is not None and settings.input_device not in devices:
            device_items.append((f"{settings.input_device} (not connected)",
                                 settings.input_device))
        self.input_device = _combo(device_items, settings.input_device)
        self.keep_microphone_open = QCheckBox("Keep the microphone open between dictations")
        self.keep_microphone_open.setChecked(settings.keep_microphone_open)
        self.keep_microphone_open.setToolTip(
            "Needed for pre-roll. Closed, the microphone takes 1-2 s to start and first words "
            "can be lost.")
        self.preroll = QSpinBox()
        self.preroll.setRange(0, MAX_PREROLL_MS)
        self.preroll.setSingleStep(50)
        self.preroll.setSuffix(" ms")
        self.preroll.setValue(settings.preroll_ms)
        self.preroll.setToolTip("Audio from just before the hotkey press that is kept, so the "
                                "first syllable is not cut")
        self.keep_microphone_open.toggled.connect(self.preroll.setEnabled)
        self.preroll.setEnabled(settings.keep_microphone_open)

        self.insert_mode = _combo([(t, m) for m, t in INSERT_MODE_TEXT.items()],
                                  settings.insert_mode)
        self.sound_on_start = QCheckBox("When recording starts")
        self.sound_on_start.setChecked(settings.sound_on_start)
        self.sound_on_stop = QCheckBox("When recording stops")
        self.sound_on_stop.setChecked(settings.sound_on_stop)
        self.start_at_login = QCheckBox("Start Murmur when I log in")
        self.start_at_login.setChecked(settings.start_at_login)
        self.history_days = QSpinBox()
        self.history_days.setRange(0, 3650)
        self.history_days.setSpecialValueText("Forever")
        self.history_days.setSuffix(" days")
        self.history_days.setValue(min(settings.history_days, 3650))
        self.keep_audio = _combo([(t, k) for k, t in KEEP_AUDIO_TEXT.items()],
                                 settings.keep_audio)
        self.keep_audio.setToolTip("A dictation that could not be transcribed keeps its audio "
                                   "for a retry; this says how long audio stays on disk")
        self.keep_audio_days = QSpinBox()
        self.keep_audio_days.setRange(1, 3650)
        self.keep_audio_days.setSuffix(" days")
        self.keep_audio_days.setValue(settings.keep_audio_days)
        self.keep_audio.currentIndexChanged.connect(self._show_days)
        self._show_days()

        self._build()

    def _build(self) -> None:
        def group(title: str, rows: Sequence[tuple[str, QWidget]]) -> QGroupBox:
            box = QGroupBox(title)
            form = QFormLayout(box)
            for text, widget in rows:
                label = QLabel(text)
                label.setMinimumWidth(LABEL_WIDTH)  # one label column across all groups
                form.addRow(label, widget)
            return box

        sounds = QWidget()
        sounds_row = QGridLayout(sounds)
        sounds_row.setContentsMargins(0, 0, 0, 0)
        sounds_row.addWidget(self.sound_on_start, 0, 0)
        sounds_row.addWidget(self.sound_on_stop, 0, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(group("Transcription", [("Model", self.model),
                                                 ("Language", self.language),
                                                 ("CPU threads", self.threads)]))
        layout.addWidget(group("Hotkey", [("Keys", self.hotkey), ("Gesture", self.gesture)]))
        layout.addWidget(group("Microphone", [("Input", self.input_device),
                                              ("", self.keep_microphone_open),
                                              ("Pre-roll", self.preroll)]))
        keep_audio = QWidget()
        keep_audio_row = QHBoxLayout(keep_audio)
        keep_audio_row.setContentsMargins(0, 0, 0, 0)
        keep_audio_row.addWidget(self.keep_audio, 1)
        keep_audio_row.addWidget(self.keep_audio_days)
        layout.addWidget(group("Text", [("Insert by", self.insert_mode),
                                        ("Keep history", self.history_days),
                                        ("Keep audio", keep_audio)]))
        layout.addWidget(group("General", [("Play a sound", sounds),
                                           ("", self.start_at_login)]))
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def settings(self) -> Settings:
        """The settings as the dialog shows them now."""
        return dataclasses.replace(
            self._original,
            model=self.model.currentData(),
            language=self.language.currentData(),
            threads=self.threads.value(),
            hotkey=self.hotkey.chord(),
            gesture=self.gesture.currentData(),
            input_device=self.input_device.currentData(),
            insert_mode=self.insert_mode.currentData(),
            preroll_ms=self.preroll.value(),
            keep_microphone_open=self.keep_microphone_open.isChecked(),
            sound_on_start=self.sound_on_start.isChecked(),
            sound_on_stop=self.sound_on_stop.isChecked(),
            start_at_login=self.start_at_login.isChecked(),
            history_days=self.history_days.value(),
            keep_audio=self.keep_audio.currentData(),
            keep_audio_days=self.keep_audio_days.value(),
        )

    def _show_days(self) -> None:
        self.keep_audio_days.setEnabled(self.keep_audio.currentData() is KeepAudio.DAYS)

    def accept(self) -> None:
        """OK: emit ``settings_accepted`` with the new settings, then close."""
        self.settings_accepted.emit(self.settings())
        super().accept()
