"""Streaming a dictation: recorder → streamer → engine worker, on fakes (no model, no timing).

The fake detector calls a frame speech when its samples are loud; the fake engine "hears" one
word per piece, named by the piece's sample value, so joining and leaks can be checked exactly.
The recorder, streamer, segmenter and engine worker (its real QThread) are the real ones.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from app.engine_worker import EngineWorker, TranscriptionResult
from app.piece_texts import looks_looped, max_tokens_for, transcribe_piece
from app.recorder import RingRecorder
from app.streaming import SegmentStreamer, StreamedAudio
from engine.options import TranscribeOptions, Transcript
from engine.segmenter import FRAME_SAMPLES, SegmenterOptions
from ring_source import RingSource

EN = TranscribeOptions(language="en", threads=1)
# No speculation here (it would come after the 4-frame pause cut); see SPECULATE below.
FAST = SegmenterOptions(pause_frames=4, pad_frames=1, min_speech_frames=2, speculate_frames=0)
# Speculate after 3 quiet frames (~0.1 s); cut only after 12 (~0.4 s).
SPECULATE = SegmenterOptions(pause_frames=12, pad_frames=1, min_speech_frames=2,
                             speculate_frames=3)
WORDS = {0.2: "alpha", 0.3: "bravo", 0.4: "charlie", 0.5: "delta", 0.6: "echo"}


class LoudVad:
    """Probability 0.9 for a frame whose mean |sample| > 0.1, else 0.05."""

    def __init__(self):
        self.carry = np.zeros(0, np.float32)

    def reset(self):
        self.carry = np.zeros(0, np.float32)

    def process(self, samples):
        buf = np.concatenate([self.carry, samples])
        n = len(buf) // FRAME_SAMPLES
        self.carry = buf[n * FRAME_SAMPLES:]
        frames = buf[:n * FRAME_SAMPLES].reshape(n, FRAME_SAMPLES)
        return type("R", (), {"probabilities": np.where(np.abs(frames).mean(1) > 0.1, 0.9, 0.05)})


class WordEngine:
    """Hears the word of each loud value in the audio; records prompts and audio_ctx."""

    def __init__(self, path: Path):
        self.model_path = path
        self.calls: list[tuple[int, str | None, int]] = []
        self.gate = threading.Event()
        self.gate.set()

    def transcribe(self, audio, options, stop_when=None):
        self.gate.wait(10)
        self.calls.append((len(audio), options.initial_prompt, options.audio_ctx))
        values = [round(float(v), 1) for v in np.unique(np.round(audio, 1)) if v > 0.1]
        text = " ".join(WORDS[v] for v in values)
        return Transcript(text, (), "en", len(audio) / 16000, 0.01)

    def rest(self):
        pass  # nothing to give back; tests/app/test_engine_worker.py checks when it is called

    def close(self):
        pass


def utterance(*words: float, pause: float = 0.5) -> np.ndarray:
    """0.6 s of each word's value, separated by ``pause`` s of silence."""
    gap = np.zeros(int(pause * 16000), np.float32)
    parts = [gap]
    for w in words:
        parts += [np.full(9600, w, np.float32), gap]
    return np.concatenate(parts)


class Sink:
    def __init__(self):
        self.calls = []

    def begin_dictation(self, d):
        self.calls.append(("begin", d))

    def submit_segment(self, d, samples, key=None):
        self.calls.append(("segment", d, samples, key))

    def speculate(self, d, key, samples):
        self.calls.append(("speculate", d, samples, key))

    def withdraw_speculation(self, d):
        self.calls.append(("withdraw", d))

    def drop_dictation(self, d):
        self.calls.append(("drop", d))


@pytest.mark.parametrize("block", [160, 1600, 512 * 7])
def test_streamer_sends_each_phrase_once_and_keeps_the_tail(block):
    sink = Sink()
    streamer = SegmentStreamer(LoudVad(), sink, FAST)
    streamer.begin()
    audio = np.concatenate([utterance(0.2, 0.3), np.full(4000, 0.4, np.float32)])
    for i in range(0, len(audio), block):
        streamer.feed(audio[i:i + block])
    out = streamer.finish(recorded=None)
    segments = [c[2] for c in sink.calls if c[0] == "segment"]
    assert [set(np.unique(s)) - {0.0} for s in segments] == [{np.float32(0.2)}, {np.float32(0.3)}]
    assert out.segments == 2 and set(np.unique(out.tail)) - {0.0} == {np.float32(0.4)}
    assert out.tail[-1] == np.float32(0.4)  # the tail runs to the last sample
    kept = sum((s == s.max()).sum() for s in segments) + (out.tail == np.float32(0.4)).sum()
    assert kept == 2 * 9600 + 4000  # no speech sample lost or doubled


