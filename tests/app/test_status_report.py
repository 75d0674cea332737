"""``status --json``'s document (app/status_report.py) from live objects: a real ``RingBuffer``
and ``CaptureStats``; the controller and settings are plain stand-ins (only ``.state`` and
``.hotkey`` are read). The running app's answer is checked in tests/e2e/test_startup_status.py."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from app.state import State
from app.status_report import StatusReport
from audio.capture_types import CaptureStats
from audio.ring_buffer import RingBuffer


class Capture:
    def __init__(self, stats: CaptureStats):
        self.ring = RingBuffer(16_000 * 2)
        self._stats = stats

    def stats(self) -> CaptureStats:
        return self._stats


def test_dropped_audio_is_reported_with_the_capture():
    capture = Capture(CaptureStats(overflows=3, lost_samples=480, device="Null Output"))
    capture.ring.write(np.zeros(8_000, np.float32))
    report = StatusReport(SimpleNamespace(state=State.IDLE, microphone_problem=None), capture,
                          lambda: SimpleNamespace(hotkey="Ctrl+Alt+Space"), "ggml-base.bin")
    document = json.loads(report.to_json())
    assert document["overflows"] == 3 and document["lost_samples"] == 480
    assert document["captured_seconds"] == 0.5 and document["microphone"] == "Null Output"
    assert document["state"] == "idle" and document["model"] == "ggml-base.bin"
