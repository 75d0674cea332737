"""The app is usable from the moment it says it is ready, before its window is built.

``main.py`` arms the hotkey and runs the event loop first, and builds the window, pyqtgraph's
plots and the dialogs just after (launch → ready, issue 5). These tests start the real app with
``launch_murmur`` (tests/e2e/murmur_app.py: private Xvfb, private PulseAudio null sink as the
microphone, the real Whisper model, ``python main.py``) and a Tk target window in another
process.

* A dictation started through the real hotkey the moment the app reports the hotkey armed —
  not waiting for the model, the microphone's first samples or the window — lands its words in
  the target. On a fast machine the window is built before the test's first status query comes
  back, so the press may arrive after it; the test records which happened (``startup`` in the
  status) and holds for both. What it pins: the controller, recorder, streamer (its Silero VAD is
  built on a thread and awaited by the first dictation) and engine need no window.
* A notice said before the window exists (a settings warning, always made before it) is shown in
  the window once it is built, not lost.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
from e2e_desktop import xdotool
from xvfb import wait_until

from engine.wer import word_errors

pytestmark = pytest.mark.model

FULL_HOUR = "FOR A FULL HOUR HE HAD PACED UP AND DOWN WAITING BUT HE COULD WAIT NO LONGER"
TRANSCRIBE_TIMEOUT_S = 90
LAUNCH_TIMEOUT_S = 60


def details_when(murmur, has) -> Callable[[], dict | None]:
    """For ``wait_until``: the status once ``has(status)`` holds, else None."""
    def check():
        details = murmur.details()
        return details if details and has(details) else None
    return check


def test_a_dictation_started_as_soon_as_the_hotkey_is_armed_is_transcribed(
        launch_murmur, target, pulse, x_server, test_data):
    murmur = launch_murmur("en")
    armed = wait_until(details_when(murmur, lambda d: d["hotkey_armed"]), LAUNCH_TIMEOUT_S,
                       "the hotkey to be armed", interval=0.02)
    xdotool(x_server, "keydown", "ctrl+alt+space")
    murmur.wait_state("recording")
    player = pulse.play(test_data / "speech" / "ls_1089-134691-0001.wav")
    assert player.wait(60) == 0, player.stderr.read()
    murmur.record_past(1.5)
    xdotool(x_server, "keyup", "space", "keyup", "alt", "keyup", "ctrl")
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    assert word_errors(FULL_HOUR, target.text()).errors <= 1, (target.text(), murmur.log_tail())
    murmur.wait_state("idle")
    details = wait_until(details_when(murmur, lambda d: "window_shown" in d["startup"]),
                         LAUNCH_TIMEOUT_S, "the window to be built")
    # The window, built before or after the dictation, shows where the controller is.
    assert details["window"].startswith("Ready"), details
    print("hotkey armed at status:", armed["startup"])


def test_a_notice_from_before_the_window_reaches_the_window(launch_murmur):
    murmur = launch_murmur(ini="[General]\nlanguage=en\nthreads=2\nhistory_days=soon\n")
    details = wait_until(details_when(murmur, lambda d: "window_shown" in d["startup"]),
                         LAUNCH_TIMEOUT_S, "the window to be built")
    assert "history_days" in details["window"], details
