"""How ``app/piece_texts.transcribe_piece`` settles a sized decode that loops or drops speech,
without a model.

A scripted engine answers each decode by its encoder window (``audio_ctx``): the texts are the
ones whisper.cpp gave on real pieces of bench/latency.py's dictations (docs/PERFORMANCE.md, "Tail
latency at release"), and the token counts say whether the cap cut a decode off. No timing is
measured; the engine seconds are the script's own numbers, summed.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from app.piece_texts import (MIN_WORDS_PER_SECOND, RETRY_EXTRA_FRAMES, SpeculationAbandoned,
                             max_tokens_for, repeated_sentence, too_few_words, transcribe_piece)
from engine.audio_ctx import audio_ctx_for
from engine.errors import TranscriptionStopped
from engine.options import TranscribeOptions, Transcript

EN = TranscribeOptions(language="en", threads=1)
TODAY = "Today only platforms 1 and 3 are used."
#: What the 2.99 s tail of dictation 40s-2 decoded to in its 256-frame window (41 tokens, cap 40).
TODAY_LOOP = " ".join([TODAY] * 4) + " Today only platforms 1 and"
CARKER = ("Mr. Birk, Foster's landscapes smile at one much in the same way that Mr. Carker used "
          "to flash his teeth.")  # 20 words


def audio(seconds: float) -> np.ndarray:
    return np.full(int(seconds * 16000), 0.1, np.float32)


class ScriptedEngine:
    """Answers a decode in window ``audio_ctx`` with ``texts[audio_ctx]`` (0 is the full window);
    a text given as (text, tokens) reports that many tokens, else 9. Asks ``stop_when`` once,
    where whisper.cpp would after its encoder, and stops as the real engine does."""

    def __init__(self, texts: dict):
        self.texts = texts
        self.calls: list[TranscribeOptions] = []
        self.asked = 0  # times stop_when was asked

    def transcribe(self, samples, options, stop_when=None):
        self.calls.append(options)
        if stop_when is not None:
            self.asked += 1
            if stop_when():
                raise TranscriptionStopped(0.125)
        text = self.texts[options.audio_ctx]
        text, tokens = text if isinstance(text, tuple) else (text, 9)
        return Transcript(text, (), "en", len(samples) / 16000, 0.25, (0,) * tokens)


@pytest.mark.parametrize("text, seconds, said", [
    (TODAY_LOOP, 2.99, TODAY),  # the sentence, again from the start, cut off by the cap
    (f"{TODAY} {TODAY}", 2.99, TODAY),  # exactly twice
    # Two sentences, over again.
    ("Mr. Quilter is the apostle. And we are glad. " * 2 + "Mr.", 4.0,
     "Mr. Quilter is the apostle. And we are glad."),
    # A unit that ends in an echo of its sentence before: the echo is invented, not said.
    (f"{CARKER} Mr. Flash's teeth. " * 3 + "Mr. Birk", 7.52, CARKER),
    (f"{CARKER} Teeth. Teeth. " * 2, 7.52, CARKER),
    # A last sentence with a word of its own is said, however short.
    (f"{CARKER} Then he smiled. " * 2, 7.52, f"{CARKER} Then he smiled."),
    (f"{CARKER} Mr. Flash's teeth. " * 2, 11.5, None),  # without the echo, too short for 11.5 s
    # A 2.6 s rest of a 40 s dictation (bench/latency.py), read in full and again: five words.
    ("retrivialities not worth thinking about. Retrivialities not worth thinking about. Retrivialities",
     2.59, "retrivialities not worth thinking about."),
    # A loop on a phrase inside the text: the words before it are not said again.
    ("we are glad to lead to glad to lead to glad to lead to", 5.3, None),
    ("Today only platforms 1 and 3 are used Today only platforms 1 and 3 are used", 2.99, None),
    ("Ask not. Ask not. Ask not. Ask not.", 1.5, None),  # 2 words in 1.5 s: too few to trust
    # The sentence again, then something else: not a clean loop.
    (f"{TODAY} {TODAY} Then the platform.", 2.99, None),
    (TODAY, 2.99, None),  # said once: no loop
    ("", 1.0, None),
])
def test_repeated_sentence(text, seconds, said):
    assert repeated_sentence(text, seconds) == said


def test_a_sentence_too_short_for_its_audio_is_not_taken():
    """Eight words are a whole 3 s piece, not a whole 8 s one: there, the loop may have skipped
    words after the sentence."""
    assert repeated_sentence(TODAY_LOOP, 8 / MIN_WORDS_PER_SECOND) == TODAY
    assert repeated_sentence(TODAY_LOOP, 8 / MIN_WORDS_PER_SECOND + 0.1) is None


def test_a_sentence_said_again_from_the_start_is_taken_without_a_second_decode():
    """The 40s-2 tail: the loop was its sentence over and over; the full window decoded that
    same sentence 2.4 s later."""
    seconds = 2.99
    ctx, cap = audio_ctx_for(seconds), max_tokens_for(seconds)
    engine = ScriptedEngine({ctx: (TODAY_LOOP, cap + 1), 0: TODAY})
    out = transcribe_piece(engine, audio(seconds), EN)
    assert out.text == TODAY
    assert [o.audio_ctx for o in engine.calls] == [ctx]
    assert out.engine_seconds == pytest.approx(0.25)


def test_a_loop_on_a_phrase_is_decoded_again_in_a_wider_window():
    seconds = 5.34
    ctx, cap = audio_ctx_for(seconds), max_tokens_for(seconds)
    whole = "Mr. Quilter is the apostle of the middle classes, and we are glad to welcome him."
    looping = "Mr. Quilter is the apostle of the middle classes, and we are" + " glad to" * 9
    engine = ScriptedEngine({ctx: (looping, cap + 1), ctx + RETRY_EXTRA_FRAMES: whole, 0: whole})
    out = transcribe_piece(engine, audio(seconds), EN)
    assert out.text == whole
    _, wider = engine.calls
    assert wider.audio_ctx == ctx + RETRY_EXTRA_FRAMES and wider.max_tokens == cap
    assert wider.single_segment and not wider.temperature_fallback
    assert out.engine_seconds == pytest.approx(0.5)  # both decodes counted


def test_a_loop_in_the_wider_window_too_ends_in_the_full_window():
    seconds = 5.34
    ctx, cap = audio_ctx_for(seconds), max_tokens_for(seconds)
    phrase = "glad to lead to " * 20
    engine = ScriptedEngine({ctx: (phrase, cap + 1), ctx + RETRY_EXTRA_FRAMES: (phrase, cap + 1),
                             0: "Glad to welcome his gospel."})
    out = transcribe_piece(engine, audio(seconds), EN)
    assert out.text == "Glad to welcome his gospel."
    assert [(o.audio_ctx, o.max_tokens) for o in engine.calls] == [
        (ctx, cap), (ctx + RETRY_EXTRA_FRAMES, cap), (0, 0)]
    assert out.engine_seconds == pytest.approx(0.75)
    # The full window keeps its temperature fallback, with one candidate per temperature
    # (five would grow the engine child by 38 MiB: STREAMED_BEST_OF).
    assert engine.calls[-1].temperature_fallback and EN.best_of == 5
    assert {o.best_of for o in engine.calls} == {1}


def test_a_wider_window_that_would_reach_the_full_one_is_skipped():
    seconds = 26.0  # its window is under the full 1500 frames; 192 more are not
    ctx, cap = audio_ctx_for(seconds), max_tokens_for(seconds)
    assert 0 < ctx < 1500 <= ctx + RETRY_EXTRA_FRAMES
    engine = ScriptedEngine({ctx: ("word " * 300, cap + 1), 0: "The words."})
    out = transcribe_piece(engine, audio(seconds), EN)
    assert out.text == "The words." and [o.audio_ctx for o in engine.calls] == [ctx, 0]


def test_a_clean_decode_is_taken_as_it_is():
    engine = ScriptedEngine({audio_ctx_for(2.99): TODAY})
    out = transcribe_piece(engine, audio(2.99), replace(EN, initial_prompt="Before."))
    assert out.text == TODAY and len(engine.calls) == 1
    assert engine.calls[0].initial_prompt == "Before."


HE_BEGAN = "He began a confused complaint against the wizard, who had vanished behind the curtain."


@pytest.mark.parametrize("text, seconds, few", [
    ("The", 4.8, True),  # what the 256/320-frame window gave for this 4.8 s sentence
    ("I am.", 4.8, True),
    ("I am sure that you are.", 4.8, True),  # the same sentence, another call order
    ("we are glad to welcome his gospel.", 5.43, True),  # the second half of "Mr. Quilter ..."
    ("In 1465, Sweynheim and Pannartz began printing in the monastery of Subiaco near Rome.",
     8.19, False),  # 1.71 words/s: the slowest real piece of 2.5 s or more
    (HE_BEGAN, 4.8, False),
    ("Experience proves this.", 1.76, False),  # short pieces are never judged
    ("Ask not.", 1.5, False),
    ("And so my fellow Americans.", 2.56, False),  # 1.95 words/s: a real, slow piece
])
def test_too_few_words(text, seconds, few):
    assert too_few_words(text, seconds) is few


def test_a_text_far_too_short_for_its_audio_is_decoded_again_in_the_wider_window():
    seconds = 4.8
    ctx = audio_ctx_for(seconds)
    engine = ScriptedEngine({ctx: "The", ctx + RETRY_EXTRA_FRAMES: HE_BEGAN, 0: HE_BEGAN})
    out = transcribe_piece(engine, audio(seconds), EN)
    assert out.text == HE_BEGAN
    assert [o.audio_ctx for o in engine.calls] == [ctx, ctx + RETRY_EXTRA_FRAMES]
    assert out.engine_seconds == pytest.approx(0.5)


def test_a_sparse_text_is_kept_when_the_wider_window_hears_no_more():
    """A slow speaker: both windows agree on few words; no full window is spent on it."""
    seconds = 4.8
    ctx = audio_ctx_for(seconds)
    engine = ScriptedEngine({ctx: "Well, yes.", ctx + RETRY_EXTRA_FRAMES: "Yes.", 0: "?"})
    out = transcribe_piece(engine, audio(seconds), EN)
    assert out.text == "Well, yes." and len(engine.calls) == 2
    assert out.engine_seconds == pytest.approx(0.5)


def test_a_sparse_text_whose_retry_loops_goes_to_the_full_window():
    seconds = 4.8
    ctx, cap = audio_ctx_for(seconds), max_tokens_for(seconds)
    engine = ScriptedEngine({ctx: "The", ctx + RETRY_EXTRA_FRAMES: ("the story of " * 20, cap + 1),
                             0: HE_BEGAN})
    out = transcribe_piece(engine, audio(seconds), EN)
    assert out.text == HE_BEGAN and [o.audio_ctx for o in engine.calls][-1] == 0


def test_an_unsized_piece_also_samples_one_candidate_per_fallback_temperature():
    """Pieces decoded in the full window from the start (sizing off here) keep whisper.cpp's
    temperature fallback but with STREAMED_BEST_OF candidates, like the loop fallback above."""
    engine = ScriptedEngine({0: "Ask not what your country can do for you."})
    out = transcribe_piece(engine, audio(4.0), EN, size=False)
    assert out.text == "Ask not what your country can do for you."
    assert [(o.audio_ctx, o.best_of, o.temperature_fallback) for o in engine.calls] == [
        (0, 1, True)]


def test_a_speculation_that_loops_in_both_sized_windows_gives_no_text_instead_of_the_full_one():
    """The full window is left to the cut or release: a withdrawn speculation that went there
    once raised the engine child's peak by 15 MiB."""
    seconds = 5.34
    ctx, cap = audio_ctx_for(seconds), max_tokens_for(seconds)
    phrase = "glad to lead to " * 20
    engine = ScriptedEngine({ctx: (phrase, cap + 1), ctx + RETRY_EXTRA_FRAMES: (phrase, cap + 1),
                             0: "Glad to welcome his gospel."})
    with pytest.raises(SpeculationAbandoned) as stopped:
        transcribe_piece(engine, audio(seconds), EN, wanted=lambda: True)
    assert [o.audio_ctx for o in engine.calls] == [ctx, ctx + RETRY_EXTRA_FRAMES]
    assert stopped.value.engine_seconds == pytest.approx(0.5)  # both decodes, for the history


