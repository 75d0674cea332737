"""Fakes for the dictation controller's parts, and helpers its tests share.

The controller's tests drive ``app.controller.DictationController`` itself (real state table,
real gesture tracker, real insertion thread); only what it drives is faked, and each fake logs
what it was asked, so a test asserts the calls in order. The real recorder, engine worker and
injector have their own tests (tests/app/test_recorder.py, tests/app/test_engine_worker.py,
tests/desktop/) and meet the controller in tests/desktop/test_dictation_on_x.py and tests/e2e/.
Imported by plain name; the ``controller_parts`` fixture is in tests/app/conftest.py.
"""
from __future__ import annotations

import threading

from audio.capture_types import CaptureEvent, CaptureEventKind
from desktop.chord import KeyEvent
from desktop.inject import InjectOptions, InjectResult
from desktop.xwindow import WindowInfo

TARGET = WindowInfo(42, ("gedit", "Gedit"))
CHORD_KEYS = ("ctrl_l", "alt_l", "space")


class FakeRecorder:
    """Logs calls; ``now`` is the ring index ``mark``/``position`` report (a deferred start's
    press and stop), shown in the log as ``begin@N`` / ``finish@N``."""

    def __init__(self):
        self.calls: list[str] = []
        self.now = 0
        self.pressed: list[float | None] = []  # ``pressed_at`` of each begin and mark

    def begin(self, from_index=None, pressed_at=None):
        self.calls.append("begin" if from_index is None else f"begin@{from_index}")
        self.pressed.append(pressed_at)

    def finish(self, until=None):
        self.calls.append("finish" if until is None else f"finish@{until}")
        return f"audio{sum(call.startswith('finish') for call in self.calls)}"

    def abort(self):
        self.calls.append("abort")

    def mark(self, pressed_at=None):
        self.calls.append(f"mark@{self.now}")
        self.pressed.append(pressed_at)
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



def chord(controller, pressed: bool, t: float) -> None:
    """The default chord's keys go down (or up, in reverse) at time ``t``."""
    for key in CHORD_KEYS if pressed else reversed(CHORD_KEYS):
        controller.on_key(KeyEvent(key, pressed, t))


def lost(message="Microphone 'USB' went away or failed; recording resumes when it is back."):
    """The capture's event for a microphone that went away mid-use."""
    return CaptureEvent(CaptureEventKind.DEVICE_LOST, message, "USB")
