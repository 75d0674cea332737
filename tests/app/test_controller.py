"""The dictation controller with fake recorder, transcriber and inserter (pytest-qt)."""
from __future__ import annotations

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # QObjects only; no display needed

import pytest  # noqa: E402

from app.controller import (BUSY_REINSERT, DEFERRED_CANCEL, DEFERRED_START,  # noqa: E402
                            DEFERRED_STOP, MICROPHONE_LOST, NO_MICROPHONE, NOTHING_HEARD,
                            TOO_LATE_TO_CANCEL, DictationController, HotkeyBridge)
from app.settings import Gesture  # noqa: E402
from app.state import Deferred, State  # noqa: E402
from audio.capture_types import CaptureEvent, CaptureEventKind  # noqa: E402
from desktop.chord import DEFAULT_CHORD, TAP_MAX_S, KeyEvent, parse_chord  # noqa: E402
from desktop.inject import InjectOptions, InjectResult, InsertMode  # noqa: E402
from desktop.xwindow import WindowInfo  # noqa: E402

TARGET = WindowInfo(42, ("gedit", "Gedit"))
CHORD_KEYS = ("ctrl_l", "alt_l", "space")


class FakeRecorder:
    """Logs calls; ``now`` is the ring index ``mark``/``position`` report (a deferred start's
    press and stop), shown in the log as ``begin@N`` / ``finish@N``."""

    def __init__(self):
        self.calls: list[str] = []
        self.now = 0

    def begin(self, from_index=None):
        self.calls.append("begin" if from_index is None else f"begin@{from_index}")

    def finish(self, until=None):
        self.calls.append("finish" if until is None else f"finish@{until}")
        return f"audio{sum(call.startswith('finish') for call in self.calls)}"

    def abort(self):
        self.calls.append("abort")

    def mark(self):
        self.calls.append(f"mark@{self.now}")
        return self.now

    def unmark(self):
        self.calls.append("unmark")

    def position(self):
        return self.now

    def count(self, prefix):
        return sum(call.startswith(prefix) for call in self.calls)


class FakeTranscriber:
    """Keeps submissions; ``answer`` set: replies at once, inside submit (re-entrancy)."""

    def __init__(self):
        self.jobs: list[tuple[int, object]] = []
        self.controller = None
        self.answer: str | None = None

    def submit(self, job, audio):
        self.jobs.append((job, audio))
        if self.answer is not None:
            self.controller.transcribed(job, self.answer)


