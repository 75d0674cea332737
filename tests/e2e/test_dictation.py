"""Dictation end to end: a real hotkey, real speech through a (virtual) microphone, the real
model, and the words in another application's window. See conftest.py for what runs.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_desktop import clipboard_text, history_texts, set_clipboard, xdotool
from xvfb import wait_until

from engine.wer import word_errors

pytestmark = pytest.mark.model

JFK = "And so my fellow Americans ask not what your country can do for you, ask what you can do for your country."
FULL_HOUR = "FOR A FULL HOUR HE HAD PACED UP AND DOWN WAITING BUT HE COULD WAIT NO LONGER"
TRANSCRIBE_TIMEOUT_S = 90
#: The capture delivers what was played a little after paplay returns: keep recording this long.
TAIL_S = 1.5


def screenshot_if_asked(server) -> None:
    """``MURMUR_SCREENSHOT=docs/screenshot.png``: save the window as it records (for the README)."""
    out = os.environ.get("MURMUR_SCREENSHOT")
    if not out:
        return
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Murmur"],
                           env=server.env, capture_output=True, text=True, timeout=10).stdout.split()
    subprocess.run([sys.executable, str(Path(__file__).with_name("screen_grab.py")), found[-1], out],
                   env={**server.env, "QT_QPA_PLATFORM": "xcb"}, check=True, timeout=30)


def speak(murmur, pulse, clip: Path, while_speaking=None) -> None:
    """Play ``clip`` into the microphone; ``while_speaking`` runs 8 s into it (a screenshot)."""
    player = pulse.play(clip)
    if while_speaking:
        murmur.record_past(8.0)
        while_speaking()
    assert player.wait(60) == 0, player.stderr.read()
    murmur.record_past(TAIL_S)



def test_hold_the_hotkey_speak_release_and_the_words_land_in_the_focused_window(
        murmur, target, pulse, x_server, test_data):
    murmur.wait_ready()
    set_clipboard(x_server, "what the user had copied")
    assert murmur.cli("status").stdout.strip() == "idle"
    xdotool(x_server, "keydown", "ctrl+alt+space")
    murmur.wait_state("recording")
    speak(murmur, pulse, test_data / "speech" / "jfk.wav",
          while_speaking=lambda: screenshot_if_asked(x_server))
    xdotool(x_server, "keyup", "space", "keyup", "alt", "keyup", "ctrl")
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    murmur.wait_state("idle")
    assert word_errors(JFK, target.text()).errors <= 1, (target.text(), murmur.log_tail())
    assert clipboard_text(x_server) == "what the user had copied"
    assert history_texts() == [target.text().strip()]


def test_tap_to_start_tap_to_finish(murmur, target, pulse, x_server, test_data):
    murmur.wait_ready()
    xdotool(x_server, "key", "ctrl+alt+space")  # press and release at once: toggle mode
    murmur.wait_state("recording")
    speak(murmur, pulse, test_data / "speech" / "ls_1089-134691-0001.wav")
    assert murmur.details()["state"] == "recording"  # releasing did not finish it
    xdotool(x_server, "key", "ctrl+alt+space")
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    assert word_errors(FULL_HOUR, target.text()).errors <= 1, (target.text(), murmur.log_tail())


def test_escape_cancels_and_nothing_is_inserted(murmur, target, pulse, x_server, test_data):
    murmur.wait_ready()
    xdotool(x_server, "key", "ctrl+alt+space")
    murmur.wait_state("recording")
    speak(murmur, pulse, test_data / "speech" / "ls_1089-134691-0000.wav")
    xdotool(x_server, "key", "Escape")
    murmur.wait_state("idle")
    murmur.record_past(1.0)  # time for anything wrongly transcribed to arrive
    assert target.text() == "" and history_texts() == []


def test_scripted_toggle_into_a_terminal(murmur, open_target, pulse, test_data):
    """``main.py toggle`` — what a Wayland compositor's key binding would run — into a window of
    class XTerm, which pastes only with Ctrl+Shift+V (Ctrl+V would type a literal ^V)."""
    terminal = open_target(terminal=True)
    murmur.wait_ready()
    assert murmur.cli("toggle").returncode == 0
    murmur.wait_state("recording")
    speak(murmur, pulse, test_data / "speech" / "ls_1089-134691-0001.wav")
    assert murmur.cli("toggle").returncode == 0
    wait_until(lambda: terminal.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the terminal")
    assert "^V" not in terminal.text()
    assert word_errors(FULL_HOUR, terminal.text()).errors <= 1, (terminal.text(), murmur.log_tail())


def test_non_ascii_speech_arrives_intact(murmur_german, target, pulse, tmp_path):
    """German speech (espeak-ng) with ö and ß: the characters reach the target as they are.
    (Whisper spells "Straße" either way, so only words with one spelling are asserted.)"""
    murmur = murmur_german
    clip = tmp_path / "de.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-s", "140", "-w", str(clip),
                    "Die Straße ist schön, und der Fluss ist groß."], check=True, timeout=30)
    murmur.wait_ready()
    assert murmur.cli("start").returncode == 0
    murmur.wait_state("recording")
    speak(murmur, pulse, clip)
    assert murmur.cli("stop").returncode == 0
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    words = target.text().lower()
    assert "schön" in words and "groß" in words, target.text()


def test_a_second_launch_leaves_the_first_running(murmur):
    murmur.wait_ready()
    second = murmur.cli()  # `python main.py` again: raises the first window and exits
    assert second.returncode == 0, second.stderr
    assert murmur.cli("status").stdout.strip() == "idle"


def test_silence_inserts_nothing(murmur, target):
    murmur.wait_ready()
    assert murmur.cli("start").returncode == 0
    murmur.wait_state("recording")
    murmur.record_past(2.0)
    assert murmur.cli("stop").returncode == 0
    murmur.wait_state("idle", timeout=TRANSCRIBE_TIMEOUT_S)
    assert target.text().strip() == ""
