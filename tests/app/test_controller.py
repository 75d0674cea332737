"""The dictation controller's loop, failures and live settings, with fake recorder, transcriber
and inserter (tests/app/controller_fakes.py; pytest-qt). The deferred start, the microphone and
"Paste again" have test_controller_deferred_start.py, _microphone.py and _paste_again.py."""
from __future__ import annotations

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # QObjects only; no display needed

import pytest  # noqa: E402

from app.controller import (NOTHING_HEARD, TOO_LATE_TO_CANCEL,  # noqa: E402
                            DictationController, HotkeyBridge)
from app.settings import Gesture  # noqa: E402
from app.state import State  # noqa: E402
from controller_fakes import (CHORD_KEYS, TARGET, FakeInserter, FakeRecorder,  # noqa: E402
                              FakeTranscriber, chord)
from desktop.chord import DEFAULT_CHORD, TAP_MAX_S, KeyEvent, parse_chord  # noqa: E402
from desktop.inject import InjectOptions, InjectResult, InsertMode  # noqa: E402


def test_hold_to_talk_full_loop(controller_parts, qtbot):
    controller, recorder, transcriber, inserter, states, _ = controller_parts
    chord(controller, True, 0.0)
    assert controller.state is State.RECORDING
    chord(controller, False, 2.0)
    assert controller.state is State.TRANSCRIBING
    assert recorder.calls == ["begin", "finish"]
    assert transcriber.jobs == [(1, "audio1")]
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000) as done:
        controller.transcribed(1, "hello world")
    assert done.args == ["hello world", InjectResult(True, False)]
    qtbot.waitUntil(lambda: controller.state is State.IDLE)
    assert states == [State.RECORDING, State.TRANSCRIBING, State.PASTING, State.IDLE]
    text, target, thread = inserter.inserted[0]
    assert (text, target) == ("hello world", TARGET)
    assert thread != threading.current_thread().name  # never blocks the GUI thread


def test_a_start_dates_its_audio_from_the_key_press_not_from_when_it_was_handled(
        controller_parts):
    """The key event's own time goes to the recorder (``Capture.hold`` starts the pre-roll
    before it), so a GUI thread that got to the press late loses nothing; a start without a key
    (the record button, ``main.py start``) has none."""
    controller, recorder, *_ = controller_parts
    chord(controller, True, 12.5)
    assert recorder.calls == ["begin"] and recorder.pressed == [12.5]
    chord(controller, False, 14.0)
    controller.cancel()
    controller.start()
    assert recorder.pressed == [12.5, None]


def test_tap_starts_and_second_tap_finishes(controller_parts):
    controller, recorder, *_ = controller_parts
    chord(controller, True, 0.0)
    chord(controller, False, TAP_MAX_S / 2)
    assert controller.state is State.RECORDING
    chord(controller, True, 3.0)
    assert controller.state is State.TRANSCRIBING


def test_esc_cancels_recording(controller_parts):
    controller, recorder, transcriber, *_ = controller_parts
    chord(controller, True, 0.0)
    controller.on_key(KeyEvent("esc", True, 1.0))
    assert controller.state is State.IDLE
    assert recorder.calls == ["begin", "abort"]
    assert transcriber.jobs == []


def test_late_transcript_after_cancel_is_dropped(controller_parts):
    controller, _, transcriber, inserter, states, _ = controller_parts
    controller.toggle()
    controller.toggle()
    controller.cancel()
    controller.transcribed(1, "too late")
    assert controller.state is State.IDLE
    assert inserter.inserted == []
    controller.toggle()
    controller.toggle()
    controller.transcribed(1, "from the cancelled job")  # must not land in job 2's place
    assert controller.state is State.TRANSCRIBING
    assert transcriber.jobs[-1][0] != 1


def test_cancel_while_pasting_is_ignored_and_paste_completes(controller_parts, qtbot):
    controller, _, _, inserter, states, notices = controller_parts
    inserter.gate.clear()  # hold the paste in the worker
    controller.start()
    controller.stop()
    controller.transcribed(1, "words")
    assert controller.state is State.PASTING
    controller.cancel()
    assert controller.state is State.PASTING
    assert notices == [TOO_LATE_TO_CANCEL]
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        inserter.gate.set()
    qtbot.waitUntil(lambda: controller.state is State.IDLE)


def test_empty_transcript_goes_back_to_idle_and_says_so(controller_parts):
    controller, _, _, inserter, _, notices = controller_parts
    controller.start()
    controller.stop()
    controller.transcribed(1, "  ")
    assert controller.state is State.IDLE
    assert notices == [NOTHING_HEARD]
    assert inserter.inserted == []


def test_transcription_failure_shows_error_and_next_start_works(controller_parts):
    controller, *_, notices = controller_parts
    controller.start()
    controller.stop()
    controller.transcription_failed(1, "The engine crashed; your audio is kept.")
    assert controller.state is State.ERROR
    assert notices == ["The engine crashed; your audio is kept."]
    controller.start()
    assert controller.state is State.RECORDING


@pytest.mark.parametrize(
    ("result", "error", "expected_notice"),
    [
        (InjectResult(False, True, "The window closed; the text is on the clipboard instead."),
         None, "The window closed; the text is on the clipboard instead."),
        (InjectResult(True, False), RuntimeError("X went away"),
         "Could not insert the text: X went away"),
    ],
    ids=["window-gone", "inserter-raised"],
)
def test_failed_insertion_is_an_error_with_a_message(controller_parts, qtbot, result, error,
                                                     expected_notice):
    controller, _, _, inserter, _, notices = controller_parts
    inserter.result, inserter.error = result, error
    controller.start()
    controller.stop()
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(1, "keep me")
    qtbot.waitUntil(lambda: controller.state is State.ERROR)
    assert notices == [expected_notice]


