"""The engine child gives whisper.cpp's working memory back when idle or told to rest
(engine/engine_child.py: it reloads the model once no request came for
``MURMUR_ENGINE_RELEASE_S``, or at a ``Rest``, if it has grown), and answers exactly as before
afterwards — also when the model file was deleted in the meantime. More on ``Rest``:
tests/engine/test_engine_process_rest.py.

Real parts: the real Whisper base model (``MURMUR_TEST_MODEL``, tests/conftest.py) in a real
``python -m engine.engine_child`` started by ``ProcessEngine``; its memory is read from
/proc/<pid>/status. The idle period is shortened to 2 s (or pushed out to an hour) through the
environment the child inherits.
"""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from audio.decode import decode_file
from engine.engine_child import RELEASE_MIN_GROWTH_MIB
from engine.engine_process import ProcessEngine
from engine.options import TranscribeOptions
from tests.engine_procs import wait_for

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
SPEECH = ROOT / "tests" / "data" / "speech"
EN = TranscribeOptions(language="en", threads=2)
#: A prompt as streaming sends one (the text so far): the decoder touches more memory for it.
PROMPTED = replace(EN, initial_prompt="And so, my fellow Americans, ask not what your country "
                                      "can do for you. " * 3)
RELEASE_WAIT_S = 120  # the reload itself takes ~0.2 s; a loaded machine may take much longer


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def transcripts(engine) -> list[str]:
    texts = []
    for clip in ("jfk.wav", "ls_1089-134686-0000.wav"):
        samples = decode_file(SPEECH / clip).samples
        texts += [engine.transcribe(samples, EN).text, engine.transcribe(samples, PROMPTED).text]
    return texts


@pytest.fixture
def quick_release(monkeypatch):
    monkeypatch.setenv("MURMUR_ENGINE_RELEASE_S", "2")


@pytest.mark.parametrize("told", [False, True], ids=["idle for 2 s", "told to rest"])
def test_the_child_gives_its_memory_back_and_answers_the_same(monkeypatch, default_model_path,
                                                              told):
    """Idle for ``MURMUR_ENGINE_RELEASE_S`` (2 s), or told ``rest()`` at once (a dictation is
    over; the idle release an hour away, so only the ``Rest`` can do it): back near its size
    after the load, in the same child, with the same answers."""
    monkeypatch.setenv("MURMUR_ENGINE_RELEASE_S", "3600" if told else "2")
    with ProcessEngine(default_model_path) as engine:
        pid = engine.pid
        loaded = resident_mib(pid)
        first = transcripts(engine)  # pieces with and without a prompt, as a dictation sends
        assert resident_mib(pid) > loaded + RELEASE_MIN_GROWTH_MIB  # it grew: not vacuous
        if told:
            engine.rest()
        wait_for(lambda: resident_mib(pid) < loaded + RELEASE_MIN_GROWTH_MIB / 2, RELEASE_WAIT_S,
                 "the engine child to fall back to its size after the load", interval=0.05)
        again = transcripts(engine)
        assert engine.pid == pid  # the same child: the model was reloaded in place
    assert again == first
    assert all(first)


def test_the_reload_survives_the_model_file_being_deleted(quick_release, default_model_path,
                                                          tmp_path):
    model = tmp_path / default_model_path.name
    shutil.copyfile(default_model_path, model)
    with ProcessEngine(model) as engine:
        pid = engine.pid
        samples = decode_file(SPEECH / "jfk.wav").samples
        expected = engine.transcribe(samples, PROMPTED).text
        model.unlink()  # e.g. removed in the model manager while loaded
        grown = resident_mib(pid)
        engine.transcribe(samples, EN)
        grown = max(grown, resident_mib(pid))
        wait_for(lambda: resident_mib(pid) < grown - RELEASE_MIN_GROWTH_MIB, RELEASE_WAIT_S,
                 "the idle engine child to reload", interval=0.2)
        assert engine.transcribe(samples, PROMPTED).text == expected
        assert engine.pid == pid  # reloaded from its open descriptor, not restarted
