"""The deferred start through the controller: a start while the last dictation is transcribed
or pasted is recorded from the press and begins when that one is done (``app.deferred_start``),
with fake recorder, transcriber and inserter (tests/app/controller_fakes.py; pytest-qt)."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # QObjects only; no display needed


from app.deferred_start import DEFERRED_CANCEL, DEFERRED_START, DEFERRED_STOP  # noqa: E402
from app.microphone_status import MICROPHONE_LOST, NO_MICROPHONE  # noqa: E402
from app.state import Deferred, State  # noqa: E402
from audio.capture_types import CaptureEvent, CaptureEventKind  # noqa: E402
from controller_fakes import TARGET, chord, lost  # noqa: E402
from desktop.chord import KeyEvent  # noqa: E402
from desktop.inject import InjectResult  # noqa: E402
from desktop.xwindow import WindowInfo  # noqa: E402


def test_start_while_transcribing_records_from_the_press_and_inserts_after_the_first(
        controller_parts, qtbot):
    """Tap to toggle: the press while busy is kept (its ring index), the dictation begins from
    there when the first is inserted, the next tap stops it; texts land in order."""
    controller, recorder, transcriber, inserter, states, notices = controller_parts
    chord(controller, True, 0.0)
    chord(controller, False, 0.05)
    chord(controller, True, 2.0)  # stop: the first dictation is transcribed
    chord(controller, False, 2.05)
    recorder.now = 7000
    chord(controller, True, 2.1)  # start while transcribing
    chord(controller, False, 2.15)
    assert controller.state is State.TRANSCRIBING and controller.deferred is Deferred.WAITING
    assert notices == [DEFERRED_START]
    assert recorder.calls == ["begin", "finish", "mark@7000"]
    assert recorder.pressed == [0.0, 2.1]  # the waiting start, too, is dated from its press
    inserter.gate.clear()  # the first paste takes a while: nothing may begin during it
    controller.transcribed(1, "First one.")
    assert controller.state is State.PASTING and recorder.count("begin@") == 0
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        inserter.gate.set()
    qtbot.waitUntil(lambda: controller.state is State.RECORDING)
    assert recorder.calls[-1] == "begin@7000"  # from the press, not from now
    assert controller.deferred is Deferred.NONE
    assert states == [State.RECORDING, State.TRANSCRIBING, State.PASTING, State.IDLE,
                      State.RECORDING]
    chord(controller, True, 5.0)  # the second tap stops it, as for any tapped dictation
    assert controller.state is State.TRANSCRIBING and recorder.calls[-1] == "finish"
    assert transcriber.jobs[-1] == (2, "audio2")
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(2, "second one.")
    qtbot.waitUntil(lambda: controller.state is State.IDLE)
    assert [text for text, _, _ in inserter.inserted] == ["First one.", " Second one."]


def test_hold_released_while_busy_is_finished_at_its_release_into_its_window(
        controller_parts, qtbot):
    """Hold-to-talk: pressed and released before the first is done; the deferred dictation ends
    at the release's ring index and goes to the window focused at that release."""
    controller, recorder, transcriber, inserter, states, notices = controller_parts
    controller.start()
    controller.stop()
    recorder.now = 100
    chord(controller, True, 1.0)
    recorder.now = 900
    there = WindowInfo(7, ("xterm", "XTerm"))
    inserter.remember_target = lambda: there
    chord(controller, False, 3.0)  # a long press: push-to-talk, released
    assert controller.deferred is Deferred.STOPPED
    assert notices == [DEFERRED_START, DEFERRED_STOP]
    inserter.remember_target = lambda: TARGET  # focus moves on: the text must not follow it
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(1, "first")
    qtbot.waitUntil(lambda: controller.state is State.TRANSCRIBING and len(transcriber.jobs) == 2)
    assert recorder.calls == ["begin", "finish", "mark@100", "begin@100", "finish@900"]
    assert states[-3:] == [State.IDLE, State.RECORDING, State.TRANSCRIBING]
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(2, "second")
    qtbot.waitUntil(lambda: controller.state is State.IDLE)
    assert [(text.strip().lower(), target) for text, target, _ in inserter.inserted] == [
        ("first", TARGET), ("second", there)]


