"""SIGTERM (what a session logout or ``kill`` sends) quits Murmur cleanly, losing no words.

Real parts: Murmur started as a user would (``python main.py``, tests/e2e/murmur_app.py) on a
private Xvfb with the real Whisper model in its engine child process; its microphone is a private
PulseAudio daemon's null-sink monitor into which ``paplay`` plays real speech; a Tk text window in
another process has the focus. The fault is real: ``SIGTERM`` sent to the app's process. The
engine children are found through /proc (tests/engine_procs.py), the instance socket in the app's
XDG_RUNTIME_DIR; the kept dictation is read from ``main.py status --json`` (``kept_dictations``)
and transcribed with ``main.py retry``, its words read from the history database.
"""
from __future__ import annotations

import signal
from pathlib import Path

import pytest
from e2e_desktop import history_texts
from xvfb import wait_until

from engine.wer import word_errors
from tests.engine_procs import engine_children, is_running

pytestmark = pytest.mark.model

JFK = ("And so my fellow Americans ask not what your country can do for you, ask what you can "
       "do for your country.")
JFK_SECONDS = 11.0
QUIT_TIMEOUT_S = 30  # a deadline for the exit, not a measured duration
TRANSCRIBE_TIMEOUT_S = 120



def instance_sockets(murmur) -> list[Path]:
    return list(Path(murmur.env["XDG_RUNTIME_DIR"]).glob("murmur-*.sock"))


def terminate(murmur) -> int:
    """SIGTERM the app and return its exit status (fails if it does not exit in time)."""
    murmur.process.send_signal(signal.SIGTERM)
    return murmur.process.wait(QUIT_TIMEOUT_S)


def test_sigterm_while_idle_quits_cleanly(murmur):
    murmur.wait_ready()
    children = engine_children(murmur.process.pid)
    assert children and instance_sockets(murmur)  # there is something to clean up
    assert terminate(murmur) == 0, murmur.log_tail()
    assert not [pid for pid in children if is_running(pid)]  # the engine child was closed
    assert instance_sockets(murmur) == []
    assert "Traceback" not in murmur.log_tail()


def test_sigterm_mid_dictation_keeps_it_and_the_next_start_retries_it(
        launch_murmur, target, pulse, test_data):
    first = launch_murmur()
    first.wait_ready()
    assert first.cli("start").returncode == 0
    first.wait_state("recording")
    player = pulse.play(test_data / "speech" / "jfk.wav")
    assert player.wait(60) == 0, player.stderr.read()
    first.record_past(1.5)
    assert terminate(first) == 0, first.log_tail()  # quit mid-dictation, like a logout
    assert "Traceback" not in first.log_tail()
    assert target.text().strip() == ""

    second = launch_murmur()
    details = second.wait_ready()
    (kept,) = details["kept_dictations"]  # offered, whole (the words and the tail after them)
    assert kept["seconds"] > JFK_SECONDS and not kept["transcribing"]
    assert second.cli("retry").returncode == 0
    wait_until(lambda: second.details()["kept_dictations"] == [] and history_texts(),
               TRANSCRIBE_TIMEOUT_S, "the kept dictation transcribed")
    (text,) = history_texts()
    assert word_errors(JFK, text).errors <= 2, (text, second.log_tail())
