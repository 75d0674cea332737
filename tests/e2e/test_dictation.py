"""Dictation end to end: a real hotkey, real speech through a (virtual) microphone, the real
model, and the words in another application's window. See conftest.py for what runs.
"""
from __future__ import annotations

import pytest
from conftest import xdotool
from xvfb import wait_until

from engine.wer import word_errors

pytestmark = pytest.mark.model

JFK = "And so my fellow Americans ask not what your country can do for you, ask what you can do for your country."
TRANSCRIBE_TIMEOUT_S = 90


def test_hold_the_hotkey_speak_release_and_the_words_land_in_the_focused_window(
        murmur, target, pulse, x_server, test_data):
    murmur.wait_ready()
    assert murmur.cli("status").stdout.strip() == "idle"
    xdotool(x_server, "keydown", "ctrl+alt+space")
    murmur.wait_state("recording")
    player = pulse.play(test_data / "speech" / "jfk.wav")
    assert player.wait(60) == 0, player.stderr.read()
    # The capture delivers what was played a little later than paplay returns: wait until the
    # app has recorded past the end of the clip before letting go.
    recorded_from = murmur.details()["captured_seconds"]
    wait_until(lambda: murmur.details()["captured_seconds"] > recorded_from + 1.0, 30,
               "the capture to pass the end of the clip")
    xdotool(x_server, "keyup", "space", "keyup", "alt", "keyup", "ctrl")
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    murmur.wait_state("idle")
    errors = word_errors(JFK, target.text())
    assert errors.errors <= 1, (target.text(), murmur.log_tail())


def test_scripted_toggle_dictates_too(murmur, target, pulse, test_data):
    """``main.py toggle`` — what a Wayland compositor's key binding would run."""
    murmur.wait_ready()
    assert murmur.cli("toggle").returncode == 0
    murmur.wait_state("recording")
    player = pulse.play(test_data / "speech" / "ls_1089-134691-0001.wav")
    assert player.wait(60) == 0
    recorded_from = murmur.details()["captured_seconds"]
    wait_until(lambda: murmur.details()["captured_seconds"] > recorded_from + 1.0, 30,
               "the capture to pass the end of the clip")
    assert murmur.cli("toggle").returncode == 0
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    errors = word_errors("FOR A FULL HOUR HE HAD PACED UP AND DOWN WAITING BUT HE COULD WAIT NO LONGER",
                         target.text())
    assert errors.errors <= 1, (target.text(), murmur.log_tail())


def test_a_second_launch_leaves_the_first_running(murmur):
    murmur.wait_ready()
    second = murmur.cli()  # `python main.py` again: raises the first window and exits
    assert second.returncode == 0, second.stderr
    assert murmur.cli("status").stdout.strip() == "idle"


def test_silence_inserts_nothing(murmur, target):
    murmur.wait_ready()
    assert murmur.cli("start").returncode == 0
    murmur.wait_state("recording")
    recorded_from = murmur.details()["captured_seconds"]
    wait_until(lambda: murmur.details()["captured_seconds"] > recorded_from + 2.0, 30,
               "two seconds of silence")
    assert murmur.cli("stop").returncode == 0
    murmur.wait_state("idle", timeout=TRANSCRIBE_TIMEOUT_S)
    assert target.text().strip() == ""
