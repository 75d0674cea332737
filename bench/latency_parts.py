"""Pieces of bench/latency.py: the dictations, the real-time player, the streaming rig, tables.

Threads: everything here runs on the bench's main thread, which is also the Qt thread; the
engine worker runs whisper.cpp on its own QThread as in the app.
"""
from __future__ import annotations

import itertools
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.decode import decode_file
from bench.speech_set import load_clips
# The tests' stand-in for the capture: the bench plays the dictations into its ring in real time,
# as a microphone would, and runs from the repository (like bench/audio_ctx_pieces.py).
from tests.app.ring_source import RingSource

RATE = 16000
TICK_MS = 20  # a microphone delivers a block about this often
PAUSES = (0.6, 0.9, 0.5, 0.8, 0.7)  # natural pauses between sentences, seconds
LEAD_SECONDS = 0.4  # silence before the first word (the pre-roll)
# People release 0.2-0.6 s after their last word: the silence after it, in rotation.
RELEASE_AFTER = (0.4, 0.2, 0.6)
QUIET_END = 0.05  # the last clip ends at its last sample above this fraction of its peak


@dataclass(frozen=True)
class Dictation:
    name: str
    length: float  # the target length it was built for
    audio: np.ndarray
    reference: str

    @property
    def seconds(self) -> float:
        return len(self.audio) / RATE


def build_dictations(lengths: list[float], per_length: int) -> list[Dictation]:
    """``per_length`` dictations of about each length: clips of up to 14 s joined by pauses.

    The clips rotate through the speech set, so dictations of one length use different clips.
    """
    clips = [c for c in load_clips() if c.seconds <= 14.0]
    audio = {c.id: decode_file(c.path).samples for c in clips}
    rotation = itertools.cycle(clips)
    pauses = itertools.cycle(PAUSES)
    releases = itertools.cycle(RELEASE_AFTER)
    lead = np.zeros(int(LEAD_SECONDS * RATE), np.float32)
    out = []
    for length in lengths:
        for n in range(per_length):
            parts, refs, total = [lead], [], 0.0
            while total < length * 0.85 or not refs:
                clip = next(rotation)
                if total + clip.seconds > length * 1.25:
                    continue  # too long for this one; a later clip fits
                if refs:
                    pause = next(pauses)
                    parts.append(np.zeros(int(pause * RATE), np.float32))
                    total += pause
                parts.append(audio[clip.id])
                refs.append(clip.reference)
                total += clip.seconds
            # The release counts from the last word, not from the recording's own quiet end.
            loud = np.flatnonzero(np.abs(parts[-1]) > QUIET_END * np.abs(parts[-1]).max())
            parts[-1] = parts[-1][:loud[-1] + 1]
            parts.append(np.zeros(int(next(releases) * RATE), np.float32))
            out.append(Dictation(f"{length:g}s-{n + 1}", length, np.concatenate(parts),
                                 " ".join(refs)))
    return out


