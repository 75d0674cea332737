"""Nothing invented: silence, room noise, typing, breathing, a cough insert no words.

Each clip of tests/data/noise (README.md there says how each was made) goes through what the
app does between the microphone and the target window, with the real parts:

* the recorder (``app.recorder.RingRecorder``) draining a ring the test writes the clip into,
  block by block as the capture would;
* the streamer: the real Silero VAD (``audio.vad.SileroVad``, onnxruntime) and the segmenter;
* the engine worker (``app.engine_worker.EngineWorker``) on its QThread with the real Whisper
  model (``MURMUR_TEST_MODEL``), transcribing every piece the streamer hands it;
* the controller's text shaper (``app.text_shaper.TextShaper`` → ``engine.postprocess``), which
  decides what would be typed into the window.

Every clip must come out as "" (the controller then says "Nothing was heard." and inserts
nothing). The same is required of the path the app falls back to when the VAD cannot load
(the whole recording to Whisper, no gate), so the text filter holds on its own.

And nothing lost: every speech clip of tests/data/speech through the same two paths stays
within the WER bound of tests/engine/test_transcription_quality.py (faster-whisper's errors on
the clip + 2 + 5 % of its words), so the filters that drop noise labels drop no speech. (The
whole path's Whisper transcripts are the ones that module scores, made once per run.)
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

from app.engine_loop import whole_text
from app.engine_worker import EngineWorker
from app.recorder import RingRecorder
from app.streaming import SegmentStreamer
from app.text_shaper import TextShaper
from audio.decode import decode_file
from audio.ring_buffer import RingBuffer
from audio.vad import SileroVad
from bench.speech_set import load_clips
from engine.options import TranscribeOptions
from engine.wer import WordErrors, word_errors

pytestmark = pytest.mark.model
# QObjects only (the worker's thread, the recorder's timer): no display needed, as in tests/app.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NOISE_DIR = Path(__file__).resolve().parents[1] / "data" / "noise"
EN = TranscribeOptions(language="en", threads=2)
BLOCK = 1600  # 100 ms: what the recorder drains while streaming (STREAM_DRAIN_MS)
TRANSCRIBE_TIMEOUT_MS = 300_000


def noise_clips() -> list[dict[str, str]]:
    with open(NOISE_DIR / "manifest.tsv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


NOISE = noise_clips()
SPEECH = load_clips()


class RingSource:
    """The capture's side of the recorder: a ring the test writes; the dictation starts at the
    ring's current end (no pre-roll: the clip is all there is)."""

    def __init__(self, seconds: float) -> None:
        self.ring = RingBuffer(int(seconds * 16000))

    def hold(self, pressed_at: float | None = None) -> int:
        return self.ring.end_index

    def release(self) -> None:
        pass

    def wait_drained(self, timeout: float = 2.0) -> bool:
        return True


def wait_for(signal, timeout_ms: int) -> tuple:
    """Run the event loop until ``signal`` fires (its arguments) or fail at the deadline."""
    got: list[tuple] = []
    loop = QEventLoop()

    def done(*args):
        got.append(args)
        loop.quit()

    signal.connect(done)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(timeout_ms)
    try:
        if not got:
            loop.exec()
    finally:
        timer.stop()
        signal.disconnect(done)
    assert got, f"no {signal} within {timeout_ms / 1000:.0f} s"
    return got[0]


FAILED = "FAILED: "


class Answers(QObject):
    """Signals:
        got(int, str): a job's raw text, or ``FAILED`` + the reason."""

    got = Signal(int, str)


class Dictations:
    """The app's path from the ring to the text it would insert, built as main.py builds it."""

    def __init__(self, model: Path) -> None:
        self.worker = EngineWorker(model, EN)
        self.source = RingSource(120)
        self.streamed = RingRecorder(self.source, None,
                                     streamer=SegmentStreamer(SileroVad(), self.worker))
        self.whole = RingRecorder(self.source, None)  # the app without a VAD
        self.shaper = TextShaper()
        self.job = 0
        # One signal for both answers, so a failure is reported, not waited out.
        self.answered = Answers()
        self.worker.transcribed.connect(self.answered.got.emit)
        self.worker.transcription_failed.connect(
            lambda job, message: self.answered.got.emit(job, FAILED + message))
        self.worker.start()
        wait_for(self.worker.model_loaded, 120_000)

    def text(self, samples: np.ndarray, streamed: bool = True) -> str:
        """What the app would type for a dictation of ``samples`` ("" = "Nothing was heard.")."""
        recorder = self.streamed if streamed else self.whole
        recorder.begin()
        for i in range(0, len(samples), BLOCK):
            self.source.ring.write(samples[i:i + BLOCK])
            recorder._drain()  # what the recorder's drain timer does every 100 ms
        audio = recorder.finish()
        self.job += 1
        self.worker.submit(self.job, audio)
        while True:  # a late answer to an earlier job would be the controller's to drop
            job, raw = wait_for(self.answered.got, TRANSCRIBE_TIMEOUT_MS)
            assert not raw.startswith(FAILED), raw
            if job == self.job:
                return self.shaper.shape(raw, None)

    def close(self) -> None:
        self.worker.stop()


@pytest.fixture(scope="module")
def dictations(qapp, default_model_path):
    app_path = Dictations(Path(default_model_path))
    yield app_path
    app_path.close()


def read_noise(clip: dict[str, str]) -> np.ndarray:
    samples, rate = soundfile.read(NOISE_DIR / clip["file"], dtype="float32")
    assert rate == 16000 and samples.ndim == 1
    return samples


@pytest.mark.parametrize("clip", NOISE, ids=[c["id"] for c in NOISE])
def test_noise_inserts_no_words(dictations, clip):
    text = dictations.text(read_noise(clip))
    assert text == "", f"{clip['id']} ({clip['what']}) would insert {text!r}"


