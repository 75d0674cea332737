"""Settings applied live by ``main.wire_settings``: hotkey, gesture, insertion mode and sounds
reach the controller, the hotkey listener and the cues without a restart."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

import main
from app.controller import DictationController
from app.cues import CueOptions, Cues
from app.settings import Gesture, Settings
from app.state import State
from app.text_shaper import TextShaper
from audio.ring_buffer import RingBuffer
from desktop.chord import DEFAULT_CHORD, KeyEvent, parse_chord
from desktop.inject import InjectOptions, InsertMode
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog


class Fakes(QObject):
    settings_requested = Signal()

    def __init__(self):
        super().__init__()
        self.chords = []
        self.devices_selected = []
        self.models_loaded = []

    # recorder / transcriber / inserter
    def begin(self, from_index=None, pressed_at=None): pass
    def finish(self): return "audio"
    def abort(self): pass
    def submit(self, job, audio): pass
    def remember_target(self): return None
    # capture / worker / models / listener
    def devices(self): return []
    def installed(self): return []
    def set_options(self, options): pass
    def set_chord(self, chord): self.chords.append(chord)
    def select_device(self, name): self.devices_selected.append(name)
    def resolve(self, name): return Path("/models") / f"ggml-{name}.bin"
    def load_model(self, path): self.models_loaded.append(path)


def test_dialog_ok_applies_hotkey_gesture_insert_mode_and_sounds(qtbot, tmp_path):
    fakes = Fakes()
    controller = DictationController(fakes, fakes, fakes, parse_chord(DEFAULT_CHORD))
    cues = Cues(CueOptions(), tmp_path, ())
    window = MainWindow(RingBuffer(16000))
    qtbot.addWidget(window)
    store = QSettings(str(tmp_path / "murmur.ini"), QSettings.Format.IniFormat)
    main.wire_settings(window, fakes, store, Settings(), fakes, fakes, fakes, TextShaper(),
                       controller, fakes, cues)
    window.settings_requested.emit()
    dialog = window.findChild(SettingsDialog)
    new = dataclasses.replace(dialog.settings(), hotkey="Ctrl+F9", gesture=Gesture.HOLD,
                              insert_mode=InsertMode.TYPE, sound_on_start=False)
    dialog.settings_accepted.emit(new)
    assert fakes.chords == [parse_chord("Ctrl+F9")]
    assert cues.options == CueOptions(on_start=False, on_stop=True)
    assert controller._inject_options == InjectOptions(InsertMode.TYPE)
    controller.on_key(KeyEvent("ctrl_l", True, 0.0))
    controller.on_key(KeyEvent("f9", True, 0.0))
    controller.on_key(KeyEvent("f9", False, 0.05))  # hold only: a short press finishes too
    assert controller.state is State.TRANSCRIBING
    controller.close()


def test_dialog_ok_saves_the_file_writes_the_autostart_entry_and_switches_device_and_model(
        qtbot, tmp_path):
    """The rest of the dialog's fields: saved to the settings file (read back by the same
    ``load_settings`` the next launch uses), start at login as an XDG autostart entry (this test's
    own XDG_CONFIG_HOME), the input device and the model switched at once."""
    from app.settings import autostart_path, load_settings

    fakes = Fakes()
    controller = DictationController(fakes, fakes, fakes, parse_chord(DEFAULT_CHORD))
    window = MainWindow(RingBuffer(16000))
    qtbot.addWidget(window)
    store = QSettings(str(tmp_path / "murmur.ini"), QSettings.Format.IniFormat)
    main.wire_settings(window, fakes, store, Settings(), fakes, fakes, fakes, TextShaper(),
                       controller, fakes, Cues(CueOptions(), tmp_path, ()))
    window.settings_requested.emit()
    dialog = window.findChild(SettingsDialog)
    new = dataclasses.replace(dialog.settings(), start_at_login=True, input_device="USB Mic",
                              model="small.en", language="de")
    dialog.settings_accepted.emit(new)
    store.sync()
    reread = QSettings(str(tmp_path / "murmur.ini"), QSettings.Format.IniFormat)
    assert load_settings(reread).settings == new
    assert "[Desktop Entry]" in autostart_path().read_text()
    assert fakes.devices_selected == ["USB Mic"]
    assert fakes.models_loaded == [Path("/models/ggml-small.en.bin")]
    dialog.settings_accepted.emit(dataclasses.replace(new, start_at_login=False))
    assert not autostart_path().exists()
    controller.close()
