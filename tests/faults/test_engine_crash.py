"""Fault 2: the native engine crashes (abort or segfault inside whisper.cpp).

The real ``ProcessEngine`` runs the real Whisper base model (``MURMUR_TEST_MODEL``) in its real
child process; the test sends that process SIGSEGV or SIGABRT while it is inside ``whisper_full``
on real speech (tests/engine_procs.py waits for that: the child's "busy" message, then its CPU
time growing). The caller must get ``EngineCrashed`` naming the signal, survive (it is this test
process), and the next transcription must work. The app-level test does the same to the engine
child of the real running app (tests/e2e/murmur_app.py: Xvfb, PulseAudio null sink as the
microphone, a real target window) in the middle of a dictation.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from e2e_desktop import xdotool
from xvfb import wait_until

from app.history import History
from audio.decode import decode_file
from engine import engine_process
from engine.engine_process import ProcessEngine
from engine.errors import EngineCrashed
from engine.options import TranscribeOptions
from engine.wer import word_errors
from tests.engine_procs import (
    cpu_ticks,
    engine_children,
    is_running,
    wait_for,
    wait_inside_whisper,
)

pytestmark = pytest.mark.model

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"
JFK = "And so my fellow Americans ask not what your country can do for you, ask what you can do for your country."
FULL_HOUR = "FOR A FULL HOUR HE HAD PACED UP AND DOWN WAITING BUT HE COULD WAIT NO LONGER"
EN = TranscribeOptions(language="en", threads=2)


@pytest.fixture(scope="module")
def engine(default_model_path):
    with ProcessEngine(default_model_path) as loaded:
        yield loaded


@pytest.fixture(scope="module")
def jfk_audio():
    return decode_file(SPEECH / "jfk.wav").samples


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGABRT])
def test_a_crash_inside_whisper_raises_engine_crashed_and_the_next_call_works(
        engine, jfk_audio, sig, caplog):
    caplog.set_level(logging.WARNING, logger="engine.child")
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(engine.transcribe, np.tile(jfk_audio, 2), EN)
        pid = wait_inside_whisper(engine)
        os.kill(pid, sig)
        with pytest.raises(EngineCrashed) as info:
            call.result()
    message = str(info.value)
    assert message == (f"The speech engine crashed ({sig.name}) while transcribing; the "
                       "recording is kept and the engine is restarting.")
    assert not Path(f"/proc/{pid}").exists()  # reaped
    assert engine.pid != pid and engine_children() == [engine.pid]  # already loading again
    # The child's Python stacks at the signal (faulthandler), relayed into the app's log.
    fatal = f"[{pid}] Fatal Python error: {'Segmentation fault' if sig == signal.SIGSEGV else 'Aborted'}"
    wait_for(lambda: fatal in caplog.messages, 30, "the child's stacks in the log")
    assert any(m.startswith(f"[{pid}] ") and "in transcribe" in m for m in caplog.messages), \
        caplog.messages
    assert engine.transcribe(jfk_audio, EN).text.strip() == JFK


def test_a_hung_child_is_stopped_after_the_bound_and_the_next_call_works(
        default_model_path, jfk_audio, monkeypatch):
    """whisper.cpp never returning is simulated by freezing the real child (SIGSTOP) inside
    ``whisper_full``; the bound is lowered from minutes to two seconds for the test."""
    monkeypatch.setattr(engine_process, "STUCK_BASE_S", 2.0)
    monkeypatch.setattr(engine_process, "STUCK_PER_AUDIO_S", 0.0)
    with ProcessEngine(default_model_path) as engine, ThreadPoolExecutor(1) as pool:
        call = pool.submit(engine.transcribe, jfk_audio, EN)
        wait_for(engine.busy.is_set, 120, "the engine child to start transcribing")
        pid = engine.pid
        os.kill(pid, signal.SIGSTOP)
        with pytest.raises(EngineCrashed) as info:
            call.result()
        assert str(info.value) == ("The speech engine stopped responding while transcribing; "
                                   "the recording is kept and the engine is restarting.")
        assert not Path(f"/proc/{pid}").exists()
        monkeypatch.undo()
        assert engine.transcribe(jfk_audio, EN).text.strip() == JFK


def test_a_crash_while_loading_is_a_clear_error_and_nothing_is_left(default_model_path):
    """The child is stopped (SIGSTOP) as soon as it exists and aborted; if it had reported the
    model loaded before that after all, the round is repeated."""
    for _ in range(5):
        before = set(engine_children())
        with ThreadPoolExecutor(1) as pool:
            load = pool.submit(ProcessEngine, default_model_path)
            pid = wait_for(lambda: next(iter(set(engine_children()) - before), None), 60,
                           "the engine child to start")
            os.kill(pid, signal.SIGSTOP)
            os.kill(pid, signal.SIGABRT)  # delivered when it continues
            os.kill(pid, signal.SIGCONT)
            try:
                loaded = load.result()
            except EngineCrashed as error:
                message = str(error)
            else:  # it had reported the model loaded before it was stopped: again
                loaded.close()
                continue
        assert message.startswith(
            f"The speech engine crashed (SIGABRT) while loading {default_model_path.name}; ")
        assert "model file may be damaged" in message
        assert set(engine_children()) == before and not Path(f"/proc/{pid}").exists()
        return
    pytest.fail("the child loaded before it could be stopped, five times")


# --- the real app -------------------------------------------------------------------------------

def _dictate(app, pulse, x_server, clip: Path) -> None:
    xdotool(x_server, "keydown", "ctrl+alt+space")
    app.wait_state("recording")
    player = pulse.play(clip)
    assert player.wait(60) == 0, player.stderr.read()
    app.record_past(1.5)
    xdotool(x_server, "keyup", "space", "keyup", "alt", "keyup", "ctrl")


def test_the_app_survives_an_engine_crash_mid_dictation_and_the_next_dictation_works(
        murmur, target, pulse, x_server):
    """The engine child is killed with SIGSEGV the moment it first computes in a dictation.

    Streaming transcribes while the person speaks, so that moment is one of: a speculative
    transcription (the worker drops it and transcribes the piece again on the restarted
    engine: the words arrive, the crash is only in the log), or a piece or the tail (the
    dictation fails: the window says the engine crashed, the audio is kept and ``retry``
    transcribes it). Either way no word is lost and the next dictation works.
    """
    murmur.wait_ready()
    [child] = engine_children(murmur.process.pid)
    assert murmur.details()["kept_dictations"] == []

    def crash_when_computing() -> None:
        start = cpu_ticks(child)
        wait_for(lambda: cpu_ticks(child) > start + 5, 120, "the engine child to compute")
        os.kill(child, signal.SIGSEGV)

    killer = threading.Thread(target=crash_when_computing, daemon=True)
    killer.start()
    _dictate(murmur, pulse, x_server, SPEECH / "jfk.wav")
    killer.join(120)
    assert not killer.is_alive() and not is_running(child)

    def outcome():
        details = murmur.details() or {}
        if details.get("state") == "error":
            return "failed"
        return "recovered" if details.get("state") == "idle" and target.text().strip() else None

    # Generous: on a loaded two-core machine the restarted engine redoes the pieces.
    if wait_until(outcome, 400, "the dictation to fail or recover") == "failed":
        details = murmur.details()
        assert "The speech engine crashed (SIGSEGV)" in details["window"], details
        assert target.text() == ""  # nothing invented, nothing half-inserted
        assert len(details["kept_dictations"]) == 1  # the dictation's audio, kept for a retry
    else:
        assert word_errors(JFK, target.text()).errors <= 2, (target.text(), murmur.log_tail())
    assert "The speech engine crashed (SIGSEGV)" in murmur.log.read_text(errors="replace")

    new_child = wait_until(lambda: [p for p in engine_children(murmur.process.pid)
                                    if p != child] or None, 60, "a new engine child")[0]
    first = target.text()
    _dictate(murmur, pulse, x_server, SPEECH / "ls_1089-134691-0001.wav")
    wait_until(lambda: target.text()[len(first):].strip(), 120, "text in the target window")
    murmur.wait_state("idle")
    second = target.text()[len(first):]
    assert word_errors(FULL_HOUR, second).errors <= 1, (second, murmur.log_tail())
    assert engine_children(murmur.process.pid) == [new_child]

    if murmur.details()["kept_dictations"]:  # the crashed dictation's audio: no word lost
        assert murmur.cli("retry").returncode == 0
        wait_until(lambda: murmur.details()["kept_dictations"] == [], 180,
                   "the kept dictation to be transcribed")
    texts = _history_texts()
    assert len(texts) == 2 and any(word_errors(JFK, t).errors <= 2 for t in texts), texts


def _history_texts() -> list[str]:
    history = History(Path(os.environ["XDG_DATA_HOME"]) / "murmur" / "history.sqlite3")
    try:
        return [entry.text for entry in history.entries()]
    finally:
        history.close()
