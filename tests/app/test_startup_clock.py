"""The launch's milestones (app/startup_clock.py) and their place in ``status --json``.

Pure logic with a fake monotonic clock, plus the real kernel process start time of this test
process (``/proc/self/stat``). No Qt, no timing assertions: only the order and arithmetic. The
running app's ``status --json`` is checked in tests/e2e/test_startup_status.py.
"""
from __future__ import annotations

from app.startup_clock import READY_PARTS, StartupClock, process_age_seconds


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_marks_count_from_the_process_start_not_from_the_clock_creation():
    clock = FakeClock(100.0)
    startup = StartupClock(clock, age=0.4)  # the process started 0.4 s before the clock
    clock.now = 100.1
    startup.mark("imports_done")
    assert startup.as_dict() == {"imports_done": 0.5}


def test_ready_only_once_every_part_happened_and_at_the_last_of_them():
    clock = FakeClock(10.0)
    startup = StartupClock(clock, age=0.0)
    for step, name in enumerate(READY_PARTS[:-1], 1):
        clock.now = 10.0 + step
        startup.mark(name)
        assert startup.ready_after_s is None
        assert "ready_after_s" not in startup.as_dict()
    clock.now = 20.0
    startup.mark(READY_PARTS[-1])
    assert startup.ready_after_s == 10.0
    details = startup.as_dict()
    assert details["ready_after_s"] == 10.0
    assert details["ready_monotonic"] == 20.0


def test_a_milestone_keeps_its_first_time():
    clock = FakeClock(0.0)
    startup = StartupClock(clock, age=0.0)
    clock.now = 1.0
    startup.mark("model_loaded")
    clock.now = 5.0
    startup.mark("model_loaded")  # a model swapped later is not the launch
    assert startup.as_dict()["model_loaded"] == 1.0


def test_process_age_of_this_process_is_known_and_positive():
    age = process_age_seconds()
    assert age is not None and age > 0.0
