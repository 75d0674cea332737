"""The process engine on the real Whisper base model: whisper.cpp in a real child process
(``python -m engine.engine_child``, started by ``ProcessEngine``), talked to over a real socket.

The model is ``MURMUR_TEST_MODEL`` (tests/conftest.py); damaged model files are built from it in
tmp dirs. The child is found and watched through /proc (tests/engine_procs.py); a "parent" that
dies is a real Python process started here and killed with SIGKILL.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from audio.decode import decode_file
from engine.engine_child import EXIT_PARENT_GONE
from engine.engine_process import ProcessEngine, early_process_engine, load_process_engine
from engine.engine_messages import Stop
from engine.errors import EngineCrashed, EngineError, ModelFileError, TranscriptionStopped
from engine.options import SAMPLE_RATE, TranscribeOptions
from engine.whisper_engine import WhisperEngine, load_engine
from tests.engine_procs import (
    engine_children,
    is_running,
    wait_for,
    wait_inside_whisper,
)

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
EN = TranscribeOptions(language="en", threads=2)
TEST_WAV = ROOT / "tests" / "data" / "speech" / "jfk.wav"
JFK = "And so my fellow Americans ask not what your country can do for you, ask what you can do for your country."
GONE_S = 60  # an exiting child frees a ~100 MB model; a loaded machine may take a while


@pytest.fixture(scope="module")
def engine(default_model_path):
    with ProcessEngine(default_model_path) as loaded:
        yield loaded


@pytest.fixture(scope="module")
def jfk_audio():
    return decode_file(TEST_WAV).samples


def test_same_transcript_as_in_process(engine, default_model_path, jfk_audio):
    with WhisperEngine(default_model_path) as local:
        expected = local.transcribe(jfk_audio, EN)
        assert engine.multilingual == local.multilingual
        assert engine.info == local.info
    got = engine.transcribe(jfk_audio, EN)
    assert got.text == expected.text
    assert [(s.start, s.end, s.text) for s in got.segments] == \
        [(s.start, s.end, s.text) for s in expected.segments]
    assert got.language == "en"
    assert got.audio_seconds == pytest.approx(11.0, abs=0.01)
    assert engine.pid != os.getpid() and engine.pid in engine_children()


def test_every_option_crosses_the_boundary(engine, jfk_audio):
    """The options travel pickled whole: a token cap set here stops the child's decode."""
    capped = engine.transcribe(jfk_audio, replace(EN, audio_ctx=640, single_segment=True,
                                                  temperature_fallback=False, max_tokens=8))
    assert capped.tokens == 9 and 0 < len(capped.text.split()) <= 9


@pytest.mark.parametrize("samples", [0, 800, SAMPLE_RATE * 10])
def test_any_length_crosses_the_boundary(engine, samples):
    transcript = engine.transcribe(np.zeros(samples, np.float32), EN)
    assert transcript.audio_seconds == pytest.approx(samples / SAMPLE_RATE)


def test_an_idle_child_killed_from_outside_is_started_again_on_the_next_call(
        default_model_path, jfk_audio):
    with ProcessEngine(default_model_path) as engine:
        first = engine.pid
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: not is_running(first), GONE_S, "the killed child to end")
        assert engine.transcribe(jfk_audio, EN).text.strip() == JFK
        assert engine.pid != first


# --- load errors cross the boundary as the same errors -----------------------------------------

def _truncated(model, path):
    with open(model, "rb") as src:
        path.write_bytes(src.read(5_000_000))


def _corrupt_magic(model, path):
    shutil.copyfile(model, path)
    with open(path, "r+b") as handle:
        handle.write(b"JUNK")


@pytest.mark.parametrize("damage", [
    lambda model, path: None,  # missing
    lambda model, path: path.write_bytes(b""),
    _truncated,
    _corrupt_magic,
    lambda model, path: shutil.copyfile(TEST_WAV, path),  # a WAV where a model should be
])
def test_load_errors_are_the_in_process_errors(default_model_path, tmp_path, damage):
    path = tmp_path / "ggml-damaged.bin"
    damage(default_model_path, path)
    before = engine_children()  # the module's engine, once it has started
    with pytest.raises((ModelFileError, EngineError)) as local:
        load_engine(path)
    with pytest.raises((ModelFileError, EngineError)) as remote:
        load_process_engine(path)
    assert type(remote.value) is type(local.value)
    assert str(remote.value) == str(local.value)
    assert engine_children() == before


# --- closing ------------------------------------------------------------------------------------

def test_close_ends_and_reaps_the_child(default_model_path):
    engine = ProcessEngine(default_model_path)
    pid = engine.pid
    assert is_running(pid)
    engine.close()
    assert engine.pid is None
    assert not Path(f"/proc/{pid}").exists()  # reaped: not even a zombie is left
    with pytest.raises(EngineError, match="closed"):
        engine.transcribe(np.zeros(SAMPLE_RATE, np.float32), EN)


def test_close_from_another_thread_ends_a_call_under_way(default_model_path, jfk_audio):
    before = engine_children()
    engine = ProcessEngine(default_model_path)
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(engine.transcribe, np.tile(jfk_audio, 2), EN)
        pid = wait_inside_whisper(engine)
        engine.close()
        with pytest.raises(EngineError, match="closed") as info:
            call.result()
    assert not isinstance(info.value, EngineCrashed)
    assert not Path(f"/proc/{pid}").exists()
    assert engine_children() == before