def test_esc_cancels_a_deferred_start_and_nothing_begins(controller_parts, qtbot):
    controller, recorder, transcriber, inserter, states, notices = controller_parts
    controller.start()
    controller.stop()
    chord(controller, True, 1.0)
    controller.on_key(KeyEvent("esc", True, 1.5))
    assert controller.deferred is Deferred.NONE and notices == [DEFERRED_START, DEFERRED_CANCEL]
    assert controller.state is State.TRANSCRIBING  # the first dictation is not touched
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(1, "kept")
    qtbot.waitUntil(lambda: controller.state is State.IDLE)
    assert recorder.calls == ["begin", "finish", "mark@0", "unmark"]
    assert [text.strip().lower() for text, _, _ in inserter.inserted] == ["kept"]
    controller.on_key(KeyEvent("esc", False, 1.6))
    chord(controller, False, 2.0)
    chord(controller, True, 3.0)  # the hotkey works as before
    assert controller.state is State.RECORDING


def test_scripted_start_stop_cancel_while_busy(controller_parts, qtbot):
    """``main.py start/stop/toggle/cancel`` while busy drive the same deferred start."""
    controller, recorder, *_ = controller_parts
    controller.start()
    controller.stop()
    controller.start()
    controller.start()  # already waiting: nothing more
    assert recorder.count("mark") == 1 and controller.deferred is Deferred.WAITING
    controller.stop()
    assert controller.deferred is Deferred.STOPPED
    controller.toggle()  # taken up again, the same start: nothing dropped
    assert controller.deferred is Deferred.WAITING and recorder.count("mark") == 1
    controller.toggle()
    assert controller.deferred is Deferred.STOPPED
    controller.cancel()
    assert controller.deferred is Deferred.NONE and recorder.calls[-1] == "unmark"
    controller.cancel()  # nothing waits: now it cancels the transcription, as before
    assert controller.state is State.IDLE and recorder.count("begin") == 1


def test_a_deferred_start_begins_after_a_failed_paste_and_keeps_its_notice(controller_parts, qtbot):
    controller, recorder, _, inserter, states, notices = controller_parts
    gone = InjectResult(False, True, "The window closed; the text is on the clipboard instead.")
    inserter.result = gone
    controller.start()
    controller.stop()
    controller.toggle()
    controller.transcribed(1, "first")
    qtbot.waitUntil(lambda: controller.state is State.RECORDING)
    assert states[-2:] == [State.ERROR, State.RECORDING]
    assert notices[-1] == gone.message  # said again after RECORDING cleared the line
    assert recorder.calls[-1] == "begin@0"


def test_a_start_while_busy_without_a_microphone_is_refused_clearly(controller_parts):
    controller, recorder, *_, notices = controller_parts
    controller.start()
    controller.stop()
    controller.on_capture_event(CaptureEvent(CaptureEventKind.NO_DEVICE, "No microphone found."))
    controller.start()
    assert notices[-1] == NO_MICROPHONE.format(problem="No microphone found.")
    assert controller.deferred is Deferred.NONE and recorder.count("mark") == 0


def test_a_microphone_lost_while_a_start_waits_keeps_what_it_got(controller_parts, qtbot):
    controller, recorder, transcriber, _, _, notices = controller_parts
    controller.start()
    controller.stop()
    controller.toggle()
    controller.on_capture_event(lost())
    controller.transcribed(1, "first")
    qtbot.waitUntil(lambda: len(transcriber.jobs) == 2)
    assert recorder.calls[-2:] == ["begin@0", "finish"]  # transcribed, not dropped
    assert notices[-1] == MICROPHONE_LOST.format(problem=lost().message)


def test_fifty_taps_while_pasting_keep_one_deferred_start(controller_parts, qtbot):
    controller, recorder, transcriber, inserter, states, _ = controller_parts
    inserter.gate.clear()
    controller.start()
    controller.stop()
    controller.transcribed(1, "first")
    assert controller.state is State.PASTING
    for n in range(50):
        chord(controller, True, n / 50)
        chord(controller, False, n / 50 + 0.005)
        assert controller.deferred is (Deferred.WAITING if n % 2 == 0 else Deferred.STOPPED)
    assert recorder.count("mark") == 1 and recorder.count("unmark") == 0
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        inserter.gate.set()
    qtbot.waitUntil(lambda: len(transcriber.jobs) == 2)
    assert controller.state is State.TRANSCRIBING  # an even number of taps: it was stopped
    assert recorder.count("begin") == 2 and recorder.count("finish") == 2

