"""The settings dialog round-trips a Settings, records chords from key presses, keeps unknowns."""
from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt

from app.retention import KeepAudio
from app.settings import Gesture, Settings
from desktop.chord import parse_chord
from desktop.inject import InsertMode
from ui.chord_edit import ChordEdit, key_name_from_qt, modifiers_from_qt
from ui.settings_dialog import SYSTEM_DEFAULT_DEVICE, SettingsDialog, language_name

MODELS = ["base", "small.en", "large-v3-turbo-q5_0"]
DEVICES = ["USB Microphone", "Built-in Audio Analog Stereo"]
CUSTOM = Settings(model="small.en", language="de", threads=3, hotkey="Super+F9",
                  gesture=Gesture.TAP, input_device="USB Microphone",
                  insert_mode=InsertMode.TYPE, preroll_ms=450, keep_microphone_open=True,
                  sound_on_start=False, sound_on_stop=True, start_at_login=True,
                  history_days=30, replacements=(("full stop", "."),),
                  keep_audio=KeepAudio.DAYS, keep_audio_days=14)


def make(qtbot, settings: Settings, models=MODELS, devices=DEVICES) -> SettingsDialog:
    dialog = SettingsDialog(settings, models, devices)
    qtbot.addWidget(dialog)
    return dialog


@pytest.mark.parametrize("settings", [Settings(language="en"), CUSTOM], ids=["default", "custom"])
def test_round_trip(qtbot, settings):
    dialog = make(qtbot, settings)
    with qtbot.waitSignal(dialog.settings_accepted) as accepted:
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert accepted.args == [settings]
    assert dialog.settings() == settings


def test_edits_come_back_and_the_rest_is_kept(qtbot):
    dialog = make(qtbot, CUSTOM)
    dialog.model.setCurrentIndex(dialog.model.findData("large-v3-turbo-q5_0"))
    dialog.language.setCurrentIndex(dialog.language.findData("auto"))
    dialog.gesture.setCurrentIndex(dialog.gesture.findData(Gesture.BOTH))
    dialog.input_device.setCurrentIndex(0)
    dialog.insert_mode.setCurrentIndex(dialog.insert_mode.findData(InsertMode.COPY))
    dialog.keep_microphone_open.setChecked(False)
    dialog.history_days.setValue(0)
    assert not dialog.preroll.isEnabled()  # no pre-roll with a closed microphone
    assert dialog.input_device.currentText() == SYSTEM_DEFAULT_DEVICE
    assert dialog.history_days.text() == "Forever"
    assert dialog.settings() == dataclasses.replace(
        CUSTOM, model="large-v3-turbo-q5_0", language="auto", gesture=Gesture.BOTH,
        input_device=None, insert_mode=InsertMode.COPY, keep_microphone_open=False,
        history_days=0)


def test_keep_audio_until_transcribed_or_for_days(qtbot):
    dialog = make(qtbot, Settings(language="en"))
    assert dialog.keep_audio.currentData() is KeepAudio.UNTIL_TRANSCRIBED  # the default
    assert not dialog.keep_audio_days.isEnabled()  # days only mean something for "days"
    dialog.keep_audio.setCurrentIndex(dialog.keep_audio.findData(KeepAudio.DAYS))
    assert dialog.keep_audio_days.isEnabled()
    dialog.keep_audio_days.setValue(3)
    assert dialog.settings().retention().days == 3
    assert dialog.settings().keep_audio is KeepAudio.DAYS


def test_cancel_sends_nothing(qtbot):
    dialog = make(qtbot, CUSTOM)
    dialog.threads.setValue(9)
    with qtbot.assertNotEmitted(dialog.settings_accepted):
        dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()


def test_a_model_or_device_that_went_away_stays_selected_and_marked(qtbot):
    settings = dataclasses.replace(CUSTOM, model="/models/my-finetune.bin",
                                   input_device="Headset (unplugged)")
    dialog = make(qtbot, settings, devices=["USB Microphone"])
    assert dialog.model.currentText() == "/models/my-finetune.bin (not installed)"
    assert dialog.input_device.currentText() == "Headset (unplugged) (not connected)"
    assert dialog.settings() == settings


def test_no_models_installed(qtbot):
    dialog = make(qtbot, Settings(model="base", language="en"), models=[], devices=[])
    assert dialog.model.count() == 1 and dialog.settings().model == "base"


@pytest.mark.parametrize("key, modifiers, chord", [
    (Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
     "Ctrl+Alt+Space"),
    (Qt.Key.Key_F9, Qt.KeyboardModifier.MetaModifier, "Super+F9"),
    (Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
     "Ctrl+Shift+D"),
    (Qt.Key.Key_Pause, Qt.KeyboardModifier.NoModifier, "Pause"),
])
def test_chord_edit_records_the_pressed_chord(qtbot, key, modifiers, chord):
    edit = ChordEdit("Ctrl+Alt+Space")
    qtbot.addWidget(edit)
    with qtbot.waitSignal(edit.chord_changed) as changed:
        qtbot.keyClick(edit, key, modifiers)
    assert changed.args == [chord] and edit.chord() == chord and edit.text() == chord
    assert str(parse_chord(edit.chord())) == chord  # what the hotkey listener will read


def test_chord_edit_previews_modifiers_and_esc_keeps_the_old_chord(qtbot):
    edit = ChordEdit("Ctrl+Alt+Space")
    qtbot.addWidget(edit)
    qtbot.keyPress(edit, Qt.Key.Key_Control, Qt.KeyboardModifier.ControlModifier)
    assert edit.text() == "Ctrl+…"
    qtbot.keyRelease(edit, Qt.Key.Key_Control)
    assert edit.text() == "Ctrl+Alt+Space"
    with qtbot.assertNotEmitted(edit.chord_changed):
        qtbot.keyClick(edit, Qt.Key.Key_Escape)
        qtbot.keyClick(edit, Qt.Key.Key_VolumeUp)  # not a key a chord can use
    assert edit.chord() == "Ctrl+Alt+Space"


def test_the_dialog_records_the_hotkey(qtbot):
    dialog = make(qtbot, CUSTOM)
    qtbot.keyClick(dialog.hotkey, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert dialog.settings().hotkey == "Alt+K"


def test_key_names():
    assert key_name_from_qt(Qt.Key.Key_F24) == "f24"
    assert key_name_from_qt(Qt.Key.Key_PageDown) == "page_down"
    assert key_name_from_qt(Qt.Key.Key_Shift) is None
    assert modifiers_from_qt(Qt.KeyboardModifier.NoModifier) == frozenset()


def test_language_names():
    assert language_name("de") == "German (de)"
    assert language_name("auto") == "Detect automatically"
