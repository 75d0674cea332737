"""The VAD leaves no telemetry behind: no device id, no event store, no upload.

The app's Silero once ran on onnxruntime; it now runs on numpy (audio/silero_net.py), and this
test keeps any runtime that comes back from writing telemetry. Official onnxruntime builds (1DS
telemetry, their Privacy.md) create
``$XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db}`` as soon as a
session starts and upload events to mobile.events.data.microsoft.com some 30 s later. A fresh
Python process with its own HOME and XDG_CACHE_HOME builds the real ``SileroVad`` and runs
frames through it; the folder must not appear. (The upload itself is checked on the running app
under strace: tests/faults/test_privacy_app.py.)
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import numpy as np
from audio.vad import SileroVad
vad = SileroVad()
vad.process(np.zeros(16000, np.float32))
"""


def test_a_vad_session_leaves_no_telemetry_files(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("ORT_DISABLE_TELEMETRY", None)  # the app must not rely on the user setting it
    (tmp_path / "home").mkdir()
    subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, check=True, timeout=120)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert written == ["home"], written
