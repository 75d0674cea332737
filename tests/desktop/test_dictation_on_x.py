"""The whole loop minus audio and engine: a real hotkey press (xdotool) drives the controller,
and the (fake) transcript is pasted into a real window, the clipboard restored.

Fake recorder and transcriber; real ``HotkeyListener``, ``HotkeyBridge``, ``Injector``.
"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # QObjects only in this process

import pytest  # noqa: E402

from app.controller import DictationController, HotkeyBridge  # noqa: E402
from app.state import State  # noqa: E402
from desktop.chord import DEFAULT_CHORD, TAP_MAX_S, parse_chord  # noqa: E402
from desktop.clipboard import Clipboard, read_clipboard  # noqa: E402
from desktop.hotkey import HotkeyListener  # noqa: E402
from desktop.inject import Injector  # noqa: E402
from desktop.xwindow import XDesktop  # noqa: E402

SPOKEN = "Grüße aus Köln, 中文 ok"


class Recorder:
    def __init__(self):
        self.calls = []

    def begin(self, from_index=None, pressed_at=None): self.calls.append("begin")
    def finish(self): self.calls.append("finish"); return b"audio"  # noqa: E702
    def abort(self): self.calls.append("abort")


class InstantTranscriber:
    controller = None

    def submit(self, job, audio):
        self.controller.transcribed(job, SPOKEN)


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def dictation(qtbot, selection_owner, recorder):
    transcriber = InstantTranscriber()
    chord = parse_chord(DEFAULT_CHORD)
    controller = DictationController(recorder, transcriber,
                                     Injector(Clipboard(selection_owner), XDesktop()), chord)
    transcriber.controller = controller
    bridge = HotkeyBridge()
    bridge.key_event.connect(controller.on_key)
    listener = HotkeyListener(chord, bridge)
    assert listener.start().ok
    yield controller
    listener.stop()
    controller.close()


def test_hold_hotkey_release_text_lands_clipboard_restored(dictation, rich_clipboard, open_target,
                                                           xdotool, qtbot):
    before = read_clipboard()
    target = open_target()
    xdotool("keydown", "ctrl+alt+space")
    qtbot.waitUntil(lambda: dictation.state is State.RECORDING, timeout=5000)
    # Hold longer than a tap: here the duration itself is what is being tested.
    qtbot.wait(int(TAP_MAX_S * 1000) + 100)
    with qtbot.waitSignal(dictation.dictation_finished, timeout=10000) as done:
        xdotool("keyup", "ctrl+alt+space")
    assert done.args[1].inserted, done.args[1]
    target.wait_text(SPOKEN)
    qtbot.waitUntil(lambda: dictation.state is State.IDLE, timeout=5000)
    assert read_clipboard().formats == before.formats


@pytest.mark.parametrize("gesture", ["hold", "tap"])
def test_esc_cancels_recording_nothing_is_inserted(dictation, recorder, open_target, xdotool,
                                                  qtbot, gesture):
    target = open_target()
    finished = []
    dictation.dictation_finished.connect(lambda *args: finished.append(args))
    if gesture == "hold":
        xdotool("keydown", "ctrl+alt+space")
    else:
        xdotool("key", "ctrl+alt+space")  # a tap: toggle mode, the chord is up again
    qtbot.waitUntil(lambda: dictation.state is State.RECORDING, timeout=5000)
    xdotool("key", "Escape")
    qtbot.waitUntil(lambda: dictation.state is State.IDLE, timeout=5000)
    if gesture == "hold":
        xdotool("keyup", "ctrl+alt+space")  # letting go afterwards finishes nothing
    assert recorder.calls == ["begin", "abort"]
    # The chord again starts a fresh dictation: the gesture is not stuck after the cancel.
    xdotool("keydown", "ctrl+alt+space")
    qtbot.waitUntil(lambda: dictation.state is State.RECORDING, timeout=5000)
    xdotool("key", "Escape")
    xdotool("keyup", "ctrl+alt+space")
    qtbot.waitUntil(lambda: recorder.calls.count("abort") == 2, timeout=5000)
    assert dictation.state is State.IDLE and finished == []
    assert target.text() == ""
