"""Streamed pieces in a sized encoder window: how many words does each decoding setting keep?

    .venv/bin/python bench/audio_ctx_pieces.py --model PATH [--settings whole,full,app,fallback]

The dictations of tests/app/test_streaming_model.py and of bench/latency.py (5-40 s, two per
length) are cut by the real streamer (Silero VAD + engine/segmenter.py) into the pieces the app
would transcribe; then each setting transcribes every piece in order, the text so far as prompt,
and joins them as the app does (``app.piece_texts``):

* ``whole``: each dictation at once, full window (the reference the streamed WER is held to);
* ``full``: pieces in the full 30 s window;
* ``app``: what the app does (``transcribe_piece``): sized window, one pass, no temperature
  fallback, a looping text decoded again in the full window;
* ``fallback``: sized window, one pass, with whisper.cpp's temperature fallback (before
  2026-11-26 10:00);
* ``nocheck``: like ``app`` without the loop check.

Prints aggregate WER, engine seconds and the texts with errors. Engine seconds are comparable
between rows only on a quiet machine (rows run one after another).
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.dictation_texts import DictationTexts  # noqa: E402
from app.piece_texts import transcribe_piece  # noqa: E402
from app.streaming import SegmentStreamer  # noqa: E402
from audio.vad import SileroVad  # noqa: E402
from bench.latency_parts import build_dictations  # noqa: E402
from engine.audio_ctx import audio_ctx_for  # noqa: E402
from engine.options import TranscribeOptions  # noqa: E402
from engine.wer import WordErrors, word_errors  # noqa: E402
from engine.whisper_engine import WhisperEngine  # noqa: E402
from tests.app.test_streaming_model import DICTATIONS, build  # noqa: E402


class _Pieces:
    """A ``SegmentSink`` that keeps the committed pieces (speculations are not needed here)."""

    def __init__(self) -> None:
        self.pieces = []

    def begin_dictation(self, dictation): pass

    def submit_segment(self, dictation, samples, key=None):
        self.pieces.append(samples)

    def speculate(self, dictation, key, samples): pass

    def withdraw_speculation(self, dictation): pass

    def drop_dictation(self, dictation): pass


def pieces_of(audio):
    sink = _Pieces()
    streamer = SegmentStreamer(SileroVad(), sink)
    streamer.begin()
    for i in range(0, len(audio), 1600):
        streamer.feed(audio[i:i + 1600])
    tail = streamer.finish(None).tail
    return sink.pieces + ([tail] if len(tail) else [])


def transcribe(engine, setting: str, piece, options: TranscribeOptions):
    if setting == "full":
        return engine.transcribe(piece, options)
    if setting == "app":
        return transcribe_piece(engine, piece, options)
    ctx = audio_ctx_for(len(piece) / 16000)
    return engine.transcribe(piece, replace(options, audio_ctx=ctx, single_segment=ctx > 0,
                                            temperature_fallback=setting == "fallback"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--settings", default="whole,full,app,fallback")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    dictations = [(f"test-{n}",) + build(ids) for n, ids in enumerate(DICTATIONS, 1)]
    dictations += [(d.name, d.audio, d.reference) for d in build_dictations([5, 10, 20, 40], 2)]
    cut = [(name, audio, ref, pieces_of(audio)) for name, audio, ref in dictations]
    lengths = sorted(len(p) / 16000 for *_, ps in cut for p in ps)
    print(f"{len(cut)} dictations, {len(lengths)} pieces of {lengths[0]:.1f}-{lengths[-1]:.1f} s,"
          f" model {args.model.name}, {args.threads} threads, load {os.getloadavg()[0]:.1f}")
    engine = WhisperEngine(args.model)
    options = TranscribeOptions(language="en", threads=args.threads)
    engine.transcribe(cut[0][3][0], options)  # warm-up
    print("| setting | WER | errors/words | engine s | load at end |\n|---|---:|---:|---:|---:|")
    wrong = []
    for setting in args.settings.split(","):
        total, seconds = WordErrors(0, 0, 0, 0), 0.0
        for name, audio, reference, pieces in cut:
            if setting == "whole":
                out = engine.transcribe(audio, options)
                text, seconds = out.text, seconds + out.engine_seconds
            else:
                texts = DictationTexts()
                texts.switch_to(1)
                for piece in pieces:
                    out = transcribe(engine, setting, piece, texts.prompted(options))
                    texts.add((out.text,), out.engine_seconds)
                text, seconds = texts.text, seconds + texts.engine_seconds
            errors = word_errors(reference, text)
            total = total + errors
            if errors.errors:
                wrong.append(f"  [{setting}] {name} ({errors.errors}): {text}")
        print(f"| {setting} | {100 * total.rate:.2f} % | {total.errors}/{total.reference_words} "
              f"| {seconds:.1f} | {os.getloadavg()[0]:.1f} |", flush=True)
    print("\n".join(wrong))


if __name__ == "__main__":
    main()
