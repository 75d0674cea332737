"""The running app reports its launch milestones in ``status --json`` (``startup``).

Starts the real app with ``launch_murmur`` (tests/e2e/murmur_app.py: private Xvfb, private
PulseAudio null sink as the microphone, the real Whisper model, ``python main.py``). Checks the
facts, never the durations: every part of readiness is there, readiness is the last of them,
and it came after the imports.
"""
from __future__ import annotations

from app.startup_clock import READY_PARTS


def test_status_reports_when_the_app_became_ready(murmur):
    startup = murmur.wait_ready()["startup"]
    for part in READY_PARTS:
        assert part in startup, startup
    assert startup["ready_after_s"] == max(startup[part] for part in READY_PARTS)
    assert 0 < startup["imports_done"] <= startup["ready_after_s"]
    assert startup["ready_monotonic"] > 0


def test_status_reports_dropped_audio(murmur):
    """The counters are there (their values from the capture: tests/app/test_status_report.py;
    no loss on real capture: tests/audio/test_capture_soak.py)."""
    details = murmur.wait_ready()
    for counter in ("overflows", "lost_samples"):
        assert isinstance(details[counter], int) and details[counter] >= 0, details
