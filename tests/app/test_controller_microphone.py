"""The microphone as the controller sees it (``app.microphone_status``): a loss finishes the
dictation with what was said, a start without one is refused with the reason; fake recorder,
transcriber and inserter (tests/app/controller_fakes.py; pytest-qt)."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # QObjects only; no display needed


from app.microphone_status import MICROPHONE_LOST, NO_MICROPHONE  # noqa: E402
from app.state import State  # noqa: E402
from audio.capture_types import CaptureEvent, CaptureEventKind  # noqa: E402
from controller_fakes import TARGET, lost  # noqa: E402


def test_device_lost_while_recording_finishes_the_dictation_with_its_audio(controller_parts, qtbot):
    controller, recorder, transcriber, inserter, _, notices = controller_parts
    controller.start()
    controller.on_capture_event(lost())
    assert controller.state is State.TRANSCRIBING  # not dropped: what was said is transcribed
    assert recorder.calls == ["begin", "finish"] and transcriber.jobs == [(1, "audio1")]
    assert notices == [MICROPHONE_LOST.format(problem=lost().message)]
    assert controller.microphone_problem == lost().message
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(1, "said before the loss")
    assert inserter.inserted[0][:2] == ("said before the loss", TARGET)


def test_device_lost_with_nothing_said_says_why_nothing_was_heard(controller_parts):
    controller, *_, notices = controller_parts
    controller.start()
    controller.on_capture_event(lost())
    controller.transcribed(1, "")
    assert controller.state is State.IDLE
    assert "microphone went away" in notices[-1] and lost().message in notices[-1]


def test_start_without_a_microphone_is_refused_clearly_until_one_opens(controller_parts):
    controller, recorder, *_, notices = controller_parts
    controller.on_capture_event(CaptureEvent(CaptureEventKind.NO_DEVICE, "No microphone found."))
    assert notices == ["No microphone found."] and controller.state is State.IDLE
    controller.start()
    assert controller.state is State.ERROR
    assert notices[-1] == NO_MICROPHONE.format(problem="No microphone found.")
    assert recorder.calls == []
    controller.start()  # again, from ERROR: still refused, still said
    assert controller.state is State.ERROR and recorder.calls == []
    controller.on_capture_event(CaptureEvent(CaptureEventKind.OPENED, "Recording.", "USB", 16000))
    assert controller.microphone_problem is None
    controller.start()
    assert controller.state is State.RECORDING and recorder.calls == ["begin"]


def test_a_microphone_closed_on_purpose_is_not_a_problem(controller_parts):
    controller, *_ = controller_parts
    controller.on_capture_event(lost())
    controller.on_capture_event(CaptureEvent(CaptureEventKind.CLOSED, "Closed while idle."))
    controller.start()
    assert controller.state is State.RECORDING

