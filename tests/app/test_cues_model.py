"""The start cue heard by the microphone must not change what Whisper writes (real model).

Worst case on purpose: the cue is mixed into the recording at its full level (-18 dBFS peak), as
if the microphone sat on the speaker, right after the pre-roll, where the hotkey press puts it.
Real speakers and microphones attenuate it far more.
"""
from __future__ import annotations

import numpy as np
import pytest
import soxr

from app.cues import CUE_RATE, chime
from app.text_shaper import TextShaper
from audio.decode import decode_file
from audio.resample import TARGET_RATE
from engine.options import TranscribeOptions
from engine.wer import normalize_words
from engine.whisper_engine import load_engine

PREROLL_S = 0.3  # the settings' default pre-roll: the cue starts this far into the recording
EN = TranscribeOptions(language="en", threads=2)


@pytest.fixture(scope="module")
def engine(default_model_path):
    with load_engine(default_model_path) as loaded:
        yield loaded


@pytest.fixture(scope="module")
def cue() -> np.ndarray:
    return soxr.resample(chime(rising=True), CUE_RATE, TARGET_RATE).astype(np.float32)


def _recording(speech: np.ndarray, cue: np.ndarray | None) -> np.ndarray:
    audio = np.concatenate([np.zeros(int(PREROLL_S * TARGET_RATE), np.float32), speech])
    if cue is not None:
        start = int(PREROLL_S * TARGET_RATE)
        audio[start:start + len(cue)] += cue
    return audio


@pytest.mark.model
@pytest.mark.parametrize("clip", ["ls_1089-134691-0000.wav", "arctic_a0024.wav", "jfk.wav"])
def test_start_cue_changes_no_word(engine, cue, test_data, clip):
    speech = decode_file(test_data / "speech" / clip).samples
    plain = engine.transcribe(_recording(speech, None), EN).text
    with_cue = engine.transcribe(_recording(speech, cue), EN).text
    assert normalize_words(with_cue) == normalize_words(plain), (plain, with_cue)


@pytest.mark.model
def test_start_cue_alone_inserts_nothing(engine, cue):
    silence = np.zeros(TARGET_RATE, np.float32)  # the user pressed, heard the cue, said nothing
    raw = engine.transcribe(_recording(silence, cue), EN).text
    assert TextShaper().shape(raw, None) == "", raw
