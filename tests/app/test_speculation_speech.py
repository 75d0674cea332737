"""A reused speculation never drops speech: real speech, real Silero VAD, every release point.

The dictation is the one a desktop latency run once delivered without its last sentence
(docs/PERFORMANCE.md "Streaming": ls_4507-16021-0012, ls_8455-210777-0068, ls_61-70968-0000,
each trimmed to its speech, with pauses between). Its samples are written to a real
``RingBuffer`` (tests/app/ring_source.py) in 100 ms blocks and drained by the real
``RingRecorder`` into the real ``SegmentStreamer`` (Silero + segmenter), and released at many
points: before, inside and after the last sentence, with the last block still in the ring
(``finish`` must drain it through the VAD before it decides whether the speculation covers the
tail). Whenever ``finish`` names a speculation (``tail_key``), the sink answers with its text
instead of the tail's, so the speculated audio must hold all of the tail's speech. No engine:
the samples that would be transcribed are compared directly.
"""
from __future__ import annotations

import numpy as np
import pytest
from ring_source import RingSource

from app.recorder import RingRecorder
from app.streaming import SegmentStreamer
from audio.decode import decode_file
from audio.vad import SileroVad
from bench.speech_set import load_clips
from engine.segmenter import FRAME_SAMPLES, SegmenterOptions

CLIPS = ("ls_4507-16021-0012", "ls_8455-210777-0068", "ls_61-70968-0000")
PAUSES = (0.6, 0.8)
#: The last pause as the bench makes it (0.8 s: it becomes a cut, so the last sentence is a new
#: piece), and one short enough to be speculated on but not cut (0.35 s), so speech starting
#: after a speculation is the case here (a recorder that left the last block unheard fails it).
LAST_PAUSES = (0.8, 0.35)
RATE = 16000
BLOCK = 1600  # the drain timer's 100 ms
#: Loud enough to be a word (the latency bench's "last word" threshold, of the clip's peak).
LOUD = 0.05


class Sink:
    """Records what the streamer hands the engine worker."""

    def __init__(self):
        self.speculations: dict[tuple, np.ndarray] = {}

    def begin_dictation(self, dictation):
        pass

    def submit_segment(self, dictation, samples, key=None):
        pass

    def speculate(self, dictation, key, samples):
        self.speculations[key] = samples

    def withdraw_speculation(self, dictation):
        pass

    def drop_dictation(self, dictation):
        pass


def dictation(last_pause: float) -> np.ndarray:
    clips = {c.id: c for c in load_clips()}
    parts = [np.zeros(int(0.4 * RATE), np.float32)]
    for n, clip_id in enumerate(CLIPS):
        if n:
            parts.append(np.zeros(int((PAUSES[0] if n == 1 else last_pause) * RATE), np.float32))
        samples = decode_file(clips[clip_id].path).samples
        loud = np.flatnonzero(np.abs(samples) > LOUD * np.abs(samples).max())
        parts.append(samples[loud[0]:loud[-1] + 1])  # the pause is the gap alone
    return np.concatenate(parts)


AUDIOS = {pause: dictation(pause) for pause in LAST_PAUSES}
LAST_SECONDS = 4.5  # the last sentence (clip, trimmed) starts about this long before the end


#: Every 50 ms around the start of the last sentence (the pause before it: speculated, then
#: withdrawn by the sentence) and over the end (its speculation reused).
RELEASES = [(pause, release) for pause, audio in AUDIOS.items()
            for start in (len(audio) - int((LAST_SECONDS + 1) * RATE), len(audio) - RATE)
            for release in range(start, start + int(1.5 * RATE), 800)]


def test_some_releases_reuse_a_speculation(qtbot):
    """Otherwise the test below would check nothing."""
    reused = [r for r in RELEASES[::2] if release_at(*r)[0].tail_key is not None]
    assert len(reused) >= 4


def release_at(pause: float, release: int):
    """Record the dictation up to sample ``release`` and finish: (StreamedAudio, Sink)."""
    audio = np.concatenate([AUDIOS[pause], np.zeros(RATE, np.float32)])[:release]
    source = RingSource(capacity=RATE * 30)
    sink = Sink()
    recorder = RingRecorder(source, None, streamer=SegmentStreamer(SileroVad(), sink,
                                                                   SegmenterOptions()))
    recorder.begin()
    drained = 0
    for i in range(0, len(audio), BLOCK):
        source.ring.write(audio[i:i + BLOCK])
        if i + 2 * BLOCK <= len(audio):  # the last block waits in the ring for finish
            recorder._drain()
            drained = i + BLOCK
    assert drained < len(audio)
    return recorder.finish(), sink


@pytest.mark.parametrize("pause, release", RELEASES)
def test_a_reused_speculation_holds_all_of_the_tails_speech(qtbot, pause, release):
    out, sink = release_at(pause, release)
    if out.tail_key is None:
        return  # the tail itself is transcribed
    speculated = sink.speculations[out.tail_key]
    assert np.array_equal(out.tail[:len(speculated)], speculated)
    # Everything recorded after the speculated frames, up to the release, must be quiet: the
    # recording's own samples, not the streamer's idea of them (a block the VAD never heard
    # would be missing from the tail too).
    audio = AUDIOS[pause]
    after = audio[out.tail_key[1] * FRAME_SAMPLES:release]
    assert not len(after) or np.abs(after).max() < LOUD * np.abs(audio).max()
