"""What ``main.py status --json`` answers: the running app's state in one line of JSON.

Status bars and the end-to-end tests read it: the dictation state, the model and whether it is
loaded, the microphone, how much audio has been captured and whether any was dropped, the hotkey
and whether it is armed.

Threads: GUI thread (the instance server asks between events).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from audio.resample import TARGET_RATE


@dataclass
class StatusReport:
    """Live facts about the running app; the composition root fills in the objects and flags.

    Attributes:
        controller: the dictation controller (``.state``).
        capture: the microphone capture (``.stats()``, ``.ring``).
        settings_now: returns the current settings (the hotkey can change while running).
        model: the model file's name.
        model_loaded: set when the engine worker reports the model warm.
        hotkey_armed: set when the global hotkey listener started.
        details: returns more facts to report (kept dictations, a model problem), merged in.
        window_text: returns what the window's status line says (state, last notice), so a
            script sees what the user is told.
        startup: the launch's milestones (``app/startup_clock.py``), reported as ``startup``.
    """

    controller: object
    capture: object
    settings_now: Callable[[], object]
    model: str
    model_loaded: bool = False
    hotkey_armed: bool = False
    details: Callable[[], dict] | None = None
    window_text: Callable[[], str] | None = None
    startup: object | None = None

    def state_word(self) -> str:
        return self.controller.state.value

    def to_json(self) -> str:
        stats = self.capture.stats()
        return json.dumps({
            **(self.details() if self.details else {}),
            "state": self.state_word(),
            "model": self.model,
            "model_loaded": self.model_loaded,
            "microphone": stats.device,
            "microphone_problem": self.controller.microphone_problem,
            "window": self.window_text() if self.window_text else None,
            "captured_seconds": round(self.capture.ring.end_index / TARGET_RATE, 2),
            # Blocks the device dropped (PortAudio's overflow flag) and samples we were too
            # late to drain, since launch: both 0 unless the machine is badly overloaded.
            "overflows": stats.overflows,
            "lost_samples": stats.lost_samples,
            "ring_seconds": round(self.capture.ring.capacity / TARGET_RATE, 2),
            "hotkey": self.settings_now().hotkey,
            "hotkey_armed": self.hotkey_armed,
            "startup": self.startup.as_dict() if self.startup is not None else {},
        })
