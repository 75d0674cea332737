"""``ProcessEngine.rest()`` (a dictation or job is over) makes the engine child give
whisper.cpp's grown working memory back at once — the same reload as after an idle spell
(engine/engine_child.py, Memory) — and it answers exactly as before, also to a request sent right
behind the ``Rest``; ``rest()`` on a closed or dead engine does nothing and raises nothing.

Real parts: the real Whisper base model (``MURMUR_TEST_MODEL``, tests/conftest.py) in a real
``python -m engine.engine_child`` started by ``ProcessEngine``; its memory is read from
/proc/<pid>/status. The idle release is pushed out to an hour through the environment the child
inherits, so only ``Rest`` can give the memory back within the test.
"""
from __future__ import annotations

import logging
import os
import signal

import pytest

from engine.engine_process import ProcessEngine
from test_engine_process_release import (PROMPTED, RELEASE_WAIT_S, SPEECH, resident_mib,
                                         transcripts)
from tests.engine_procs import is_running, wait_for

pytestmark = pytest.mark.model


@pytest.fixture
def no_idle_release(monkeypatch):
    monkeypatch.setenv("MURMUR_ENGINE_RELEASE_S", "3600")


def test_a_request_right_behind_rest_waits_for_the_reload_and_is_answered_right(
        no_idle_release, default_model_path, caplog):
    from audio.decode import decode_file

    caplog.set_level(logging.INFO, logger="engine")  # the child logs at the app's engine level
    samples = decode_file(SPEECH / "jfk.wav").samples
    with ProcessEngine(default_model_path) as engine:
        pid = engine.pid
        expected = [engine.transcribe(samples, PROMPTED).text for _ in range(3)][-1]
        engine.rest()  # the child reloads; this request queues behind it
        assert engine.transcribe(samples, PROMPTED).text == expected
        wait_for(lambda: any("rest: reloaded the model" in r.getMessage()
                             for r in caplog.records), RELEASE_WAIT_S,
                 "the child's report of its reload", interval=0.05)
        assert engine.pid == pid
    assert "Americans" in expected


#: How far above its size after the first load the child may settle after rests (measured:
#: +1.2 MiB after each of three rests; +3.9, +9.8, +16.4 with glibc's moving mmap threshold,
#: and +8 and +13 with the threshold fixed at 4 MiB: engine_child._fix_mmap_threshold). Two
#: rests tell them apart, so two it is.
SETTLED_MIB = 5
RESTS = 2


def test_after_each_rest_the_child_settles_at_its_size_after_the_first_load(
        no_idle_release, default_model_path, caplog):
    """Dictation after dictation: grown, rested, grown again. The reloads must not leave the
    child larger each time (glibc's heap keeping what the first model's buffers left)."""
    caplog.set_level(logging.INFO, logger="engine")
    with ProcessEngine(default_model_path) as engine:
        pid = engine.pid
        loaded = resident_mib(pid)
        for rests in range(1, RESTS + 1):
            transcripts(engine)
            engine.rest()
            wait_for(lambda: sum("rest: reloaded the model" in r.getMessage()
                                 for r in caplog.records) == rests, RELEASE_WAIT_S,
                     "the child's report of its reload", interval=0.05)
            assert resident_mib(pid) < loaded + SETTLED_MIB, (rests, loaded, resident_mib(pid))


def test_rest_on_a_dead_or_closed_engine_does_nothing(no_idle_release, default_model_path):
    from audio.decode import decode_file

    samples = decode_file(SPEECH / "jfk.wav").samples
    engine = ProcessEngine(default_model_path)
    try:
        first = engine.pid
        os.kill(first, signal.SIGKILL)  # e.g. the out-of-memory killer, while idle
        wait_for(lambda: not is_running(first), 30, "the killed child to end", interval=0.05)
        engine.rest()  # not told, not restarted: the next call does that
        assert engine.pid == first
        assert "Americans" in engine.transcribe(samples, PROMPTED).text
        assert engine.pid != first
    finally:
        engine.close()
    engine.rest()
    assert engine.pid is None
