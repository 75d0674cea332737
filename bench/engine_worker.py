"""One engine configuration of bench/engine.py, alone in its own process.

Each configuration gets a fresh interpreter (multiprocessing "spawn") so that its load time and
peak resident memory are its own: whisper.cpp and CTranslate2 each bring their own OpenMP
runtime, thread pool and allocator, and in one process the second engine's RSS would include
the first's. The process loads the model once, warms it up on one untimed clip, then
transcribes the clip the parent names, one request at a time, and answers with wall time, CPU
time and text. Only the parent decides the order, so configurations can be interleaved.

Threads: every function here runs on the worker process's main thread; the engines start their
own compute threads (``threads`` of them) inside each call.
"""
from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WHISPER_CPP = "whisper.cpp"
FASTER_WHISPER = "faster-whisper"


@dataclass(frozen=True)
class EngineConfig:
    """What one row of the table runs.

    Attributes:
        name: the row's name, also what ``--configs`` takes.
        engine: ``WHISPER_CPP`` or ``FASTER_WHISPER``.
        weights: the ggml file type (f16, q8_0, q5_1) or CTranslate2's compute type (int8, float32).
        beam_size: 1 is greedy decoding.
    """

    name: str
    engine: str
    weights: str
    beam_size: int


def _configs() -> tuple[EngineConfig, ...]:
    rows = [(WHISPER_CPP, "wcpp", w) for w in ("f16", "q8_0", "q5_1")]
    rows += [(FASTER_WHISPER, "fw", w) for w in ("int8", "float32")]
    return tuple(EngineConfig(f"{short}-{weights}-{'greedy' if beam == 1 else f'beam{beam}'}",
                              engine, weights, beam)
                 for engine, short, weights in rows for beam in (1, 5))


#: Every configuration the bench knows, in table order.
ALL_CONFIGS = _configs()


@dataclass(frozen=True)
class Ready:
    """Sent once the model is loaded and warm."""

    load_seconds: float
    rss_before_load_mb: float  # interpreter + numpy + decoded clips: the same for every row


@dataclass(frozen=True)
class Timed:
    """One timed transcription."""

    wall_seconds: float
    cpu_seconds: float  # user + system over all of the process's threads
    text: str


@dataclass(frozen=True)
class Finished:
    peak_rss_mb: float


@dataclass(frozen=True)
class Failed:
    message: str


def _status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc (Linux only, like the bench)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load(config: EngineConfig, models: dict[str, Path], threads: int) -> Callable[[np.ndarray], str]:
    """Load the model; return a function that transcribes samples to text with the config's options."""
    if config.engine == WHISPER_CPP:
        from engine.options import Decoding, TranscribeOptions
        from engine.whisper_engine import WhisperEngine

        whisper = WhisperEngine(models[config.weights])
        decoding = Decoding.GREEDY if config.beam_size == 1 else Decoding.BEAM
        options = TranscribeOptions(language="en", threads=threads, decoding=decoding,
                                    beam_size=config.beam_size)
        return lambda audio: whisper.transcribe(audio, options).text

    from faster_whisper import WhisperModel

    # num_workers=1: one transcription at a time, like Murmur's engine worker.
    model = WhisperModel(str(models["ct2"]), device="cpu", compute_type=config.weights,
                         cpu_threads=threads, num_workers=1)

    def transcribe(audio: np.ndarray) -> str:
        # The segments are a lazy generator: decoding happens while we join them.
        segments, _ = model.transcribe(audio, language="en", beam_size=config.beam_size,
                                       vad_filter=False)
        return " ".join(segment.text.strip() for segment in segments)

    return transcribe


def serve(conn, config: EngineConfig, models: dict[str, Path], threads: int,
          clip_paths: list[Path], warmup_path: Path) -> None:
    """The worker process's body: load, warm up, then answer requests until told to stop.

    The parent sends a clip index to transcribe, or None to finish (answered with the peak RSS).
    """
    try:
        from audio.decode import decode_file

        # Decoded before loading, so that the resampler is not part of the model's load time.
        clips = [decode_file(path).samples for path in clip_paths]
        warmup = decode_file(warmup_path).samples
        rss_before = _status_mb("VmRSS")
        started = time.perf_counter()
        transcribe = _load(config, models, threads)
        load_seconds = time.perf_counter() - started
        # The first call allocates buffers and spins up thread pools; keep it out of the timings.
        transcribe(warmup)
        conn.send(Ready(load_seconds, rss_before))
        while (index := conn.recv()) is not None:
            cpu, wall = _cpu_seconds(), time.perf_counter()
            text = transcribe(clips[index])
            conn.send(Timed(time.perf_counter() - wall, _cpu_seconds() - cpu, text))
        conn.send(Finished(_status_mb("VmHWM")))
    except Exception as error:  # noqa: BLE001 - reported to the parent, which names the config
        conn.send(Failed(f"{type(error).__name__}: {error}"))
    finally:
        conn.close()