def test_silence_only_streams_nothing():
    sink = Sink()
    streamer = SegmentStreamer(LoudVad(), sink, FAST)
    streamer.begin()
    streamer.feed(np.zeros(16000 * 3, np.float32))
    out = streamer.finish(recorded=None)
    assert out.segments == 0 and len(out.tail) == 0


def started_worker(qtbot, engine_class=WordEngine) -> EngineWorker:
    """A worker with sized pieces on a fake engine (its ``engine`` attribute, for the test)."""
    engines: list[WordEngine] = []
    made = EngineWorker(Path("fake.bin"), EN,
                        lambda p: engines.append(engine_class(p)) or engines[-1], size_pieces=True)
    with qtbot.waitSignal(made.model_loaded):
        made.start()
    made.engine = engines[0]
    return made


@pytest.fixture
def worker(qtbot):
    made = started_worker(qtbot)
    yield made
    made.stop()


def record(qtbot, recorder, source, audio, block=1600, begin=True):
    """Begin a dictation (unless ``begin`` is off: go on with it) and feed ``audio``."""
    if begin:
        recorder.begin()
    for i in range(0, len(audio), block):
        source.ring.write(audio[i:i + block])
        recorder._drain()  # what the drain timer does, without waiting for it


def test_streamed_dictation_joins_pieces_with_prompts_and_previews(qtbot, worker):
    source = RingSource(capacity=16000 * 20)
    recorder = RingRecorder(source, None, streamer=SegmentStreamer(LoudVad(), worker, FAST))
    previews, results = [], []
    worker.preview_changed.connect(previews.append)
    worker.result_ready.connect(results.append)
    record(qtbot, recorder, source, utterance(0.2, 0.3, 0.4))
    qtbot.waitUntil(lambda: previews[-1:] == ["alpha bravo charlie"])
    tail_audio = np.concatenate([np.full(8000, 0.5, np.float32)])
    for i in range(0, len(tail_audio), 1600):
        source.ring.write(tail_audio[i:i + 1600])
    audio = recorder.finish()
    assert isinstance(audio, StreamedAudio) and audio.segments == 3
    with qtbot.waitSignal(worker.transcribed) as done:
        worker.submit(1, audio)
    assert done.args == [1, "alpha bravo charlie delta"]
    result: TranscriptionResult = results[-1]
    assert result.segments == 3 and result.submitted_at == audio.released_at
    assert result.audio_seconds == pytest.approx(len(audio.samples) / 16000)
    prompts = [c[1] for c in worker.engine.calls]
    assert prompts == [None, "alpha", "alpha bravo", "alpha bravo charlie"]
    assert all(0 < c[2] < 1500 for c in worker.engine.calls)  # encoder sized to each piece
    assert "" in previews  # cleared when the dictation began


def test_cancelled_dictation_leaks_nothing_into_the_next(qtbot, worker):
    source = RingSource(capacity=16000 * 20)
    recorder = RingRecorder(source, None, streamer=SegmentStreamer(LoudVad(), worker, FAST))
    previews = []
    worker.preview_changed.connect(previews.append)
    worker.engine.gate.clear()  # pieces of the first dictation wait inside/before the engine
    record(qtbot, recorder, source, utterance(0.2, 0.3))
    recorder.abort()  # cancelled while its pieces are queued
    worker.engine.gate.set()
    record(qtbot, recorder, source, utterance(0.6))
    tail = recorder.finish()
    with qtbot.waitSignal(worker.transcribed) as done:
        worker.submit(2, tail)
    assert done.args == [2, "echo"]
    assert not any("alpha" in p or "bravo" in p for p in previews)
    assert previews[-1] == "echo"


def test_plain_audio_still_works_with_the_full_window(qtbot, worker):
    with qtbot.waitSignal(worker.transcribed) as done:
        worker.submit(5, utterance(0.2, 0.3))
    assert done.args == [5, "alpha bravo"]
    assert worker.engine.calls[-1][2] == 0  # a whole recording: no shrunken window


@pytest.mark.parametrize("text, seconds, looped", [
    ("Mr. Quilter is the apostle. Mr. Quilter is the apostle.", 6.0, True),
    ("Mr. Quilter is the apostle of the middle classes.", 6.0, False),
    ("word " * 40, 5.0, True),
    ("Yes. No. Yes.", 2.0, False),
    ("", 1.0, False),
])
def test_looks_looped(text, seconds, looped):
    assert looks_looped(text, seconds) is looped