class FakeInserter:
    def __init__(self):
        self.result = InjectResult(True, False)
        self.inserted: list[tuple[str, WindowInfo | None, str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.error: Exception | None = None
        self.options: list[InjectOptions] = []
        self.reinserted: list[tuple[str, WindowInfo | None, str]] = []

    def remember_target(self):
        return TARGET

    def insert(self, text, target, options):
        self.gate.wait(10)
        self.inserted.append((text, target, threading.current_thread().name))
        self.options.append(options)
        if self.error:
            raise self.error
        return self.result

    def reinsert(self, text, target, options):
        self.reinserted.append((text, target, threading.current_thread().name))
        return self.insert(text, target, options)


@pytest.fixture
def parts(qtbot):
    recorder, transcriber, inserter = FakeRecorder(), FakeTranscriber(), FakeInserter()
    controller = DictationController(recorder, transcriber, inserter, parse_chord(DEFAULT_CHORD))
    transcriber.controller = controller
    states: list[State] = []
    notices: list[str] = []
    controller.state_changed.connect(states.append)
    controller.notice.connect(notices.append)
    yield controller, recorder, transcriber, inserter, states, notices
    inserter.gate.set()
    controller.close()


def chord(controller, pressed: bool, t: float) -> None:
    for key in CHORD_KEYS if pressed else reversed(CHORD_KEYS):
        controller.on_key(KeyEvent(key, pressed, t))


def finish_paste(qtbot, controller):
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000) as blocker:
        pass
    return blocker.args


def test_hold_to_talk_full_loop(parts, qtbot):
    controller, recorder, transcriber, inserter, states, _ = parts
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


def test_tap_starts_and_second_tap_finishes(parts):
    controller, recorder, *_ = parts
    chord(controller, True, 0.0)
    chord(controller, False, TAP_MAX_S / 2)
    assert controller.state is State.RECORDING
    chord(controller, True, 3.0)
    assert controller.state is State.TRANSCRIBING


def test_esc_cancels_recording(parts):
    controller, recorder, transcriber, *_ = parts
    chord(controller, True, 0.0)
    controller.on_key(KeyEvent("esc", True, 1.0))
    assert controller.state is State.IDLE
    assert recorder.calls == ["begin", "abort"]
    assert transcriber.jobs == []


def test_late_transcript_after_cancel_is_dropped(parts):
    controller, _, transcriber, inserter, states, _ = parts
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


def test_start_while_transcribing_records_from_the_press_and_inserts_after_the_first(
        parts, qtbot):
    """Tap to toggle: the press while busy is kept (its ring index), the dictation begins from
    there when the first is inserted, the next tap stops it; texts land in order."""
    controller, recorder, transcriber, inserter, states, notices = parts
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


def test_hold_released_while_busy_is_finished_at_its_release_into_its_window(parts, qtbot):
    """Hold-to-talk: pressed and released before the first is done; the deferred dictation ends
    at the release's ring index and goes to the window focused at that release."""
    controller, recorder, transcriber, inserter, states, notices = parts
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


def test_esc_cancels_a_deferred_start_and_nothing_begins(parts, qtbot):
    controller, recorder, transcriber, inserter, states, notices = parts
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


def test_scripted_start_stop_cancel_while_busy(parts, qtbot):
    """``main.py start/stop/toggle/cancel`` while busy drive the same deferred start."""
    controller, recorder, *_ = parts
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


def test_a_deferred_start_begins_after_a_failed_paste_and_keeps_its_notice(parts, qtbot):
    controller, recorder, _, inserter, states, notices = parts
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


def test_a_start_while_busy_without_a_microphone_is_refused_clearly(parts):
    controller, recorder, *_, notices = parts
    controller.start()
    controller.stop()
    controller.on_capture_event(CaptureEvent(CaptureEventKind.NO_DEVICE, "No microphone found."))
    controller.start()
    assert notices[-1] == NO_MICROPHONE.format(problem="No microphone found.")
    assert controller.deferred is Deferred.NONE and recorder.count("mark") == 0


def test_a_microphone_lost_while_a_start_waits_keeps_what_it_got(parts, qtbot):
    controller, recorder, transcriber, _, _, notices = parts
    controller.start()
    controller.stop()
    controller.toggle()
    controller.on_capture_event(lost())
    controller.transcribed(1, "first")
    qtbot.waitUntil(lambda: len(transcriber.jobs) == 2)
    assert recorder.calls[-2:] == ["begin@0", "finish"]  # transcribed, not dropped
    assert notices[-1] == MICROPHONE_LOST.format(problem=lost().message)


def test_fifty_taps_while_pasting_keep_one_deferred_start(parts, qtbot):
    controller, recorder, transcriber, inserter, states, _ = parts
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


def test_cancel_while_pasting_is_ignored_and_paste_completes(parts, qtbot):
    controller, _, _, inserter, states, notices = parts
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


def test_empty_transcript_goes_back_to_idle_and_says_so(parts):
    controller, _, _, inserter, _, notices = parts
    controller.start()
    controller.stop()
    controller.transcribed(1, "  ")
    assert controller.state is State.IDLE
    assert notices == [NOTHING_HEARD]
    assert inserter.inserted == []


def test_transcription_failure_shows_error_and_next_start_works(parts):
    controller, *_, notices = parts
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
        (InjectResult(True, False), RuntimeError("X went away"), "Could not insert the text: X went away"),
    ],
    ids=["window-gone", "inserter-raised"],
)
def test_failed_insertion_is_an_error_with_a_message(parts, qtbot, result, error, expected_notice):
    controller, _, _, inserter, _, notices = parts
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


def lost(message="Microphone 'USB' went away or failed; recording resumes when it is back."):
    return CaptureEvent(CaptureEventKind.DEVICE_LOST, message, "USB")


def test_device_lost_while_recording_finishes_the_dictation_with_its_audio(parts, qtbot):
    controller, recorder, transcriber, inserter, _, notices = parts
    controller.start()
    controller.on_capture_event(lost())
    assert controller.state is State.TRANSCRIBING  # not dropped: what was said is transcribed
    assert recorder.calls == ["begin", "finish"] and transcriber.jobs == [(1, "audio1")]
    assert notices == [MICROPHONE_LOST.format(problem=lost().message)]
    assert controller.microphone_problem == lost().message
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(1, "said before the loss")
    assert inserter.inserted[0][:2] == ("said before the loss", TARGET)


def test_device_lost_with_nothing_said_says_why_nothing_was_heard(parts):
    controller, *_, notices = parts
    controller.start()
    controller.on_capture_event(lost())
    controller.transcribed(1, "")
    assert controller.state is State.IDLE
    assert "microphone went away" in notices[-1] and lost().message in notices[-1]


def test_start_without_a_microphone_is_refused_clearly_until_one_opens(parts):
    controller, recorder, *_, notices = parts
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


def test_a_microphone_closed_on_purpose_is_not_a_problem(parts):
    controller, *_ = parts
    controller.on_capture_event(lost())
    controller.on_capture_event(CaptureEvent(CaptureEventKind.CLOSED, "Closed while idle."))
    controller.start()
    assert controller.state is State.RECORDING


