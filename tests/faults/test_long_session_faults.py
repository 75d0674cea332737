"""Fault 9: an hour-long session, without taking an hour.

* Audio beyond the ring's capacity: the real app (``python main.py``, tests/e2e/murmur_app.py:
  private Xvfb, private PulseAudio whose null-sink monitor is the microphone, the real Whisper
  model, a Tk target window in another process) started with a 5-second capture ring
  (``ring_seconds`` in its settings file), and a 30-second dictation played into the virtual
  microphone in real time: every word must arrive.
* Memory flat over many dictations: the real recorder (``app.recorder.RingRecorder``), the real
  streamer (Silero VAD + segmenter, ``app.streaming``) and the real engine worker with the real
  model in its child process, as the app runs it (``engine.engine_process``), fed dictations far
  faster than real time through a capture ring smaller than each dictation (written block by
  block, the recorder draining after each block as its timer does). Python-level memory
  (tracemalloc) and the resident size (``VmRSS``) of this process and of the engine's process
  must stay flat once warm.
"""
from __future__ import annotations

import gc
import logging
import os
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # in-process part: QObjects, no display

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import soundfile  # noqa: E402
from xvfb import wait_until  # noqa: E402

from app.engine_worker import EngineWorker  # noqa: E402
from app.recorder import RingRecorder  # noqa: E402
from app.streaming import SegmentStreamer  # noqa: E402
from audio.decode import decode_file  # noqa: E402
from bench.speech_set import load_clips  # noqa: E402
from engine.engine_process import load_process_engine  # noqa: E402
from engine.options import TranscribeOptions  # noqa: E402
from engine.wer import word_errors  # noqa: E402
from tests.app.ring_source import RingSource  # noqa: E402

pytestmark = pytest.mark.model

RING_SECONDS = 5
#: Long dictation for the small ring: ~30 s, six times the ring.
LONG_IDS = ("jfk", "ls_1089-134691-0001", "ls_1272-128104-0000", "arctic_a0024")
PAUSE_SECONDS = 0.8
TRANSCRIBE_TIMEOUT_S = 300  # a loaded machine; normally ~10 s
TAIL_S = 1.5
EN = TranscribeOptions(language="en", threads=2)

#: Accelerated session: dictations after the warm-up ones, and what "flat" allows. Keeping each
#: dictation's audio (0.45 MB here, twice) or its state would add up past these; the whisper.cpp
#: buffers are reused, so the resident size does not grow once warm.
WARM_UP = 2
MEASURED = 20
MAX_PY_GROWTH_BYTES = 256_000
MAX_RSS_GROWTH_KB = 24_000
SESSION_IDS = ("ls_1089-134691-0001",)  # 7 s with the pauses: more than the 5 s ring
BLOCK = 1600  # 100 ms, what the recorder's drain timer sees at STREAM_DRAIN_MS


def build(ids: tuple[str, ...]) -> tuple[np.ndarray, str]:
    """Clips with pauses between them (16 kHz float32) and their joined reference text."""
    clips = {c.id: c for c in load_clips()}
    gap = np.zeros(int(PAUSE_SECONDS * 16000), np.float32)
    parts, refs = [gap], []
    for clip_id in ids:
        parts += [decode_file(clips[clip_id].path).samples, gap]
        refs.append(clips[clip_id].reference)
    return np.concatenate(parts), " ".join(refs)


def test_a_dictation_six_times_longer_than_the_ring_keeps_every_word(launch_murmur, target,
                                                                      pulse, tmp_path):
    audio, reference = build(LONG_IDS)
    clip = tmp_path / "long.wav"
    soundfile.write(clip, audio, 16000, subtype="PCM_16")
    seconds = len(audio) / 16000
    murmur = launch_murmur(ini=f"[General]\nlanguage=en\nthreads=2\nring_seconds={RING_SECONDS}\n")
    details = murmur.wait_ready()
    assert details["ring_seconds"] == RING_SECONDS and seconds > 5 * RING_SECONDS, details

    assert murmur.cli("start").returncode == 0
    murmur.wait_state("recording")
    player = pulse.play(clip)
    assert player.wait(seconds + 30) == 0, player.stderr.read()
    murmur.record_past(TAIL_S)
    assert murmur.cli("stop").returncode == 0
    wait_until(lambda: target.text().strip() and murmur.details()["state"] == "idle",
               TRANSCRIBE_TIMEOUT_S, "the long dictation in the target window")
    errors = word_errors(reference, target.text())
    # About one error per clip is Whisper base's own; a lost ring's worth (5 s) is ~12 words.
    assert errors.errors <= len(LONG_IDS), (errors, target.text(), murmur.log_tail())
    assert "lost" not in (murmur.details()["window"] or ""), murmur.details()