class StreamRig:
    """Recorder + streamer + warm engine worker, as main.py would wire them."""

    def __init__(self, app, model: Path, options, size_pieces: bool = True,
                 speculate: bool = True) -> None:
        from app.engine_worker import EngineWorker
        from app.recorder import RingRecorder
        from app.streaming import STREAM_DRAIN_MS, SegmentStreamer
        from audio.vad import SileroVad
        from engine.segmenter import SegmenterOptions

        self.app = app
        self.worker = EngineWorker(model, options, size_pieces=size_pieces)
        self.source = RingSource(120 * RATE, preroll=0)  # the dictation carries its own lead
        self._spool = tempfile.TemporaryDirectory(prefix="murmur-latency-")
        segmenting = SegmenterOptions() if speculate else SegmenterOptions(speculate_frames=0)
        self.recorder = RingRecorder(self.source, Path(self._spool.name), STREAM_DRAIN_MS,
                                     SegmentStreamer(SileroVad(), self.worker, segmenting))
        self.results: dict[int, tuple[str, float, object]] = {}
        self.worker.result_ready.connect(
            lambda r: self.results.__setitem__(r.job, (r.text, time.monotonic(), r)))
        loaded = []
        self.worker.model_loaded.connect(loaded.append)
        self.worker.start()
        self._wait(lambda: loaded, 60)
        self.job = 0

    def play(self, dictation: Dictation, speed: float) -> tuple[str, float, dict]:
        """Play, release, wait: (text, release → text s, details for the row)."""
        from PySide6.QtCore import QTimer

        self.recorder.begin()
        audio, written, t0 = dictation.audio, 0, time.monotonic()

        def tick() -> None:
            nonlocal written
            due = min(len(audio), int((time.monotonic() - t0) * speed * RATE))
            if due > written:
                self.source.ring.write(audio[written:due])
                written = due

        timer = QTimer()
        timer.setInterval(TICK_MS)
        timer.timeout.connect(tick)
        timer.start()
        self._wait(lambda: written >= len(audio), dictation.seconds / speed + 30)
        timer.stop()
        result = self.recorder.finish()  # the release
        self.job += 1
        self.worker.submit(self.job, result)
        self._wait(lambda: self.job in self.results, 600)
        text, done_at, full = self.results.pop(self.job)
        self.recorder.settle(result)
        return text, done_at - result.released_at, dict(
            segments=result.segments, tail=len(result.tail) / RATE,
            speculated=full.tail_speculated, engine=full.engine_seconds)

    def close(self) -> None:
        self.worker.stop()
        self._spool.cleanup()

    def _wait(self, condition, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the pipeline did not answer in time")
            self.app.processEvents()
            time.sleep(0.002)  # the bench's own idle loop; nothing waits on it


def faster_whisper_model(ct2_dir: Path, threads: int):
    from faster_whisper import WhisperModel

    return WhisperModel(str(ct2_dir), device="cpu", compute_type="int8", cpu_threads=threads)


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def summarise(rows: list[dict], modes: tuple[str, ...]) -> str:
    """Markdown: per length and mode, p50/p95 time-to-text, WER; then ratios to the first
    mode (Murmur as shipped). "tails speculated" is ``_speculated``."""
    lengths = sorted({r["length"] for r in rows})
    modes = tuple(m for m in modes if any(r["mode"] == m for r in rows))
    lines = ["| length | mode | n | audio s (mean) | p50 s | p95 s | WER | vs stream p50 "
             "| tails speculated |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for length in lengths + ["all"]:
        subset = [r for r in rows if length == "all" or r["length"] == length]
        stream = [r["time_to_text"] for r in subset if r["mode"] == modes[0]]
        for mode in modes:
            mine = [r for r in subset if r["mode"] == mode]
            if not mine:
                continue
            times = [r["time_to_text"] for r in mine]
            errors, words = sum(r["errors"] for r in mine), sum(r["words"] for r in mine)
            label = f"{length:g} s" if length != "all" else "all"
            lines.append(
                f"| {label} | {mode} | {len(mine)} | {np.mean([r['seconds'] for r in mine]):.1f}"
                f" | {_percentile(times, 50):.2f} | {_percentile(times, 95):.2f}"
                f" | {100 * errors / words:.1f} % ({errors}/{words})"
                f" | {_percentile(times, 50) / _percentile(stream, 50):.1f}×"
                f" | {_speculated(mine)} |")
    return "\n".join(lines)


def _speculated(rows: list[dict]) -> str:
    """"S/N (E)": S of N tails answered by a speculation; E releases left no tail at all (the
    pause before the release had already become a cut)."""
    mine = [r for r in rows if "speculated" in r]
    if not mine:
        return "-"
    empty = sum(r["tail"] == 0 for r in mine)
    return f"{sum(r['speculated'] for r in mine)}/{len(mine) - empty} ({empty})"
