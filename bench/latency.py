"""Release → text: Murmur's streaming pipeline against post-hoc transcription, same weights.

    .venv/bin/python bench/latency.py --model PATH.bin --ct2 CT2_DIR [--lengths 5,10,20,40]
        [--per-length 3] [--speed 1] [--threads 2] [--json PATH]

Dictations of about 5, 10, 20 and 40 s are built from tests/data/speech clips joined by natural
pauses (0.5-0.9 s). Each one is played into a ``RingBuffer`` as a microphone would fill it: every
20 ms, the samples due by the wall clock (``--speed 1`` is real time, the honest setting for
release → text; larger values play faster and shorten the idle gaps the engine can use). The
real pipeline runs on it: ``RingRecorder`` draining every ``STREAM_DRAIN_MS`` →
``SegmentStreamer`` (Silero VAD + segmenter) → ``EngineWorker`` (warm whisper.cpp on its QThread). When the audio
ends the bench "releases": ``finish()`` + ``submit()``, as the controller does, and time-to-text
is the release until ``transcribed`` (text shaping and pasting are not included).

In the same run, right after each streamed dictation, the same audio is transcribed whole, as
every peer does after release: whisper.cpp with the full 30 s window (Murmur before streaming),
whisper.cpp with the encoder sized by ``engine.audio_ctx``, and faster-whisper int8 on the
CTranslate2 directory the ggml file was converted from. Their time-to-text is the wall time of
that one call. Tables: p50/p95 time-to-text and aggregate WER per length and mode, and ratios.
No assertion is made on any timing.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.latency_parts import (Dictation, StreamRig, build_dictations,  # noqa: E402
                                 faster_whisper_model, summarise)
from engine.audio_ctx import audio_ctx_for  # noqa: E402
from engine.options import TranscribeOptions  # noqa: E402
from engine.wer import word_errors  # noqa: E402
from engine.whisper_engine import WhisperEngine  # noqa: E402

MODES = ("murmur-stream", "wcpp-posthoc-full", "wcpp-posthoc-ctx", "fw-int8-posthoc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="whisper.cpp ggml file")
    parser.add_argument("--ct2", type=Path, help="CTranslate2 dir of the same weights")
    parser.add_argument("--lengths", default="5,10,20,40")
    parser.add_argument("--per-length", type=int, default=3)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance() or QCoreApplication([])
    options = TranscribeOptions(language="en", threads=args.threads)
    dictations = build_dictations([float(x) for x in args.lengths.split(",")], args.per_length)
    engine = WhisperEngine(args.model)
    fw = faster_whisper_model(args.ct2, args.threads) if args.ct2 else None
    rig = StreamRig(app, args.model, options)
    rows: list[dict] = []
    started = time.time()
    for n, dictation in enumerate(dictations, 1):
        rows += run_one(rig, args, dictation, engine, fw)
        print(f"[{n}/{len(dictations)}] {dictation.name} ({dictation.seconds:.1f} s): "
              + ", ".join(f"{r['mode']} {r['time_to_text']:.2f} s" for r in rows[-4:]),
              flush=True)
    print(f"\nmodel {args.model.name}, {args.threads} threads, speed {args.speed}x, "
          f"{len(dictations)} dictations, {time.time() - started:.0f} s wall\n")
    print(summarise(rows, MODES))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    rig.close()
    engine.close()


def run_one(rig: StreamRig, args, dictation: Dictation, engine, fw) -> list[dict]:
    """One dictation: streamed in (real) time, then each post-hoc mode on the same audio."""
    rows = []
    text, seconds, segments, tail = rig.play(dictation, args.speed)
    rows.append(_row(dictation, "murmur-stream", text, seconds, segments=segments, tail=tail))
    for mode, ctx in (("wcpp-posthoc-full", 1500),
                      ("wcpp-posthoc-ctx", audio_ctx_for(dictation.seconds))):
        t0 = time.perf_counter()
        out = engine.transcribe(dictation.audio, TranscribeOptions(
            language="en", threads=args.threads, audio_ctx=ctx, single_segment=ctx > 0))
        rows.append(_row(dictation, mode, out.text, time.perf_counter() - t0))
    if fw is not None:
        t0 = time.perf_counter()
        parts, _info = fw.transcribe(dictation.audio, language="en", beam_size=1,
                                     vad_filter=False)
        fw_text = " ".join(p.text.strip() for p in parts)
        rows.append(_row(dictation, "fw-int8-posthoc", fw_text, time.perf_counter() - t0))
    return rows


def _row(dictation: Dictation, mode: str, text: str, seconds: float, **extra) -> dict:
    errors = word_errors(dictation.reference, text)
    return dict(name=dictation.name, length=dictation.length, seconds=dictation.seconds,
                mode=mode, time_to_text=seconds, errors=errors.errors,
                words=errors.reference_words, text=text, **extra)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
