"""Fixtures every test shares.

* Every test runs with its own XDG config/data/cache/state dirs, so no test ever reads or writes
  the user's real settings, history or models.
* ``default_model_path`` is the real Whisper base model (ggml f16) that ``make setup`` provisions:
  ``make test`` exports its path as ``MURMUR_TEST_MODEL``. Tests open it read-only. Without the
  variable (a bare ``pytest`` run) the model tests are skipped with the reason printed, never
  silently passed.
* ``whole_clip_transcripts``: every clip of the speech set transcribed whole by a fresh model,
  once per run, for the modules that score it (transcription quality, nothing invented).
* Cyclic garbage is collected on the main thread only, between tests, as the app collects it on
  its GUI thread (ui/gui_thread_gc.py): Qt objects in cycles must not be freed by whichever
  engine, relay or capture thread happens to allocate.
"""
from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from ui.gui_thread_gc import collect_due

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = REPO_ROOT / "tests" / "data"


@pytest.fixture(autouse=True, scope="session")
def no_collection_on_other_threads():
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def collect_between_tests(no_collection_on_other_threads):
    yield
    collect_due()


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Point every XDG directory at a fresh temporary folder for this test."""
    root = tmp_path_factory.mktemp("xdg")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        path = root / var.lower()
        path.mkdir()
        monkeypatch.setenv(var, str(path))
    return root


@pytest.fixture(scope="session")
def default_model_path() -> Path:
    """The provisioned real Whisper base model (read-only)."""
    value = os.environ.get("MURMUR_TEST_MODEL")
    if not value:
        pytest.skip("MURMUR_TEST_MODEL is not set: run the suite with `make test`")
    path = Path(value)
    if not path.is_file():
        pytest.fail(f"MURMUR_TEST_MODEL points at {path}, which does not exist")
    return path


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def whole_clip_transcripts(default_model_path) -> dict:
    """Every clip of the speech set (bench/speech_set.py), in manifest order, transcribed whole
    (English, 2 threads) by a model loaded for this alone: clip id → ``Transcript``.

    A fresh model and this order matter: whisper.cpp's temperature fallback samples from a
    generator that lives as long as the loaded model, so a clip that needs the fallback (the
    69 s one loops at temperature 0) is transcribed differently after other work."""
    from audio.decode import decode_file
    from bench.speech_set import load_clips
    from engine.options import TranscribeOptions
    from engine.whisper_engine import WhisperEngine

    options = TranscribeOptions(language="en", threads=2)
    with WhisperEngine(default_model_path) as engine:
        return {clip.id: engine.transcribe(decode_file(clip.path).samples, options)
                for clip in load_clips()}


@pytest.fixture(scope="session")
def faster_whisper_reference() -> dict[str, str]:
    """faster-whisper's transcript of each clip of the speech set (clip id → text), committed in
    tests/data/faster_whisper_reference.tsv by bench/reference_wer.py."""
    import csv

    with open(TEST_DATA / "faster_whisper_reference.tsv", encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return {row["id"]: row["hypothesis"] for row in rows}