def resident_kb(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


class _Rests(logging.Handler):
    """Counts the engine child's lines saying it handled a ``Rest`` (reloaded or kept), without
    keeping the records (tracemalloc watches this process's heap)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "engine.child: rest: " in record.getMessage()


@pytest.fixture
def child_rests():
    """The child logs at the ``engine`` logger's level when it starts: INFO, so it says so."""
    rests, engine_log = _Rests(), logging.getLogger("engine")
    level = engine_log.level
    engine_log.setLevel(logging.INFO)
    logging.getLogger("engine.child").addHandler(rests)
    yield rests
    logging.getLogger("engine.child").removeHandler(rests)
    engine_log.setLevel(level)


def test_many_dictations_through_a_small_ring_keep_memory_flat(qtbot, default_model_path,
                                                               child_rests):
    from audio.vad import SileroVad

    audio, reference = build(SESSION_IDS)
    engines = []  # the engine the worker loads, to watch its child process

    def load(path: Path):
        engines.append(load_process_engine(path))
        return engines[-1]

    worker = EngineWorker(Path(default_model_path), EN, load)
    source = RingSource(capacity=RING_SECONDS * 16000)
    assert len(audio) > source.ring.capacity  # every dictation outgrows the ring
    recorder = RingRecorder(source, None, streamer=SegmentStreamer(SileroVad(), worker))
    py_start = rss_start = child_start = None
    rss: list[int] = []
    child: list[int] = []
    try:
        with qtbot.waitSignal(worker.model_loaded, timeout=60_000):
            worker.start()
        for job in range(1, WARM_UP + MEASURED + 1):
            recorder.begin()
            for i in range(0, len(audio), BLOCK):
                source.ring.write(audio[i:i + BLOCK])
                recorder._drain()  # what the drain timer does, without waiting for it
            result = recorder.finish()
            assert result.recorded.lost_samples == 0 and len(result.samples) >= len(audio)
            with qtbot.waitSignal(worker.transcribed, timeout=120_000) as done:
                worker.submit(job, result)
            assert word_errors(reference, done.args[1]).errors <= 1, done.args[1]
            # After each dictation the worker tells the child to rest: its memory is read once
            # the child has handled that (reloaded or kept its model), never mid-reload.
            wait_until(lambda: child_rests.count >= job, 60, "the engine child to rest")
            recorder.settle_finished()
            del result, done  # the last dictation's audio is not a leak
            gc.collect()
            if job == WARM_UP:
                tracemalloc.start(4)
                py_start, rss_start = tracemalloc.take_snapshot(), resident_kb()
                pid = engines[0].pid
                child_start = resident_kb(pid)
            elif job > WARM_UP:
                rss.append(resident_kb())
                assert len(engines) == 1 and engines[0].pid == pid  # one engine process all along
                child.append(resident_kb(pid))
        grown = tracemalloc.take_snapshot().compare_to(py_start, "traceback")
        py_growth = sum(stat.size_diff for stat in grown)
    finally:
        tracemalloc.stop()
        worker.stop()
    print(f"\n{MEASURED} dictations of {len(audio) / 16000:.1f} s: Python heap "
          f"{py_growth / 1e3:+.0f} kB, VmRSS {rss_start} kB -> {rss[-1]} kB "
          f"(max {max(rss)} kB), engine process {child_start} kB -> {child[-1]} kB "
          f"(max {max(child)} kB)")
    assert py_growth < MAX_PY_GROWTH_BYTES, "\n".join(
        f"{stat.size_diff:+} B {stat.traceback.format()}" for stat in grown[:8])
    assert max(rss) - rss_start < MAX_RSS_GROWTH_KB, (rss_start, rss)
    assert max(child) - child_start < MAX_RSS_GROWTH_KB, (child_start, child)
