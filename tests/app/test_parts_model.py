"""A long piece told in parts (``DictationTexts.prefix_of``), with the real model and real VAD.

Real speech of tests/data/speech with short pauses between its sentences goes through the real
``SegmentStreamer`` (Silero VAD, segmenter) as the recorder's drain would feed it, released
0.2 s after the last word. What the streamer hands its sink (pieces, speculations, withdrawals,
the released tail) is replayed, in order, into a real ``EngineLoop`` on the test thread, whose
engine is the real whisper.cpp model (``MURMUR_TEST_MODEL``) behind a wrapper that only records
how much audio each decode got. Replaying without the clock means every speculation runs, as
each would when the engine keeps up with the person.

Where two parts meet, no word may be lost or doubled: the word alignment of the text to the
reference may miss a word there only if the piece decoded whole misses it too (Whisper hears
"were trivialities" as "retrievalities" either way), and an extra word there must not repeat
the word across the cut. And the whole text in parts
must be about as good as the piece decoded whole (replayed with the speculations of its
beginning left out): a word or two of the rest may come out differently, as in any decode
after another prompt, never a run of them.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from app.engine_loop import EngineLoop
from app.streaming import SegmentStreamer
from audio.decode import decode_file
from audio.vad import SileroVad
from bench.speech_set import load_clips
from engine.options import SAMPLE_RATE, TranscribeOptions
from engine.wer import normalize_words, word_errors
from engine.whisper_engine import WhisperEngine

pytestmark = pytest.mark.model

EN = TranscribeOptions(language="en", threads=2)
#: Two sentences or more, with pauses shorter than a cut between them.
CLIPS = ("ls_1272-141231-0002", "ls_1089-134686-0000")
BLOCK = 800  # the drain timer's 50 ms
RELEASE_AFTER = 0.2  # seconds after the last word
LOUD = 0.05  # of the clip's peak: its last word


class Sink:
    """What the streamer hands the engine worker, in order."""

    def __init__(self):
        self.events: list[tuple] = []

    def begin_dictation(self, dictation):
        pass

    def submit_segment(self, dictation, samples, key=None):
        self.events.append(("segment", samples, key))

    def speculate(self, dictation, key, samples):
        self.events.append(("speculate", key, samples))

    def withdraw_speculation(self, dictation):
        self.events.append(("withdraw",))

    def drop_dictation(self, dictation):
        pass


class Recording:
    """The real engine; notes the seconds of audio of each decode."""

    def __init__(self, engine: WhisperEngine):
        self.engine, self.seconds = engine, []
        self.model_path = engine.model_path

    def transcribe(self, samples, options, stop_when=None):
        self.seconds.append(len(samples) / SAMPLE_RATE)
        return self.engine.transcribe(samples, options, stop_when)

    def rest(self):
        pass


@pytest.fixture(scope="module")
def engine(default_model_path):
    with WhisperEngine(default_model_path) as loaded:
        yield loaded


def streamed(clip_id: str):
    """The streamer's events for the clip, and what ``finish`` returned."""
    clip = next(c for c in load_clips() if c.id == clip_id)
    samples = decode_file(clip.path).samples
    loud = np.flatnonzero(np.abs(samples) > LOUD * np.abs(samples).max())
    samples = np.concatenate([samples[:loud[-1] + 1],
                              np.zeros(int(RELEASE_AFTER * SAMPLE_RATE), np.float32)])
    sink = Sink()
    streamer = SegmentStreamer(SileroVad(), sink)
    streamer.begin()
    for i in range(0, len(samples), BLOCK):
        streamer.feed(samples[i:i + BLOCK])
    return clip, sink.events, streamer.finish(recorded=None, released_at=time.monotonic())


def replay(engine: WhisperEngine, events, released, keep=lambda key: True):
    """The text the worker's loop gives for these events (speculations ``keep`` refuses left
    out), the cleaned text of each part, and the seconds of each decode."""
    recording = Recording(engine)
    loop = EngineLoop(lambda path: recording, size_pieces=True)
    loop.load(engine.model_path)
    results, parts = [], []
    # The loop emits its result (directly: same thread) before it forgets the dictation.
    loop.finished.connect(lambda result: results.append(result)
                          or parts.extend(loop._pieces.texts))
    loop.failed.connect(lambda job, message: pytest.fail(message))
    dictation = released.dictation
    for event in events:
        loop.submitted += 1
        if event[0] == "segment":
            loop.segment(dictation, event[1], EN, event[2])
        elif event[0] == "speculate" and keep(event[1]):
            loop.live_speculation = (dictation, event[1])
            loop.speculate(dictation, event[1], event[2], EN)
        else:
            loop.live_speculation = None
            loop.handled += 1
    loop.submitted += 1
    loop.transcribe(1, released, EN, released.released_at)
    return results[0].text, parts, recording.seconds


def alignment(reference: list[str], hypothesis: list[str]) -> tuple[dict[int, set[int]], set[int]]:
    """A minimal word alignment's gaps: the reference words missing before each hypothesis
    position (position -> their indices in ``reference``), and the extra hypothesis words."""
    rows, cols = len(reference) + 1, len(hypothesis) + 1
    cost = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            if i == 0 or j == 0:
                cost[i][j] = i + j
            else:
                cost[i][j] = min(cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]),
                                 cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    missing: dict[int, set[int]] = {}
    extra: set[int] = set()
    i, j = rows - 1, cols - 1
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            missing.setdefault(j, set()).add(i - 1)
            i -= 1
        else:
            extra.add(j - 1)
            j -= 1
    return missing, extra


@pytest.mark.parametrize("clip_id", CLIPS)
def test_a_tail_told_in_parts_keeps_every_word(engine, clip_id):
    clip, events, released = streamed(clip_id)
    assert released.tail_key is not None, "the release 0.2 s after the last word is speculated"
    start, speech_end = released.tail_key
    beginnings = [e[1] for e in events if e[0] == "speculate"
                  and e[1][0] == start and e[1] != released.tail_key]
    assert beginnings, "the tail's first sentence was speculated on while speech went on"

    parts_text, parts, parts_decodes = replay(engine, events, released)
    whole_text, _, whole_decodes = replay(engine, events, released,
                                          keep=lambda key: key not in beginnings)

    tail_seconds = len(released.tail) / SAMPLE_RATE
    # The tail's own speculation decoded only what followed its speculated beginning (a
    # speculation holds the tail but the part of its trailing pad recorded after it, < 0.2 s).
    assert parts_decodes[-1] < tail_seconds - 1.0
    assert whole_decodes[-1] > tail_seconds - 0.2
    reference = normalize_words(clip.reference)
    words, boundaries = [], []
    for part in parts:
        words += normalize_words(part)
        boundaries.append(len(words))
    missing, extra = alignment(reference, words)
    whole_missing, _ = alignment(reference, normalize_words(whole_text))
    missed_anyway = set().union(*whole_missing.values())
    for at in boundaries[:-1]:
        # Lost at the cut: a word missing there that the piece decoded whole has.
        assert missing.get(at, set()) <= missed_anyway, (parts, whole_text)
        # Doubled at the cut: an extra word there that its neighbour across the cut repeats.
        assert not ({at - 1, at} & extra and words[at - 1] == words[at]), parts
    in_parts = word_errors(clip.reference, parts_text)
    in_one = word_errors(clip.reference, whole_text)
    assert in_parts.errors <= in_one.errors + 3, (parts_text, whole_text)
