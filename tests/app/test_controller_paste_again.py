""""Paste again" from the history through the controller, and what an ended insertion means
(``app.insertion``); fake recorder, transcriber and inserter (tests/app/controller_fakes.py;
pytest-qt)."""
from __future__ import annotations

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # QObjects only; no display needed

import pytest  # noqa: E402

from app.controller import BUSY_REINSERT  # noqa: E402
from app.insertion import NOT_INSERTED, Insertion, paste_outcome  # noqa: E402
from app.state import Event, State  # noqa: E402
from controller_fakes import TARGET  # noqa: E402
from desktop.inject import InjectOptions, InjectResult, InsertMode  # noqa: E402


def _dictate(controller, qtbot, transcriber, raw="first"):
    controller.start()
    controller.stop()
    with qtbot.waitSignal(controller.dictation_finished, timeout=5000):
        controller.transcribed(transcriber.jobs[-1][0], raw)
    qtbot.waitUntil(lambda: controller.state is State.IDLE)


def test_reinsert_goes_to_the_last_target_on_the_worker(controller_parts, qtbot):
    controller, _, transcriber, inserter, states, _ = controller_parts
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


def test_reinsert_without_a_dictation_yet_asks_for_no_target(controller_parts, qtbot):
    controller, _, _, inserter, states, _ = controller_parts
    controller.reinsert("x")
    qtbot.waitUntil(lambda: states == [State.PASTING, State.IDLE])
    assert inserter.reinserted[0][1] is None  # the inserter decides: clipboard


def test_reinsert_into_a_closed_window_copies_and_says_so(controller_parts, qtbot):
    controller, _, transcriber, inserter, _, notices = controller_parts
    _dictate(controller, qtbot, transcriber)
    gone = InjectResult(False, True, "The window you last dictated into is gone; the text is "
                                     "on the clipboard instead.")
    inserter.result = gone
    controller.reinsert("again")
    qtbot.waitUntil(lambda: notices == [gone.message])
    qtbot.waitUntil(lambda: controller.state is State.IDLE)  # not an error: the user sees why


def test_reinsert_that_raises_is_an_error(controller_parts, qtbot):
    controller, _, _, inserter, _, notices = controller_parts
    inserter.error = RuntimeError("X went away")
    controller.reinsert("again")
    qtbot.waitUntil(lambda: controller.state is State.ERROR)
    assert notices == ["Could not insert the text: X went away"]


@pytest.mark.parametrize("busy", ["recording", "transcribing"])
def test_reinsert_only_when_idle(controller_parts, qtbot, busy):
    controller, recorder, _, inserter, _, notices = controller_parts
    controller.start()
    if busy == "transcribing":
        controller.stop()
    before = controller.state
    with qtbot.waitSignal(controller.event_ignored):
        controller.reinsert("not now")
    assert controller.state is before
    assert notices == [BUSY_REINSERT] and inserter.reinserted == []


# ---- what an ended insertion means (app.insertion.paste_outcome, a pure function) ------------
ON_CLIPBOARD = "The window is gone; the text is on the clipboard instead."


@pytest.mark.parametrize(
    ("mode", "again", "result", "expected"),
    [(InsertMode.PASTE, False, InjectResult(True, False), (Event.PASTE_DONE, "", "")),
     (InsertMode.PASTE, False, InjectResult(False, True, ON_CLIPBOARD),
      (Event.PASTE_FAILED, ON_CLIPBOARD, "")),
     (InsertMode.PASTE, False, InjectResult(False, False), (Event.PASTE_FAILED, NOT_INSERTED, "")),
     (InsertMode.COPY, False, InjectResult(False, True, "Copied."),
      (Event.PASTE_DONE, "", "Copied.")),
     (InsertMode.PASTE, True, InjectResult(False, True, ON_CLIPBOARD),
      (Event.PASTE_DONE, "", ON_CLIPBOARD)),
     (InsertMode.PASTE, True, InjectResult(False, False, "X went away."),
      (Event.PASTE_FAILED, "X went away.", ""))],
    ids=["inserted", "window-gone", "failed-without-reason", "copy-mode", "again-on-clipboard",
         "again-failed"])
def test_paste_outcome(mode, again, result, expected):
    """Left on the clipboard is an error for a dictation (the user looks at another window) but
    an answer for "Paste again" (asked from Murmur's window) and the point of copy mode."""
    outcome = paste_outcome(Insertion(1, "text", None, InjectOptions(mode), again), result)
    assert (outcome.event, outcome.reason, outcome.notice) == expected
