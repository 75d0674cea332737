"""``EngineLoop`` telling a long piece in parts (``DictationTexts.prefix_of``), without a model.

The loop's slots are called directly on the test thread, as the worker thread would call them
(each after ``submitted`` counts it, as ``EngineWorker`` does). A scripted engine hears the word
of each loud value in its audio and, like Whisper, ends every text with a full stop and starts
it in lower case after a prompt that does not end a sentence. Frames are 32 ms VAD frames.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from app.engine_loop import EngineLoop
from app.streaming import StreamedAudio
from engine.audio_ctx import audio_ctx_for
from engine.errors import TranscriptionStopped
from engine.join import ends_sentence
from engine.options import SAMPLE_RATE, TranscribeOptions, Transcript
from engine.segmenter import FRAME_SAMPLES

EN = TranscribeOptions(language="en", threads=1)
#: Enough words for the audio (app/piece_texts.too_few_words decodes a sparse text again).
WORDS = {0.2: "alpha bravo charlie delta", 0.3: "echo foxtrot golf hotel"}
FIRST, QUIET, SECOND = 64, 4, 70  # frames: a sentence, a short pause, the next sentence
PIECE = np.concatenate([np.full(FIRST * FRAME_SAMPLES, 0.2, np.float32),
                        np.zeros(QUIET * FRAME_SAMPLES, np.float32),
                        np.full(SECOND * FRAME_SAMPLES, 0.3, np.float32)])
BEGINNING = (0, FIRST)  # the speculation made in the short pause
WHOLE = (0, FIRST + QUIET + SECOND)
BEGINNING_SAMPLES = PIECE[:(FIRST + 2) * FRAME_SAMPLES]  # with the two quiet frames heard


class SentenceEngine:
    """Hears the words; loops in the windows of ``loop_windows``; calls ``during`` while
    decoding (where the GUI thread could withdraw a speculation)."""

    def __init__(self, path: Path):
        self.model_path = path
        self.calls: list[tuple[int, str | None, int]] = []
        self.drafts: list[tuple[int, ...]] = []  # the draft of each call
        self.loop_windows: set[int] = set()
        self.during = lambda: None

    def transcribe(self, audio, options, stop_when=None):
        self.calls.append((len(audio), options.initial_prompt, options.audio_ctx))
        self.drafts.append(options.draft)
        self.during()
        if stop_when is not None and stop_when():  # where whisper.cpp asks: after its encoder
            raise TranscriptionStopped(0.01)
        seconds = len(audio) / SAMPLE_RATE
        if options.audio_ctx in self.loop_windows:
            return Transcript("alpha " * 60, (), "en", seconds, 0.01, (0,) * 500)
        text = " ".join(WORDS[v] for v in sorted({round(float(x), 1) for x in audio}) if v > 0.1)
        prompt = (options.initial_prompt or "").split()
        if not prompt or ends_sentence(prompt[-1]):
            text = text.capitalize()
        text += "."
        ids = tuple(sum(map(ord, word)) for word in text.split())  # a token per word
        return Transcript(text, (), "en", seconds, 0.01, ids)

    def rest(self):
        pass


def loaded_loop() -> tuple[EngineLoop, SentenceEngine]:
    engines: list[SentenceEngine] = []
    loop = EngineLoop(lambda path: engines.append(SentenceEngine(path)) or engines[-1],
                      size_pieces=True)
    loop.load(Path("fake.bin"))
    return loop, engines[0]


def speculate(loop: EngineLoop, key, samples) -> None:
    """What ``EngineWorker.speculate`` and then the loop's thread do."""
    loop.live_speculation = (1, key)
    loop.submitted += 1
    loop.speculate(1, key, samples, EN)


def release(loop: EngineLoop, tail_key) -> list:
    """The release, the whole piece its tail (``tail_key``: the speculation covering it)."""
    results = []
    loop.finished.connect(results.append)
    loop.submitted += 1
    loop.transcribe(1, StreamedAudio(1, PIECE, 0, time.monotonic(), None, tail_key, WHOLE),
                    EN, 0.0)
    return results


def test_the_rest_after_a_speculated_sentence_is_decoded_on_its_own():
    loop, engine = loaded_loop()
    speculate(loop, BEGINNING, BEGINNING_SAMPLES)
    loop.live_speculation = None  # speech went on: withdrawn
    speculate(loop, WHOLE, PIECE)
    rest_length, prompt, _ = engine.calls[-1]
    # From the middle of the two quiet frames after the first sentence: no "alpha" in it.
    assert rest_length == len(PIECE) - (FIRST + 1) * FRAME_SAMPLES
    # The beginning's full stop becomes a comma in the prompt: the person paused there.
    assert prompt == "Alpha bravo charlie delta,"
    results = release(loop, WHOLE)
    # The rest came in lower case: it went on with the sentence, so the stop was the cut's.
    assert results[0].text == "Alpha bravo charlie delta, echo foxtrot golf hotel."
    assert len(engine.calls) == 2  # the release took the speculation's parts
    assert results[0].tail_speculated