def test_abort_stops_the_call_and_the_next_call_works(default_model_path, jfk_audio):
    cancel = threading.Event()
    with ProcessEngine(default_model_path) as engine, ThreadPoolExecutor(1) as pool:
        call = pool.submit(engine.transcribe, jfk_audio, EN, cancel.is_set)
        pid = wait_inside_whisper(engine)
        cancel.set()
        with pytest.raises(EngineError, match="cancelled"):
            call.result()
        assert not Path(f"/proc/{pid}").exists()
        assert engine.transcribe(jfk_audio, EN).text.strip() == JFK


def test_stop_ends_the_call_in_the_same_child_which_answers_the_next(engine, jfk_audio):
    """``stop_when`` (a withdrawn speculation): the child is told to ``Stop`` and whisper.cpp
    stops at its next pass; the child stays loaded, and a ``Stop`` that arrives between calls
    (one that crossed the reply) is ignored."""
    stop = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(engine.transcribe, np.tile(jfk_audio, 2), EN, None, stop.is_set)
        pid = wait_inside_whisper(engine)
        stop.set()
        with pytest.raises(TranscriptionStopped) as stopped:
            call.result()
    assert stopped.value.engine_seconds > 0
    assert engine.pid == pid and is_running(pid)
    engine._child.send(Stop())  # late, as if it crossed a Done
    assert engine.transcribe(jfk_audio, EN).text.strip() == JFK
    assert engine.pid == pid


def test_a_stoppable_call_that_is_not_stopped_gives_the_same_text(engine, jfk_audio):
    assert engine.transcribe(jfk_audio, EN, stop_when=lambda: False).text.strip() == JFK


# --- the child never outlives its parent --------------------------------------------------------

PARENT = """
import sys, threading
import numpy as np
from audio.decode import decode_file
from engine.engine_child import EXIT_PARENT_GONE
from engine.engine_process import ProcessEngine
from engine.options import TranscribeOptions
engine = ProcessEngine(sys.argv[1])
if sys.argv[2] == "busy":
    audio = np.tile(decode_file(sys.argv[3]).samples, 8)
    threading.Thread(target=engine.transcribe,
                     args=(audio, TranscribeOptions(language="en", threads=2))).start()
    engine.busy.wait()
print(engine.pid, flush=True)
sys.stdin.read()
"""

# Adopts the orphaned child (PR_SET_CHILD_SUBREAPER), so it can learn how the child ended.
GRANDPARENT = """
import ctypes, os, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
parent = subprocess.Popen([sys.executable, "-c", sys.argv[1], *sys.argv[2:]],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
child = int(parent.stdout.readline())
print(child, parent.pid, flush=True)
sys.stdin.readline()  # the test has looked at both
parent.kill()
parent.wait()
_, status = os.waitpid(child, 0)
print(os.waitstatus_to_exitcode(status), flush=True)
"""


@pytest.mark.parametrize("phase", ["idle", "busy"])
def test_the_child_dies_with_its_parent(default_model_path, phase):
    """A real parent process holds a ProcessEngine (idle, or in a call on 88 s of speech) and is
    killed with SIGKILL: it gets no chance to close anything. A grandparent process adopts the
    orphan and reports how it ended: busy, only the lifeline can have ended it."""
    grandparent = subprocess.Popen(
        [sys.executable, "-c", GRANDPARENT, PARENT, str(default_model_path), phase,
         str(TEST_WAV)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        child, parent = map(int, grandparent.stdout.readline().split())
        assert is_running(child) and engine_children(parent) == [child]
        grandparent.stdin.write("go\n")
        grandparent.stdin.flush()
        code = int(grandparent.stdout.readline())
    finally:
        grandparent.kill()
        grandparent.wait()
    assert code == EXIT_PARENT_GONE if phase == "busy" else code in (0, EXIT_PARENT_GONE)


def test_the_child_started_early_is_the_first_load_of_its_model(default_model_path, jfk_audio):
    """The app starts the child before it builds the rest (main.py): the first load adopts it
    instead of starting another; later loads start their own."""
    others = set(engine_children())  # e.g. this module's shared engine
    load = early_process_engine(default_model_path)
    early = wait_for(lambda: sorted(set(engine_children()) - others), GONE_S, "the early child")
    with load(default_model_path) as engine:
        assert [engine.pid] == early
        assert "Americans" in engine.transcribe(jfk_audio, EN).text
    with load(default_model_path) as again:
        assert again.pid not in early


def test_an_early_child_for_another_model_is_stopped(default_model_path, tmp_path):
    other = tmp_path / default_model_path.name
    shutil.copyfile(default_model_path, other)
    others = set(engine_children())
    load = early_process_engine(other)
    early = wait_for(lambda: sorted(set(engine_children()) - others), GONE_S, "the early child")
    with load(default_model_path) as engine:  # the settings changed before the first load
        assert engine.pid not in early
        assert not any(is_running(pid) for pid in early)