def feed_all(streamer, audio, block=1600):
    for i in range(0, len(audio), block):
        streamer.feed(audio[i:i + block])


def words_in(samples) -> set:
    return {round(float(v), 1) for v in np.unique(samples)} - {0.0}


def test_speculation_covers_the_tail_when_no_speech_follows():
    sink = Sink()
    streamer = SegmentStreamer(LoudVad(), sink, SPECULATE)
    streamer.begin()
    feed_all(streamer, utterance(0.2, pause=0.25))  # stops speaking; releases 0.25 s later
    out = streamer.finish(recorded=None)
    kinds = [c[0] for c in sink.calls]
    assert kinds == ["begin", "speculate"]  # sent once, never withdrawn
    speculated = sink.calls[1]
    assert words_in(speculated[2]) == {0.2}
    assert out.tail_key == speculated[3] and words_in(out.tail) == {0.2}
    assert (speculated[2] == np.float32(0.2)).sum() == (out.tail == np.float32(0.2)).sum()


def test_speech_after_a_speculation_withdraws_it_and_keeps_every_word():
    sink = Sink()
    streamer = SegmentStreamer(LoudVad(), sink, SPECULATE)
    streamer.begin()
    # A short pause (speculated on, not cut), then more speech up to the release.
    feed_all(streamer, np.concatenate([utterance(0.2, pause=0.25), np.full(4000, 0.3, np.float32)]))
    out = streamer.finish(recorded=None)
    kinds = [c[0] for c in sink.calls]
    assert kinds == ["begin", "speculate", "withdraw"]
    assert out.tail_key is None  # the tail must be transcribed: it holds both words
    assert words_in(out.tail) == {0.2, 0.3}


def test_a_pause_that_becomes_a_cut_names_its_speculation():
    sink = Sink()
    streamer = SegmentStreamer(LoudVad(), sink, SPECULATE)
    streamer.begin()
    feed_all(streamer, np.concatenate([utterance(0.2, pause=0.6), np.full(4000, 0.3, np.float32)]))
    out = streamer.finish(recorded=None)
    kinds = [c[0] for c in sink.calls]
    assert kinds == ["begin", "speculate", "segment"]
    assert sink.calls[2][3] == sink.calls[1][3]  # the committed piece is the speculated audio
    assert np.array_equal(sink.calls[2][2], sink.calls[1][2])
    assert out.tail_key is None and words_in(out.tail) == {0.3}


def speculating(worker: EngineWorker):
    """A recorder streaming to ``worker`` with speculation on, and the results it reports."""
    source = RingSource(capacity=16000 * 20)
    recorder = RingRecorder(source, None, streamer=SegmentStreamer(LoudVad(), worker, SPECULATE))
    results: list = []
    worker.result_ready.connect(results.append)
    return source, recorder, results


def test_released_tail_takes_the_speculated_text_without_a_second_call(qtbot, worker):
    source, recorder, results = speculating(worker)
    record(qtbot, recorder, source, np.concatenate([utterance(0.2, pause=0.6),
                                                    utterance(0.3, pause=0.25)[8000:]]))
    qtbot.waitUntil(lambda: len(worker.engine.calls) == 2)  # piece 1, speculation of 2
    audio = recorder.finish()
    assert audio.tail_key is not None
    with qtbot.waitSignal(worker.transcribed) as done:
        worker.submit(1, audio)
    assert done.args == [1, "alpha bravo"]
    assert len(worker.engine.calls) == 2  # the tail was not transcribed again
    assert worker.engine.calls[1][1] == "alpha"  # the speculation had the prompt
    assert results[-1].tail_speculated and results[-1].segments == 1


def test_withdrawn_speculation_is_skipped_and_the_tail_transcribed(qtbot, worker):
    source, recorder, results = speculating(worker)
    worker.engine.gate.clear()  # the first piece holds the engine until the release
    record(qtbot, recorder, source, np.concatenate([utterance(0.6, pause=0.6),
                                                    utterance(0.2, pause=0.25)[8000:],
                                                    np.full(4000, 0.3, np.float32)]))
    audio = recorder.finish()
    assert audio.tail_key is None and audio.segments == 1
    worker.engine.gate.set()
    with qtbot.waitSignal(worker.transcribed) as done:
        worker.submit(1, audio)
    assert done.args == [1, "echo alpha bravo"]
    assert len(worker.engine.calls) == 2  # the piece and the tail: the stale one never ran
    assert not results[-1].tail_speculated