def test_a_speculation_withdrawn_after_its_decode_is_not_decoded_again():
    seconds = 4.8
    ctx = audio_ctx_for(seconds)
    engine = ScriptedEngine({ctx: "The", ctx + RETRY_EXTRA_FRAMES: HE_BEGAN, 0: HE_BEGAN})
    answers = iter([True, False])  # still wanted during the decode, not after it
    with pytest.raises(SpeculationAbandoned) as stopped:
        transcribe_piece(engine, audio(seconds), EN, wanted=lambda: next(answers))
    assert stopped.value.engine_seconds == pytest.approx(0.25) and not stopped.value.stopped
    assert [o.audio_ctx for o in engine.calls] == [ctx]


def test_a_speculation_withdrawn_during_its_decode_stops_it_there():
    """The engine asks ``stop_when`` after its encoder and each decoder pass; a withdrawn
    speculation ends there instead of making the release's tail wait for its decode."""
    seconds = 4.8
    engine = ScriptedEngine({audio_ctx_for(seconds): HE_BEGAN})
    with pytest.raises(SpeculationAbandoned) as stopped:
        transcribe_piece(engine, audio(seconds), EN, wanted=lambda: False)
    assert stopped.value.stopped and engine.asked == 1
    assert stopped.value.engine_seconds == pytest.approx(0.125)  # counted for the history
    assert len(engine.calls) == 1


def test_only_a_speculation_can_be_stopped():
    seconds = 4.8
    engine = ScriptedEngine({audio_ctx_for(seconds): HE_BEGAN})
    assert transcribe_piece(engine, audio(seconds), EN).text == HE_BEGAN  # a piece
    assert engine.asked == 0
    assert transcribe_piece(engine, audio(seconds), EN, wanted=lambda: True).text == HE_BEGAN
    assert engine.asked == 1


def test_a_wanted_speculation_is_settled_as_a_piece_is():
    seconds = 4.8
    ctx = audio_ctx_for(seconds)
    engine = ScriptedEngine({ctx: "The", ctx + RETRY_EXTRA_FRAMES: HE_BEGAN})
    out = transcribe_piece(engine, audio(seconds), EN, wanted=lambda: True)
    assert out.text == HE_BEGAN and out.engine_seconds == pytest.approx(0.5)