def test_copy_mode_counts_as_done(qtbot):
    inserter = FakeInserter()
    inserter.result = InjectResult(False, True)
    controller = DictationController(FakeRecorder(), FakeTranscriber(), inserter,
                                     parse_chord(DEFAULT_CHORD), InjectOptions(InsertMode.COPY))
    controller.start()
    controller.stop()
    controller.transcribed(1, "copied")
    qtbot.waitUntil(lambda: controller.state is State.IDLE)
    controller.close()


def test_tray_start_then_hotkey_tap_stops(controller_parts):
    controller, *_ = controller_parts
    controller.toggle()
    chord(controller, True, 0.0)
    assert controller.state is State.TRANSCRIBING


def test_fifty_taps_in_a_second_leave_a_consistent_state(controller_parts, qtbot):
    controller, recorder, transcriber, inserter, states, _ = controller_parts
    transcriber.answer = "x"  # instant engine: answers inside submit
    for n in range(50):
        chord(controller, True, n / 50)
        chord(controller, False, n / 50 + 0.005)
    qtbot.waitUntil(lambda: controller.state in (State.IDLE, State.RECORDING), timeout=5000)
    begins = recorder.count("begin")
    ends = recorder.count("finish") + recorder.count("abort")
    assert begins - ends == (1 if controller.state is State.RECORDING else 0)
    # Every move the controller reported is one the table allows, in order.
    assert all(s in State for s in states)
    assert len(inserter.inserted) <= len(transcriber.jobs)


def test_bridge_delivers_pynput_thread_events_on_the_gui_thread(controller_parts, qtbot):
    controller, recorder, *_ = controller_parts
    bridge = HotkeyBridge()
    bridge.key_event.connect(controller.on_key)  # as main.py wires it
    seen = []
    controller.state_changed.connect(lambda s: seen.append(threading.current_thread()))
    threads = [threading.Thread(target=bridge, args=(KeyEvent(k, True, 0.0),)) for k in CHORD_KEYS]
    for thread in threads:  # one after the other, like pynput's single listener thread
        thread.start()
        thread.join()
    qtbot.waitUntil(lambda: controller.state is State.RECORDING)
    assert seen == [threading.main_thread()]


def test_ignored_events_are_logged(controller_parts, caplog):
    controller, *_ = controller_parts
    with caplog.at_level("INFO", logger="app.controller"):
        controller.stop()  # nothing is recording
    assert "ignored stop while idle" in caplog.text
    assert controller.state is State.IDLE


@pytest.mark.parametrize("raw", ["[BLANK_AUDIO]", " Thank you.", "(music)"])
def test_non_speech_from_whisper_inserts_nothing(controller_parts, raw):
    controller, _, _, inserter, _, notices = controller_parts
    controller.start()
    controller.stop()
    controller.transcribed(1, raw)
    assert controller.state is State.IDLE
    assert notices == [NOTHING_HEARD] and inserter.inserted == []


def test_a_second_dictation_into_the_same_window_continues_the_first(controller_parts, qtbot):
    controller, _, transcriber, inserter, _, _ = controller_parts
    for raw in ["  Hello there. ", "How are you?"]:
        controller.start()
        controller.stop()
        job = transcriber.jobs[-1][0]
        controller.transcribed(job, raw)
        qtbot.waitUntil(lambda: controller.state is State.IDLE)
    assert [text for text, _, _ in inserter.inserted] == ["Hello there.", " How are you?"]


# ---- settings applied live -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("gesture", "release_at", "expected"),
    [(Gesture.HOLD, TAP_MAX_S / 3, State.TRANSCRIBING), (Gesture.TAP, 3.0, State.RECORDING),
     (Gesture.BOTH, TAP_MAX_S / 3, State.RECORDING), (Gesture.BOTH, 3.0, State.TRANSCRIBING)],
    ids=["hold-short", "tap-long", "both-short", "both-long"])
def test_gesture_setting_applies_live(controller_parts, gesture, release_at, expected):
    controller, *_ = controller_parts
    controller.set_gesture(gesture)  # the settings' enum, as main.py passes it
    chord(controller, True, 0.0)
    chord(controller, False, release_at)
    assert controller.state is expected


def test_gesture_given_at_construction(qtbot):
    controller = DictationController(FakeRecorder(), FakeTranscriber(), FakeInserter(),
                                     parse_chord(DEFAULT_CHORD), gesture=Gesture.HOLD)
    chord(controller, True, 0.0)
    chord(controller, False, 0.01)
    assert controller.state is State.TRANSCRIBING
    controller.close()


def test_new_chord_applies_live(controller_parts):
    controller, *_ = controller_parts
    controller.set_chord(parse_chord("F9"))
    chord(controller, True, 0.0)
    assert controller.state is State.IDLE
    chord(controller, False, 1.0)
    controller.on_key(KeyEvent("f9", True, 2.0))
    assert controller.state is State.RECORDING


def test_new_insert_options_apply_to_the_next_insertion(controller_parts, qtbot):
    controller, _, _, inserter, _, _ = controller_parts
    controller.set_inject_options(InjectOptions(InsertMode.TYPE))
    controller.start()
    controller.stop()
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(1, "typed")
    assert inserter.options == [InjectOptions(InsertMode.TYPE)]