class SizedLoopEngine(WordEngine):
    """Loops in every sized window (a word over and over, past any cap); hears the words in the
    full one."""

    def transcribe(self, audio, options, stop_when=None):
        heard = super().transcribe(audio, options)
        if options.audio_ctx:
            return Transcript("alpha " * 60, (), "en", heard.audio_seconds, 0.01, (0,) * 500)
        return heard


def test_a_speculation_that_needs_the_full_window_leaves_it_to_the_tail(qtbot):
    """The speculation stops after its two sized windows; the released tail, the same audio,
    goes straight to the full window instead of looping through the sized ones again."""
    worker = started_worker(qtbot, SizedLoopEngine)
    try:
        source, recorder, results = speculating(worker)
        # piece 1: sized, wider, full (its speculation's or its own sized decodes). Done before
        # the tail comes, so that the tail's speculation cannot withdraw piece 1's in between.
        record(qtbot, recorder, source, utterance(0.2, pause=0.6))
        qtbot.waitUntil(lambda: [ctx for _, _, ctx in worker.engine.calls][-1:] == [0])
        # the speculation of the tail: sized, wider
        record(qtbot, recorder, source, utterance(0.3, pause=0.25)[8000:], begin=False)
        qtbot.waitUntil(lambda: len(worker.engine.calls) == 5)
        audio = recorder.finish()
        assert audio.tail_key is not None
        with qtbot.waitSignal(worker.transcribed) as done:
            worker.submit(1, audio)
        assert done.args == [1, "alpha bravo"]
        windows = [ctx for _, _, ctx in worker.engine.calls]
        assert windows[2] == 0 and 0 not in windows[3:5] and windows[5:] == [0]
        assert not results[-1].tail_speculated
    finally:
        worker.stop()


@pytest.mark.parametrize("language, sized", [("en", True), ("de", False), ("auto", False)])
def test_only_measured_languages_get_the_sized_window(language, sized):
    """English pieces were measured to keep their words in the sized window; other languages
    (and auto-detection) keep the full window until they are (docs/PERFORMANCE.md)."""
    engine = WordEngine(Path("fake.bin"))
    out = transcribe_piece(engine, utterance(0.2), replace(EN, language=language))
    assert out.text == "alpha"
    assert (0 < engine.calls[-1][2] < 1500) is sized and (engine.calls[-1][2] == 0) is not sized


class CappedEngine:
    """Decodes ``tokens`` text tokens in a sized window, as a decoder running into a loop does,
    stopping one past ``max_tokens`` as whisper.cpp does; the full window says "alpha". The
    capped text is one word, so only the token count can tell it was cut off."""

    def __init__(self, tokens: int):
        self.tokens = tokens
        self.calls: list[TranscribeOptions] = []

    def transcribe(self, audio, options, stop_when=None):
        self.calls.append(options)
        if options.audio_ctx == 0:
            return Transcript("alpha", (), "en", len(audio) / 16000, 1.0, (0, 0))
        cap = options.max_tokens or 224
        return Transcript("alphaaaa", (), "en", len(audio) / 16000, 0.5,
                          (0,) * min(self.tokens, cap + 1))


def test_a_sized_piece_cut_off_by_its_token_cap_is_decoded_again_in_the_full_window():
    """Cut off in its window and in the wider one (app/piece_texts.RETRY_EXTRA_FRAMES)."""
    samples = utterance(0.2)  # 1.6 s
    cap = max_tokens_for(len(samples) / 16000)
    assert 16 < cap < 224  # a loop stops well before whisper.cpp's own limit
    engine = CappedEngine(tokens=500)
    out = transcribe_piece(engine, samples, EN)
    sized, wider, full = engine.calls
    assert sized.max_tokens == cap and 0 < sized.audio_ctx < 1500 and sized.single_segment
    assert wider.max_tokens == cap and sized.audio_ctx < wider.audio_ctx < 1500
    assert full.max_tokens == 0 and full.audio_ctx == 0  # the redo is neither capped nor sized
    assert out.text == "alpha" and out.engine_seconds == pytest.approx(2.0)


def test_a_sized_piece_within_its_cap_is_decoded_once():
    samples = utterance(0.2)
    engine = CappedEngine(tokens=max_tokens_for(len(samples) / 16000))  # exactly the cap
    out = transcribe_piece(engine, samples, EN)
    assert len(engine.calls) == 1 and out.text == "alphaaaa"


@pytest.mark.parametrize("language", ["de", "auto"])
def test_full_window_pieces_are_not_capped(language):
    engine = CappedEngine(tokens=500)
    transcribe_piece(engine, utterance(0.2), replace(EN, language=language))
    assert [o.max_tokens for o in engine.calls] == [0]
