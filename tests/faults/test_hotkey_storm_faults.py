"""Fault 8: the hotkey pressed fifty times in a second; start while transcribing (a deferred
start: recorded from the press, inserted after the first); cancel while pasting.

Real parts: Murmur started as a user would (``python main.py``, tests/e2e/murmur_app.py) on a
private Xvfb with the real Whisper model; the microphone is a private PulseAudio daemon's
null-sink monitor into which ``paplay`` plays real speech; the global hotkey is pressed with
xdotool (real X key events, seen by Murmur's pynput listener); the words land in a Tk text window
in another process. To hold the paste open long enough to cancel during it, the clipboard's
owner is a real ``xclip`` process that is stopped (SIGSTOP): reading what it holds costs Murmur
its read deadline, as with any hung application.

What the user sees is read from ``main.py status --json`` (``window`` is the status line).
"""
from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from e2e_desktop import clipboard_text, history_texts, xdotool
from xvfb import wait_until

from engine.wer import word_errors

pytestmark = pytest.mark.model

FULL_HOUR = "FOR A FULL HOUR HE HAD PACED UP AND DOWN WAITING BUT HE COULD WAIT NO LONGER"
REPORTS = "It was my reports from the north which chiefly induced people to buy."
CHORD = "ctrl+alt+space"
PRESSES = 50
TRANSCRIBE_TIMEOUT_S = 90
TAIL_S = 1.5



def speak(murmur, pulse, clip: Path) -> None:
    player = pulse.play(clip)
    assert player.wait(60) == 0, player.stderr.read()
    murmur.record_past(TAIL_S)


def settled_state(murmur) -> str:
    """The state once nothing is under way: idle/error, or recording waiting for its stop."""
    return wait_until(lambda: (s := murmur.details()["state"]) in ("idle", "recording", "error")
                      and s, TRANSCRIBE_TIMEOUT_S, "Murmur to settle")


def test_fifty_presses_in_a_second_leave_a_consistent_working_app(murmur, target, pulse,
                                                                   x_server, test_data):
    murmur.wait_ready()
    # 50 taps, 20 ms apart: start, stop, and presses that arrive while the silence is processed.
    xdotool(x_server, "key", "--delay", "20", *[CHORD] * PRESSES)
    state = settled_state(murmur)
    if state == "recording":  # an odd number of presses got through: one last stop
        xdotool(x_server, "key", CHORD)
    murmur.wait_state("idle", TRANSCRIBE_TIMEOUT_S)
    assert murmur.process.poll() is None
    # Nothing was said: nothing may be inserted or kept, however many dictations began.
    assert target.text().strip() == "", (target.text(), murmur.log_tail())
    assert history_texts() == []
    log = murmur.log.read_text()  # the controller logs every move (--verbose)
    starts = log.count(": idle -> recording")
    assert 1 <= starts <= PRESSES // 2, murmur.log_tail()

    # And the hotkey still works as it should: one tap starts, the next finishes.
    xdotool(x_server, "key", CHORD)
    murmur.wait_state("recording")
    speak(murmur, pulse, test_data / "speech" / "ls_1089-134691-0001.wav")
    xdotool(x_server, "key", CHORD)
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    murmur.wait_state("idle")
    assert word_errors(FULL_HOUR, target.text()).errors <= 1, (target.text(), murmur.log_tail())
    assert history_texts() == [target.text().strip()]


def test_a_start_while_transcribing_records_from_the_press_and_lands_after_the_first(
        murmur, target, pulse, x_server, test_data):
    """A fast user: stop, press again at once and speak straight away, while the first dictation
    is still being transcribed. Nothing said after the second press is lost: it is transcribed
    from the press on and inserted after the first dictation, and both are in history, in
    order."""
    murmur.wait_ready()
    xdotool(x_server, "key", CHORD)
    murmur.wait_state("recording")
    speak(murmur, pulse, test_data / "speech" / "ls_1089-134691-0001.wav")
    # Finish, and press again at once: both key events are queued before the transcript can
    # come back from the engine and be pasted (a paste alone starts xclip processes).
    xdotool(x_server, "key", "--delay", "1", CHORD, CHORD)
    speak(murmur, pulse, test_data / "speech" / "arctic_a0024.wav")  # right after the press
    xdotool(x_server, "key", CHORD)  # the tap that stops the second dictation
    wait_until(lambda: len(history_texts()) == 2, TRANSCRIBE_TIMEOUT_S * 2,
               "both dictations in history")
    murmur.wait_state("idle", TRANSCRIBE_TIMEOUT_S)
    log = murmur.log.read_text()
    assert ("deferred start: none -> waiting (start while transcribing)" in log
            or "deferred start: none -> waiting (start while pasting)" in log), murmur.log_tail()
    second, first = history_texts()  # newest first
    assert word_errors(FULL_HOUR, first).errors <= 1, (first, murmur.log_tail())
    # Its first words were spoken while the first dictation was still being finished.
    assert word_errors(REPORTS, second).errors <= 1, (second, murmur.log_tail())
    text = target.text()
    assert text.index(first) < text.index(second), text  # one after the other, not interleaved
    assert word_errors(f"{FULL_HOUR} {REPORTS}", text).errors <= 2, text
    xdotool(x_server, "key", CHORD)  # and the next press starts a dictation at once
    murmur.wait_state("recording")
    xdotool(x_server, "key", "Escape")
    murmur.wait_state("idle")


def test_cancel_while_pasting_is_too_late_and_said_and_the_text_lands_once(
        murmur, target, pulse, x_server, test_data):
    owner = subprocess.Popen(["xclip", "-selection", "clipboard", "-i", "-quiet"],
                             stdin=subprocess.PIPE, env=x_server.env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        owner.stdin.write(b"copied in a hung app")
        owner.stdin.close()
        wait_until(lambda: clipboard_text(x_server) == "copied in a hung app", 10,
                   "xclip to own the clipboard")
        murmur.wait_ready()
        owner.send_signal(signal.SIGSTOP)  # alive, still the owner, answers nothing
        xdotool(x_server, "key", CHORD)
        murmur.wait_state("recording")
        speak(murmur, pulse, test_data / "speech" / "ls_1089-134691-0001.wav")
        xdotool(x_server, "key", CHORD)
        murmur.wait_state("pasting")  # reading the hung owner's clipboard holds it here
        xdotool(x_server, "key", "Escape")  # Esc: only a recording can be cancelled by it
        assert murmur.cli("cancel").returncode == 0  # the scripted cancel comes too late
        wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S,
                   "text in the target window")
        murmur.wait_state("idle")
    finally:
        owner.send_signal(signal.SIGCONT)
        owner.kill()
        owner.wait(10)
    log = murmur.log.read_text()
    assert "ignored cancel while pasting" in log, murmur.log_tail()
    assert word_errors(FULL_HOUR, target.text()).errors <= 1, (target.text(), murmur.log_tail())
    assert history_texts() == [target.text().strip()]
    # The user is told what happened to the clipboard of the app that did not answer.
    window = murmur.details()["window"]
    assert "could not" in window and "copied" in window, window