def test_tray_start_then_hotkey_tap_stops(parts):
    controller, *_ = parts
    controller.toggle()
    chord(controller, True, 0.0)
    assert controller.state is State.TRANSCRIBING


def test_fifty_taps_in_a_second_leave_a_consistent_state(parts, qtbot):
    controller, recorder, transcriber, inserter, states, _ = parts
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


def test_bridge_delivers_pynput_thread_events_on_the_gui_thread(parts, qtbot):
    controller, recorder, *_ = parts
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


def test_ignored_events_are_logged(parts, caplog):
    controller, *_ = parts
    with caplog.at_level("INFO", logger="app.controller"):
        controller.stop()  # nothing is recording
    assert "ignored stop while idle" in caplog.text
    assert controller.state is State.IDLE


@pytest.mark.parametrize("raw", ["[BLANK_AUDIO]", " Thank you.", "(music)"])
def test_non_speech_from_whisper_inserts_nothing(parts, raw):
    controller, _, _, inserter, _, notices = parts
    controller.start()
    controller.stop()
    controller.transcribed(1, raw)
    assert controller.state is State.IDLE
    assert notices == [NOTHING_HEARD] and inserter.inserted == []


def test_a_second_dictation_into_the_same_window_continues_the_first(parts, qtbot):
    controller, _, transcriber, inserter, _, _ = parts
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
def test_gesture_setting_applies_live(parts, gesture, release_at, expected):
    controller, *_ = parts
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


def test_new_chord_applies_live(parts):
    controller, *_ = parts
    controller.set_chord(parse_chord("F9"))
    chord(controller, True, 0.0)
    assert controller.state is State.IDLE
    chord(controller, False, 1.0)
    controller.on_key(KeyEvent("f9", True, 2.0))
    assert controller.state is State.RECORDING


def test_new_insert_options_apply_to_the_next_insertion(parts, qtbot):
    controller, _, _, inserter, _, _ = parts
    controller.set_inject_options(InjectOptions(InsertMode.TYPE))
    controller.start()
    controller.stop()
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(1, "typed")
    assert inserter.options == [InjectOptions(InsertMode.TYPE)]


# ---- paste again ------------------------------------------------------------------------------
def _dictate(controller, qtbot, transcriber, raw="first"):
    controller.start()
    controller.stop()
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(transcriber.jobs[-1][0], raw)
    qtbot.waitUntil(lambda: controller.state is State.IDLE)


def test_reinsert_goes_to_the_last_target_on_the_worker(parts, qtbot):
    controller, _, transcriber, inserter, states, _ = parts
    _dictate(controller, qtbot, transcriber)
    finished = []
    controller.dictation_finished.connect(lambda *args: finished.append(args))
    states.clear()
    controller.reinsert("from history")
    qtbot.waitUntil(lambda: states == [State.PASTING, State.IDLE])
    text, target, thread = inserter.reinserted[0]
    assert (text, target) == ("from history", TARGET)
    assert thread != threading.current_thread().name
    assert finished == []  # no second history entry


def test_reinsert_without_a_dictation_yet_asks_for_no_target(parts, qtbot):
    controller, _, _, inserter, states, _ = parts
    controller.reinsert("x")
    qtbot.waitUntil(lambda: states == [State.PASTING, State.IDLE])
    assert inserter.reinserted[0][1] is None  # the inserter decides: clipboard


def test_reinsert_into_a_closed_window_copies_and_says_so(parts, qtbot):
    controller, _, transcriber, inserter, _, notices = parts
    _dictate(controller, qtbot, transcriber)
    gone = InjectResult(False, True, "The window you last dictated into is gone; the text is "
                                     "on the clipboard instead.")
    inserter.result = gone
    controller.reinsert("again")
    qtbot.waitUntil(lambda: notices == [gone.message])
    qtbot.waitUntil(lambda: controller.state is State.IDLE)  # not an error: the user sees why


def test_reinsert_that_raises_is_an_error(parts, qtbot):
    controller, _, _, inserter, _, notices = parts
    inserter.error = RuntimeError("X went away")
    controller.reinsert("again")
    qtbot.waitUntil(lambda: controller.state is State.ERROR)
    assert notices == ["Could not insert the text: X went away"]


@pytest.mark.parametrize("busy", ["recording", "transcribing"])
def test_reinsert_only_when_idle(parts, qtbot, busy):
    controller, recorder, _, inserter, _, notices = parts
    controller.start()
    if busy == "transcribing":
        controller.stop()
    before = controller.state
    with qtbot.waitSignal(controller.event_ignored):
        controller.reinsert("not now")
    assert controller.state is before
    assert notices == [BUSY_REINSERT] and inserter.reinserted == []