def test_without_a_speculated_beginning_the_piece_is_decoded_whole():
    loop, engine = loaded_loop()
    results = release(loop, None)
    assert [call[0] for call in engine.calls] == [len(PIECE)]
    assert results[0].text == "Alpha bravo charlie delta echo foxtrot golf hotel."


def test_the_released_tail_builds_on_its_beginning_too():
    """No speculation of the whole (the release came too soon): the tail is still decoded
    from the end of its speculated beginning."""
    loop, engine = loaded_loop()
    speculate(loop, BEGINNING, BEGINNING_SAMPLES)
    loop.live_speculation = None
    results = release(loop, None)
    assert engine.calls[-1][0] == len(PIECE) - (FIRST + 1) * FRAME_SAMPLES
    assert results[0].text == "Alpha bravo charlie delta, echo foxtrot golf hotel."
    assert not results[0].tail_speculated


def test_a_withdrawn_beginning_that_loops_is_decoded_again_while_the_engine_is_idle():
    loop, engine = loaded_loop()
    engine.loop_windows = {audio_ctx_for(len(BEGINNING_SAMPLES) / SAMPLE_RATE)}
    engine.during = lambda: setattr(loop, "live_speculation", None)  # speech went on
    speculate(loop, BEGINNING, BEGINNING_SAMPLES)
    assert len(engine.calls) == 2  # the sized window looped; the wider one was still worth it
    assert loop._pieces.speculated(BEGINNING) == ("Alpha bravo charlie delta.",)


def test_a_withdrawn_beginning_that_loops_gives_way_to_queued_work():
    loop, engine = loaded_loop()
    engine.loop_windows = {audio_ctx_for(len(BEGINNING_SAMPLES) / SAMPLE_RATE)}
    engine.during = lambda: setattr(loop, "live_speculation", None)
    loop.submitted += 1  # the next speculation is already queued behind it
    speculate(loop, BEGINNING, BEGINNING_SAMPLES)
    assert len(engine.calls) == 1
    assert loop._pieces.speculated(BEGINNING) is None
    assert BEGINNING not in loop._pieces.unsized  # withdrawn: its audio may still be sized


def test_a_withdrawn_speculation_under_way_stops_for_the_release():
    """Speech went on and then the hotkey was released while the speculation decoded: it stops
    at whisper.cpp's next pass (``stop_when``) instead of making the tail wait for it; its
    engine time still counts, and the tail is decoded whole."""
    loop, engine = loaded_loop()

    def released_meanwhile():
        loop.live_speculation = None  # speech went on
        loop.submitted += 1  # the release's tail is queued behind it
    engine.during = released_meanwhile
    speculate(loop, BEGINNING, BEGINNING_SAMPLES)
    engine.during = lambda: None
    assert loop._pieces.speculated(BEGINNING) is None
    assert BEGINNING not in loop._pieces.unsized
    loop.submitted -= 1  # ``release`` counts the tail itself
    results = release(loop, None)
    assert [call[0] for call in engine.calls] == [len(BEGINNING_SAMPLES), len(PIECE)]
    assert results[0].text == "Alpha bravo charlie delta echo foxtrot golf hotel."
    assert results[0].engine_seconds == pytest.approx(0.02)  # the stopped decode's and the tail's


SHORT = PIECE[:(FIRST + QUIET + 20) * FRAME_SAMPLES]  # too short to be told in parts
SHORT_KEY = (0, FIRST + QUIET + 20)


def test_a_withdrawn_speculation_is_the_draft_of_its_piece_decoded_whole():
    """A piece too short for parts is decoded whole at the release, with the tokens of the
    withdrawn speculation of its beginning as its draft (``TranscribeOptions.draft``)."""
    loop, engine = loaded_loop()
    speculate(loop, BEGINNING, BEGINNING_SAMPLES)
    loop.live_speculation = None  # speech went on: withdrawn
    results = []
    loop.finished.connect(results.append)
    loop.submitted += 1
    loop.transcribe(1, StreamedAudio(1, SHORT, 0, time.monotonic(), None, None, SHORT_KEY),
                    EN, 0.0)
    assert [len(call) for call in engine.drafts] == [0, 4]  # the beginning's four words
    assert results[0].text == "Alpha bravo charlie delta echo foxtrot golf hotel."
    assert engine.calls[-1][0] == len(SHORT)  # whole: the draft spares no audio, only passes


def test_a_draft_from_before_other_texts_is_not_used():
    """The texts before the piece changed (its first frame ends another piece's): another
    prompt, another piece."""
    loop, engine = loaded_loop()
    speculate(loop, BEGINNING, BEGINNING_SAMPLES)
    loop.live_speculation = None
    loop._pieces.add(("Zulu.",), 0.0)
    loop.submitted += 1
    loop.transcribe(1, StreamedAudio(1, SHORT, 0, time.monotonic(), None, None, SHORT_KEY),
                    EN, 0.0)
    assert engine.drafts[-1] == ()
