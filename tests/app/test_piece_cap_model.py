"""The token cap of sized pieces (``app/piece_texts.max_tokens_for``) on the real model.

Starts the real whisper.cpp engine in-process on ``MURMUR_TEST_MODEL`` (tests/conftest.py) and
decodes the real clips of tests/data/speech. The cap must never cut real speech short (every clip
decodes to the same text with and without it, unless it loops without the cap; then the cap keeps
its sentence whole), and must stop a real loop early: a clip that loops
in a too-narrow window, with the prompt it looped after, stops at the cap and is then decoded
again (after the wider retry, narrowed here too) in the full window by ``transcribe_piece``.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from app.piece_texts import looks_looped, max_tokens_for, transcribe_piece
from audio.decode import decode_file
from bench.speech_set import load_clips
from engine.audio_ctx import audio_ctx_for
from engine.options import SAMPLE_RATE, TranscribeOptions
from engine.wer import normalize_words
from engine.whisper_engine import WhisperEngine

pytestmark = pytest.mark.model

EN = TranscribeOptions(language="en", threads=2)
#: Streamed pieces are at most ~28 s (engine/segmenter.py); longer clips are not pieces.
PIECE_SECONDS = 28.0
#: Found by decoding this clip in narrow windows: at 64 and 128 frames (1.3 and 2.6 s for 5.9 s
#: of audio) it loops ("Mr. Quilter, Mr. Quilter, ..."; "of the middle middle middle ...") until
#: whisper.cpp's limit (220 tokens), every time. With a prompt the loop came and went between
#: runs, so there is none here.
LOOPING_CLIP = "ls_1272-128104-0000"
LOOP_WINDOW = 128


@pytest.fixture(scope="module")
def engine(default_model_path):
    with WhisperEngine(default_model_path) as loaded:
        yield loaded


def sized(seconds: float) -> TranscribeOptions:
    """What ``transcribe_piece`` asks for first, without the cap."""
    return replace(EN, audio_ctx=audio_ctx_for(seconds), single_segment=True,
                   temperature_fallback=False)


@pytest.mark.parametrize("clip", [c for c in load_clips() if c.seconds <= PIECE_SECONDS],
                         ids=lambda c: c.id)
def test_the_cap_never_cuts_real_speech(engine, clip):
    samples = decode_file(clip.path).samples
    seconds = len(samples) / SAMPLE_RATE
    cap = max_tokens_for(seconds)
    uncapped = engine.transcribe(samples, sized(seconds))
    capped = engine.transcribe(samples, replace(sized(seconds), max_tokens=cap))
    if uncapped.tokens > cap:
        # A loop, not speech: pv_cheetah_test_en (4.5 s, 8 words) in its 256-frame window on an
        # AVX-512 build of whisper.cpp said its sentence again and again to whisper.cpp's limit.
        # Ending that is the cap's job: what it keeps is where the loop went, sentence whole.
        assert looks_looped(uncapped.text, seconds), uncapped.text
        words = normalize_words(capped.text)
        assert capped.tokens == cap + 1 and words == normalize_words(uncapped.text)[:len(words)]
        sentence = uncapped.text.split(". ")[0] + "."
        assert capped.text.startswith(sentence), capped.text
        return
    assert capped.text == uncapped.text
    assert capped.tokens == uncapped.tokens <= cap


class NarrowWindow:
    """The real engine, but every sized decode gets ``LOOP_WINDOW`` frames (where this clip
    loops) instead of the rule's window (where it does not); records each decode."""

    def __init__(self, engine: WhisperEngine):
        self.engine, self.decodes = engine, []

    def transcribe(self, samples, options, stop_when=None):
        if options.audio_ctx:
            options = replace(options, audio_ctx=LOOP_WINDOW)
        self.decodes.append((options, self.engine.transcribe(samples, options, stop_when)))
        return self.decodes[-1][1]


def test_a_real_loop_stops_at_the_cap_and_is_redone_in_the_full_window(default_model_path):
    """A fresh engine: after the clips above, the same narrow decode did not loop (whisper.cpp
    carries something from call to call; docs/PERFORMANCE.md "audio_ctx" saw that too)."""
    clip = next(c for c in load_clips() if c.id == LOOPING_CLIP)
    samples = decode_file(clip.path).samples
    cap = max_tokens_for(len(samples) / SAMPLE_RATE)
    with WhisperEngine(default_model_path) as fresh:
        narrow = NarrowWindow(fresh)
        out = transcribe_piece(narrow, samples, EN)
    # Cut off in its window, and again in the wider retry (which NarrowWindow narrows too).
    (first_options, first), (_, wider), (full_options, _) = narrow.decodes
    assert first_options.max_tokens == cap and first.tokens == cap + 1  # cut off, not finished
    assert wider.tokens == cap + 1
    assert full_options.audio_ctx == 0 and full_options.max_tokens == 0
    assert normalize_words(out.text)[:6] == normalize_words(clip.reference)[:6]
    assert len(normalize_words(out.text)) <= len(normalize_words(clip.reference)) + 2
