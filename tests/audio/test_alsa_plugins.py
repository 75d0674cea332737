"""ALSA plugins loaded by PortAudio's device scan are unloaded, and recording still works.

Real parts: PortAudio (Debian's libportaudio2) and alsa-lib with Debian's ALSA plugins
(libasound2-plugins), talking to the private PulseAudio daemon of ``conftest.pulse``. Each case
runs in a fresh interpreter: which plugins a process has loaded depends on everything it did
before, and the pytest process has done a lot. The child reads ``/proc/self/maps`` for
``libasound_module_*`` files, the plugin libraries alsa-lib loads.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from audio.alsa_plugins import release_unused_alsa_plugins

ROOT = Path(__file__).resolve().parents[2]
#: A new PulseAudio input stream delivers its first samples 1-2 s after start.
FIRST_FRAMES_TIMEOUT_S = 10
CHILD_TIMEOUT_S = 60

_CHILD = r"""
import json, re, sys, threading

def plugins():
    maps = open("/proc/self/maps").read()
    return sorted(set(re.findall(r"libasound_module_(\w+)\.so", maps)))

seen = {}
from audio.devices import SoundDeviceBackend
backend = SoundDeviceBackend()
seen["imported_by_making"] = "sounddevice" in sys.modules
import sounddevice
seen["after_scan"] = plugins()
backend.refresh()
seen["after_refresh"] = plugins()
device = next(d for d in backend.input_devices() if d.is_default)
frames = []
wanted = [float("inf")]  # set after the release: frames that arrive after it
enough = threading.Event()

def on_block(data, overflowed):
    frames.append(len(data))
    if len(frames) >= wanted[0]:
        enough.set()

stream = backend.open_input(device, 16000, 1600, on_block, lambda: None)
stream.start()
seen["stream_open"] = plugins()
from audio.alsa_plugins import release_unused_alsa_plugins
release_unused_alsa_plugins()
seen["released_while_open"] = plugins()
wanted[0] = len(frames) + 10
seen["frames_after_release"] = enough.wait(float(sys.argv[1]))
stream.close()
json.dump(seen, sys.stdout)
"""


def run_child(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(FIRST_FRAMES_TIMEOUT_S)],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=CHILD_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_scan_plugins_are_unloaded_and_the_open_stream_keeps_its_own(pulse):
    seen = run_child({**os.environ, **pulse.env})
    # The opposite case first: PortAudio's scan alone leaves every plugin loaded (a52, jack,
    # oss, speex, ... with libasound2-plugins), not only the one a recording needs.
    assert "pcm_pulse" in seen["after_scan"]
    assert len(seen["after_scan"]) > 1, seen["after_scan"]
    # The backend loads PortAudio at its first use (on the capture's thread), not when made.
    assert seen["imported_by_making"] is False
    assert seen["after_refresh"] == []
    assert seen["stream_open"] == ["pcm_pulse"]
    # Releasing while a stream runs keeps that stream's plugin, and the stream goes on.
    assert seen["released_while_open"] == ["pcm_pulse"]
    assert seen["frames_after_release"] is True


def test_without_alsa_lib_there_is_nothing_to_release():
    assert release_unused_alsa_plugins("libasound-not-here.so.2") is False


_SCANS = r"""
import json, sys
from audio.devices import SoundDeviceBackend
backend = SoundDeviceBackend()
import sounddevice  # what the backend's first use imports: its import is PortAudio's first scan
terminated = []
real_terminate = sounddevice._terminate
sounddevice._terminate = lambda: (terminated.append(1), real_terminate())[1]
backend.refresh()
first = len(terminated)
backend.refresh()
json.dump({"first": first, "second": len(terminated) - first,
           "devices": len(backend.input_devices())}, sys.stdout)
"""


def test_the_first_refresh_is_the_imports_scan_and_later_ones_scan_again(pulse):
    done = subprocess.run([sys.executable, "-c", _SCANS], cwd=ROOT, env={**os.environ, **pulse.env},
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert (seen["first"], seen["second"]) == (0, 1)
    assert seen["devices"] > 0  # the private server's microphone, at least
