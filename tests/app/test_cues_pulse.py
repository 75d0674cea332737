"""The cues through a real sound server: ``paplay`` into a private PulseAudio null sink, whose
monitor (the virtual microphone of the audio and end-to-end tests) hears them.

This is also why the app's own tests never let a cue reach a test's sound server unless they mean
to: there the speakers *are* the microphone. ``tests/app/test_cues_model.py`` shows that even so
the start cue changes no word of a transcript.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.cues import CUE_MS, CUE_PEAK_DBFS, CueOptions, Cues

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "audio"))
from audio_wait import wait_until  # noqa: E402
from pulse_server import SINK, PulseServer  # noqa: E402  (tests/audio's private daemon)

RATE = 16_000
HEARD_WITHIN_S = 10.0


@pytest.fixture
def pulse(tmp_path, monkeypatch):
    if shutil.which("pulseaudio") is None or shutil.which("paplay") is None:
        pytest.fail("pulseaudio and paplay are needed: `make test` installs them")
    with PulseServer(tmp_path / "pulse") as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)  # Cues' paplay inherits them, as the app's would
        yield server


def test_paplay_cue_reaches_the_microphone_and_play_does_notwait_until(pulse, tmp_path):
    out = tmp_path / "heard.raw"
    with open(out, "wb") as sink:
        recorder = subprocess.Popen(
            ["parec", f"--device={SINK}.monitor", "--format=s16le", f"--rate={RATE}",
             "--channels=1", "--raw", "--latency-msec=20"],
            stdout=sink, stderr=subprocess.DEVNULL, env=os.environ.copy())
        try:
            # A new recording stream delivers its first samples 1-2 s after it starts: play the
            # cue only once parec is really recording, or the cue can pass unheard.
            wait_until(lambda: out.stat().st_size > RATE * 2 * 0.1, HEARD_WITHIN_S,
                       "parec to start recording")
            before = out.stat().st_size // 2
            cues = Cues(CueOptions(), tmp_path / "sounds")
            assert cues.play(rising=True)
            player = cues._playing[0]
            assert player.poll() is None  # still playing: play() returned at once
            wait_until(lambda: player.poll() is not None, HEARD_WITHIN_S, "paplay to finish")
            assert player.returncode == 0
            heard = lambda: out.stat().st_size // 2 > before + RATE * (CUE_MS / 1000 + 0.5)  # noqa: E731
            wait_until(heard, HEARD_WITHIN_S, "the cue and half a second after it")
        finally:
            recorder.terminate()
            recorder.wait(5)
    samples = np.frombuffer(out.read_bytes(), "<i2") / 32768
    peak_dbfs = 20 * np.log10(np.max(np.abs(samples)) + 1e-9)
    assert peak_dbfs == pytest.approx(CUE_PEAK_DBFS, abs=1.5)
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    assert (loud[-1] - loud[0]) / RATE < CUE_MS / 1000 + 0.02  # one short cue, nothing else
