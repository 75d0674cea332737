"""Fault 1: no microphone at start; the microphone vanishing mid-dictation; one coming back.

Real parts: Murmur started as a user would (``python main.py``, tests/e2e/murmur_app.py) on a
private Xvfb with the real Whisper model; its microphone is a private PulseAudio daemon's
null-sink monitor (tests/audio/pulse_server.py), into which ``paplay`` plays real speech; the
words land in a Tk text window in another process; the hotkey is pressed with xdotool. The
fault is real too: the PulseAudio daemon is SIGKILLed (before launch, or mid-speech), so
PortAudio's stream ends as it does when a USB microphone is pulled, and a new daemon started
on the same socket is the microphone coming back.

What the user sees is read from ``main.py status --json``: the state, ``microphone`` (the open
device), ``microphone_problem`` and ``window`` (what the window's status line says).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from e2e_desktop import history_texts, xdotool
from xvfb import wait_until

from engine.wer import word_errors

pytestmark = pytest.mark.model

JFK = ("And so my fellow Americans ask not what your country can do for you, ask what you can "
       "do for your country.")
FULL_HOUR = "FOR A FULL HOUR HE HAD PACED UP AND DOWN WAITING BUT HE COULD WAIT NO LONGER"
TRANSCRIBE_TIMEOUT_S = 90
APP_READY_TIMEOUT_S = 180  # a cold start with no sound server, on a loaded machine
#: A capture looks for a device again at most every 5 s (``CaptureOptions.max_retry_seconds``).
COME_BACK_TIMEOUT_S = 30
TAIL_S = 1.5
CUT_WORDS = 4


def story(murmur) -> str:
    """What the app logged about the dictation and the microphone (for failure messages)."""
    keep = ("app.controller", "audio.capture", "WARNING", "ERROR", "Traceback")
    lines = murmur.log.read_text(errors="replace").splitlines()
    return "\n".join(line for line in lines if any(k in line for k in keep))[-4000:]


def waited(murmur, condition, timeout: float, what: str):
    """``wait_until``, failing with the app's story instead of a bare time-out."""
    try:
        return wait_until(condition, timeout, what)
    except TimeoutError as error:
        raise AssertionError(f"{error}\n{story(murmur)}") from None



def tap_hotkey(x_server) -> None:
    xdotool(x_server, "key", "ctrl+alt+space")  # press and release: tap to start / to finish


def dictate(murmur, pulse, x_server, clip: Path) -> None:
    tap_hotkey(x_server)
    murmur.wait_state("recording")
    player = pulse.play(clip)
    assert player.wait(60) == 0, player.stderr.read()
    murmur.record_past(TAIL_S)
    tap_hotkey(x_server)


def wait_microphone_back(murmur) -> dict:
    return waited(murmur, lambda: (d := murmur.details()) and d["microphone"]
                  and d["microphone_problem"] is None and d, COME_BACK_TIMEOUT_S,
                  "the microphone to be back")


def leading_words_errors(reference: str, heard: str) -> int:
    """Errors of ``heard`` against the best-matching leading part of ``reference``."""
    words = re.findall(r"[\w']+", reference)
    return min(word_errors(" ".join(words[:n]), heard).errors for n in range(1, len(words) + 1))


def before_the_cut_errors(reference: str, heard: str) -> int:
    """Errors of ``heard`` against the start of ``reference``, leaving out up to
    ``CUT_WORDS`` last words: the word being said when the microphone died is cut off, and
    Whisper may make several words of its last syllable ("what your coun-" came out as "why do
    you are"). At least four words must still be scored."""
    words = heard.split()
    return min(leading_words_errors(reference, " ".join(words[:len(words) - cut]))
               for cut in range(min(CUT_WORDS, len(words) - 4) + 1))


def test_no_microphone_at_start_is_said_and_a_dictation_is_refused_until_one_comes(
        pulse, launch_murmur, target, x_server, test_data):
    pulse.kill()  # the sound server is down before Murmur starts: no input device at all
    murmur = launch_murmur()
    try:
        details = wait_until(lambda: (d := murmur.details()) and d["model_loaded"]
                             and d["hotkey_armed"] and d["microphone_problem"] and d,
                             APP_READY_TIMEOUT_S, "Murmur up, knowing there is no microphone")
    except TimeoutError as error:
        raise AssertionError(f"{error}: {murmur.details()} {murmur.log_tail()}") from None
    assert details["microphone"] is None and details["state"] == "idle"
    assert "microphone" in details["window"].lower(), details

    tap_hotkey(x_server)  # a dictation attempt: refused at once, and the reason is on screen
    murmur.wait_state("error")
    details = waited(murmur, murmur.details, 30, "a status answer")
    assert "Cannot record" in details["window"] and "icrophone" in details["window"], details

    pulse.start()  # a microphone appears: Murmur finds it by itself
    wait_microphone_back(murmur)
    murmur.wait_ready()
    dictate(murmur, pulse, x_server, test_data / "speech" / "ls_1089-134691-0001.wav")
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    assert word_errors(FULL_HOUR, target.text()).errors <= 1, (target.text(), murmur.log_tail())


def test_microphone_vanishing_mid_dictation_inserts_what_was_said_and_recording_resumes(
        murmur, target, pulse, x_server, test_data):
    murmur.wait_ready()
    tap_hotkey(x_server)
    murmur.wait_state("recording")
    player = pulse.play(test_data / "speech" / "jfk.wav")
    murmur.record_past(6.0)  # about half of the sentence is in
    pulse.kill()  # the microphone goes away mid-speech (paplay dies with the daemon)
    player.wait(10)

    # What was said until then is transcribed and inserted where the user was dictating.
    waited(murmur, lambda: target.text().strip()
           and (murmur.details() or {}).get("state") == "idle",
           TRANSCRIBE_TIMEOUT_S, "the text so far in the target window")
    heard = target.text().strip()
    assert len(heard.split()) >= 4, (heard, story(murmur))
    assert before_the_cut_errors(JFK, heard) <= 1, (heard, story(murmur))
    assert history_texts() == [heard]
    details = waited(murmur, murmur.details, 30, "a status answer")  # alive, and it says why
    assert details["microphone"] is None and details["microphone_problem"], details
    assert "icrophone" in details["window"], details

    pulse.start()  # the microphone comes back: capture resumes, the next dictation works
    wait_microphone_back(murmur)
    murmur.wait_ready()
    before = target.text()
    dictate(murmur, pulse, x_server, test_data / "speech" / "ls_1089-134691-0001.wav")
    waited(murmur, lambda: target.text() != before
           and (murmur.details() or {}).get("state") == "idle",
           TRANSCRIBE_TIMEOUT_S, "the second dictation in the target window")
    second = target.text()[len(before):]
    assert word_errors(FULL_HOUR, second).errors <= 1, (second, story(murmur))