@pytest.mark.parametrize("clip", NOISE, ids=[c["id"] for c in NOISE])
def test_noise_inserts_no_words_without_the_vad(dictations, clip):
    """The fallback when Silero cannot load: all of the audio to Whisper, only the text filter
    (engine/postprocess.py) between Whisper and the window."""
    text = dictations.text(read_noise(clip), streamed=False)
    assert text == "", f"{clip['id']} ({clip['what']}) would insert {text!r}"


#: Noise next to speech in one dictation: the sounds closest to speech (for the VAD or Whisper).
AROUND_SPEECH = ("cough", "cough_dry", "sigh", "breathing", "keyboard", "desk", "door_knock",
                 "pluck_recorded")
FULL_HOUR = "FOR A FULL HOUR HE HAD PACED UP AND DOWN WAITING BUT HE COULD WAIT NO LONGER"


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "without-vad"])
@pytest.mark.parametrize("clip_id", AROUND_SPEECH)
def test_noise_around_speech_adds_no_words(dictations, test_data, clip_id, streamed):
    """Noise, 0.3 s (too short a pause for a cut), a sentence, 0.3 s, the noise again: only the
    sentence's words arrive. Without the VAD Whisper wrote "... longer. Ah!" for the sigh, in a
    segment of its own: the engine worker cleans each of Whisper's segments alone."""
    noise = read_noise(next(c for c in NOISE if c["id"] == clip_id))
    gap = np.zeros(int(0.3 * 16000), np.float32)
    speech = decode_file(test_data / "speech" / "ls_1089-134691-0001.wav").samples
    text = dictations.text(np.concatenate([noise, gap, speech, gap, noise]), streamed=streamed)
    errors = word_errors(FULL_HOUR, text)
    assert errors.insertions == 0 and errors.errors <= 2, (clip_id, text)


@pytest.fixture(scope="module")
def speech_results(qapp, default_model_path, whole_clip_transcripts, faster_whisper_reference):
    """Every speech clip through both paths: path → id → (ours, faster-whisper's, text).

    The whole path is the app's when the VAD cannot load: the recording transcribed at once,
    its text cleaned as the engine worker cleans it (``app.engine_loop.whole_text``) and shaped
    as the controller shapes it. Whisper's part of it is the run's shared whole transcripts
    (tests/conftest.py); the whole path through the recorder and worker is the noise tests'
    above. The streamed path goes through the recorder, Silero and the worker, with a model of
    its own.
    """
    shaper = TextShaper()
    out: dict[str, dict] = {"whole": {}, "streamed": {}}
    app_path = Dictations(Path(default_model_path))
    try:
        for clip in SPEECH:
            whole = shaper.shape(whole_text(whole_clip_transcripts[clip.id]), None)
            streamed = app_path.text(decode_file(clip.path).samples)
            for path, text in (("whole", whole), ("streamed", streamed)):
                out[path][clip.id] = (word_errors(clip.reference, text),
                                      word_errors(clip.reference, faster_whisper_reference[clip.id]),
                                      text)
    finally:
        app_path.close()
    return out


@pytest.mark.parametrize("path", ["streamed", "whole"])
@pytest.mark.parametrize("clip_id", [clip.id for clip in SPEECH])
def test_speech_still_transcribed_within_its_bound(speech_results, clip_id, path):
    ours, theirs, text = speech_results[path][clip_id]
    allowed = theirs.errors + 2 + int(0.05 * ours.reference_words)
    assert ours.errors <= allowed, f"{clip_id} ({path}): {ours.errors} errors (faster-whisper " \
                                   f"{theirs.errors}): {text!r}"


#: Aggregate WER allowed above faster-whisper's. The whole-recording path is one greedy pass per
#: clip, as in tests/engine/test_transcription_quality.py: one point. The streamed path cuts at
#: pauses and transcribes some pieces ahead of the release; from run to run it measured 7.7 to
#: 8.8 % against faster-whisper's 7.0 % here (2026-11-26, with and without this module's
#: filters), so it gets two: the bound that matters for the filters is the per-clip one.
AGGREGATE_POINTS = {"whole": 0.01, "streamed": 0.02}


@pytest.mark.parametrize("path", ["streamed", "whole"])
def test_speech_aggregate_wer(speech_results, path):
    results = speech_results[path].values()
    ours = sum((r[0] for r in results), WordErrors(0, 0, 0, 0))
    theirs = sum((r[1] for r in results), WordErrors(0, 0, 0, 0))
    print(f"aggregate WER ({path}): {ours.rate:.4f}, faster-whisper {theirs.rate:.4f}")
    assert ours.rate <= theirs.rate + AGGREGATE_POINTS[path]


def test_the_noise_set_is_small_speech_free_and_attributed():
    """The clips are what README.md says: 16 kHz mono, a few seconds, < 2 MB in all, each with a
    licence; the recorded room tone holds no speech by Silero's own measure (every frame < 0.2)."""
    total = 0
    for clip in NOISE:
        path = NOISE_DIR / clip["file"]
        info = soundfile.info(path)
        assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16"), clip["id"]
        assert 1.5 <= info.duration <= 5.0, clip["id"]
        assert clip["licence"] and clip["source"], clip["id"]
        total += path.stat().st_size
        if clip["id"].startswith("room_tone_"):
            probabilities = SileroVad().process(read_noise(clip)).probabilities
            assert probabilities.max() < 0.2, (clip["id"], float(probabilities.max()))
    assert total < 2_000_000
    kinds = {clip["kind"] for clip in NOISE}
    assert kinds == {"generated", "recorded"}
