"""Nothing invented, in the running app: noise into the microphone types nothing and the user
is told "Nothing was heard.".

Real parts: Murmur started as a user would (``python main.py``, tests/e2e/murmur_app.py) on a
private Xvfb with the real Whisper model; its microphone is a private PulseAudio daemon's
null-sink monitor (tests/audio/pulse_server.py), into which ``paplay`` plays clips of
tests/data/noise; a Tk text window in another process has the focus; the hotkey is held and
released with xdotool. What the user sees is read from ``main.py status --json`` (``window``:
the status line). The component test (test_nothing_invented.py) runs every clip; these are the
ones closest to speech for the VAD and for Whisper (a voiced cough that Whisper turned into
"*BOOM*", typing, close breathing).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from e2e_desktop import history_texts, xdotool
from xvfb import wait_until

from app.controller import NOTHING_HEARD

pytestmark = pytest.mark.model

NOISE_DIR = Path(__file__).resolve().parents[1] / "data" / "noise"
TRANSCRIBE_TIMEOUT_S = 90
#: The capture delivers what was played a little after paplay returns: keep recording this long.
TAIL_S = 1.5



@pytest.mark.parametrize("clip", ["cough", "keyboard", "breathing"])
def test_noise_into_the_microphone_types_nothing(murmur, target, pulse, x_server, clip):
    murmur.wait_ready()
    xdotool(x_server, "keydown", "ctrl+alt+space")
    murmur.wait_state("recording")
    player = pulse.play(NOISE_DIR / f"{clip}.wav")
    assert player.wait(60) == 0, player.stderr.read()
    murmur.record_past(TAIL_S)
    xdotool(x_server, "keyup", "space", "keyup", "alt", "keyup", "ctrl")
    wait_until(lambda: NOTHING_HEARD in (murmur.details() or {}).get("window", ""),
               TRANSCRIBE_TIMEOUT_S, f"'{NOTHING_HEARD}' after {clip}")
    murmur.wait_state("idle")
    assert target.text() == "", (clip, target.text(), murmur.log_tail())
    assert not any(text.strip() for text in history_texts()), (clip, history_texts())
