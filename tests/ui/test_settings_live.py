"""Settings applied live by ``main.wire_settings``: hotkey, gesture, insertion mode and sounds
reach the controller, the hotkey listener and the cues without a restart."""
from __future__ import annotations

import dataclasses

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

    # recorder / transcriber / inserter
    def begin(self): pass
    def finish(self): return "audio"
    def abort(self): pass
    def submit(self, job, audio): pass
    def remember_target(self): return None
    # capture / worker / models / listener
    def devices(self): return []
    def installed(self): return []
    def set_options(self, options): pass
    def set_chord(self, chord): self.chords.append(chord)


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
