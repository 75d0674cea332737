"""The running app reports its launch milestones in ``status --json`` (``startup``).

Starts the real app with ``launch_murmur`` (tests/e2e/murmur_app.py: private Xvfb, private
PulseAudio null sink as the microphone, the real Whisper model, ``python main.py``). Checks the
facts, never the durations: every part of readiness is there, readiness is the last of them,
and it came after the imports.
"""
from __future__ import annotations

import re

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


def test_the_app_process_maps_neither_whisper_cpp_nor_the_download_stack(murmur):
    """Memory (issue 5): whisper.cpp runs in the engine's child process, so the app's own
    process never loads the binding (~2 MiB); the download stack (ssl, ~9 MiB with urllib and
    email) loads when "Models…" is first opened (tests/ui/test_model_manager.py); nothing at
    launch needs OpenSSL's libcrypto (hashlib, 3.5 MiB); of the ALSA plugins PortAudio's device
    scan loads (~10 MiB with what they link), only the microphone's stays
    (audio/alsa_plugins.py). Read from the running app's ``/proc/PID/maps`` once it is ready;
    the child must map whisper.cpp."""
    from pathlib import Path

    murmur.wait_ready()
    app_maps = Path(f"/proc/{murmur.process.pid}/maps").read_text()
    assert "libwhisper" not in app_maps and "_pywhispercpp" not in app_maps
    assert "_ssl." not in app_maps and "libssl" not in app_maps
    assert "libcrypto" not in app_maps
    alsa_plugins = set(re.findall(r"libasound_module_(\w+)\.so", app_maps))
    assert alsa_plugins == {"pcm_pulse"}, alsa_plugins
    # The engine's child is started by the worker thread: each thread lists its own children.
    children = [pid for task in Path(f"/proc/{murmur.process.pid}/task").iterdir()
                for pid in (task / "children").read_text().split()]
    child_maps = [Path(f"/proc/{pid}/maps").read_text() for pid in children]
    assert any("libwhisper" in maps for maps in child_maps), children
