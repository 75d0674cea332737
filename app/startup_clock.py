"""When the app became ready, measured from the start of its process.

"Launch to ready" is what a user waits for: from starting ``python main.py`` (the interpreter
starting, every import, Qt, the window, the microphone stream, the model load) to the moment a
dictation can start, i.e. the model is loaded, the hotkey armed and the event loop running. The process's start time
comes from the kernel (``/proc/self/stat`` field 22, clock ticks after boot, 10 ms steps), so
the figure includes what happened before any of our code ran. Milestones along the way say
where the time goes; ``main.py status --json`` reports them (``startup``) and
``bench/resources.py`` reads them.

Threads: GUI thread (marks come from the composition root and from queued signals).
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

# Ready: a dictation can start and be transcribed. The event loop is part of it: until it runs,
# the controller cannot see a hotkey press.
READY_PARTS = ("model_loaded", "hotkey_armed", "event_loop")


def process_age_seconds() -> float | None:
    """Seconds since this process started, by the kernel's clock; None where unknown."""
    try:
        text = Path("/proc/self/stat").read_text()
        start_ticks = int(text.rpartition(")")[2].split()[19])
        since_boot = time.clock_gettime(time.CLOCK_BOOTTIME)
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return max(0.0, since_boot - start_ticks / os.sysconf("SC_CLK_TCK"))


class StartupClock:
    """Milestones in seconds after the process started.

    Args:
        clock: ``time.monotonic`` (tests pass another).
        age: Seconds the process has run when the clock is made (default: from the kernel; if
            unknown, 0: the milestones then count from the clock's creation).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 age: float | None = None) -> None:
        self._clock = clock
        now = clock()
        age = process_age_seconds() if age is None else age
        self._origin = now - (age or 0.0)
        self._marks: dict[str, float] = {}
        self._ready_at: float | None = None
        self._ready_cpu: float | None = None

    def mark(self, name: str) -> None:
        """Record that ``name`` happened now (the first time only)."""
        if name in self._marks:
            return
        now = self._clock()
        self._marks[name] = now - self._origin
        if self._ready_at is None and all(part in self._marks for part in READY_PARTS):
            self._ready_at = now
            # CPU this process used to get there (all its threads, from its start): unlike the
            # wall time, it hardly moves with the machine's load.
            self._ready_cpu = time.process_time()

    @property
    def ready_after_s(self) -> float | None:
        """Process start → model loaded and hotkey armed, or None while not ready."""
        return None if self._ready_at is None else self._ready_at - self._origin

    def as_dict(self) -> dict[str, float]:
        """Every milestone so far; with ``ready_after_s`` and ``ready_monotonic`` (the
        ``time.monotonic()`` of readiness, comparable with another process's clock) and
        ``ready_cpu_s`` (this process's CPU seconds until then) once ready."""
        marks = {name: round(seconds, 3) for name, seconds in self._marks.items()}
        if self._ready_at is not None:
            marks["ready_after_s"] = round(self.ready_after_s, 3)
            marks["ready_monotonic"] = self._ready_at
            marks["ready_cpu_s"] = round(self._ready_cpu, 3)
        return marks
