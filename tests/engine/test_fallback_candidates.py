"""``TranscribeOptions.best_of`` reaches whisper.cpp: five candidates per fallback temperature
make it rebuild its self-attention cache for seven sequences (resident until the engine is
reloaded), one candidate does not; streamed pieces use one (app/piece_texts.STREAMED_BEST_OF).

Real parts: the real Whisper base model (``MURMUR_TEST_MODEL``, tests/conftest.py) in a real
``python -m engine.engine_child`` started by ``ProcessEngine``, one fresh child per setting; its
memory is read from /proc/<pid>/status. The decode is pushed into the temperature fallback by a
prompt that is the audio's own text said three times over: greedy decoding then repeats it and
fails whisper.cpp's compression-ratio check. The idle release is pushed out to an hour, so
nothing gives the memory back during the test.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from audio.decode import decode_file
from engine.engine_process import ProcessEngine
from test_engine_process_release import EN, SPEECH, resident_mib

pytestmark = pytest.mark.model

LOOPING_PROMPT = ("Printing, in the only sense with which we are at present concerned, differs "
                  "from most if not from all the arts and crafts represented in the exhibition "
                  "in being comparatively modern. For although the Chinese took impressions "
                  "from wood blocks, engraved in relief for centuries before ")
#: whisper.cpp's self-attention cache for base is 6.3 MB a sequence; seven against one.
KV_GROWTH_MIB = 30


def growth_of_a_fallback_decode(model_path, best_of: int) -> tuple[float, str]:
    samples = decode_file(SPEECH / "lj_LJ001-0001to0010_long.wav").samples[:20 * 16000]
    options = replace(EN, best_of=best_of, initial_prompt=(LOOPING_PROMPT * 3)[-300:])
    with ProcessEngine(model_path) as engine:
        # The buffers any call touches, first; without fallback, which could grow the cache.
        engine.transcribe(samples[:16000], replace(EN, temperature_fallback=False))
        before = resident_mib(engine.pid)
        text = engine.transcribe(samples, options).text
        return resident_mib(engine.pid) - before, text


def test_one_candidate_per_fallback_temperature_does_not_grow_the_cache(monkeypatch,
                                                                        default_model_path):
    monkeypatch.setenv("MURMUR_ENGINE_RELEASE_S", "3600")
    five, five_text = growth_of_a_fallback_decode(default_model_path, 5)
    one, one_text = growth_of_a_fallback_decode(default_model_path, 1)
    assert five > one + KV_GROWTH_MIB, (five, one)
    for text in (five_text, one_text):  # a real transcript either way, not an empty one
        assert "wood" in text.lower() or "print" in text.lower(), text
