"""``main.py transcribe FILE…``: transcribe audio files and print the text (or JSON lines).

Each file is decoded, resampled to 16 kHz mono and transcribed by the one loaded model. A file
that cannot be read gets one line on stderr and the others are still transcribed; the exit code
says whether every file succeeded.
"""
from __future__ import annotations

import json
import time
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from audio.decode import AudioFileError, decode_file
from engine.errors import MurmurError
from engine.model_store import ModelStore
from engine.options import Decoding, Transcript, TranscribeOptions
from engine.whisper_engine import WhisperEngine

from app.terminal import error_line

EXIT_OK = 0
EXIT_SOME_FILES_FAILED = 1
EXIT_BAD_CHOICE = 2  # the model or an option was unusable: nothing was transcribed


def transcript_json(path: Path, transcript: Transcript, decode_seconds: float) -> str:
    """One JSON object per file: text, language, segments with times, timings."""
    return json.dumps({
        "file": str(path),
        "text": transcript.text,
        "language": transcript.language,
        "segments": [asdict(segment) for segment in transcript.segments],
        "timings": {
            "audio_seconds": round(transcript.audio_seconds, 3),
            "decode_seconds": round(decode_seconds, 3),
            "engine_seconds": round(transcript.engine_seconds, 3),
        },
    }, ensure_ascii=False)


def run_transcribe(engine: WhisperEngine, files: Sequence[Path], options: TranscribeOptions,
                   as_json: bool, out: TextIO | None = None) -> int:
    """Transcribe each file in turn; returns the process exit code."""
    out = out or sys.stdout
    failed = 0
    for path in files:
        try:
            started = time.perf_counter()
            audio = decode_file(path)
            decode_seconds = time.perf_counter() - started
            transcript = engine.transcribe(audio.samples, options)
        except (AudioFileError, MurmurError) as error:
            error_line(str(error))
            failed += 1
            continue
        if as_json:
            print(transcript_json(path, transcript, decode_seconds), file=out, flush=True)
        else:
            if len(files) > 1:
                print(f"# {path}", file=out)
            print(transcript.text, file=out, flush=True)
    return EXIT_SOME_FILES_FAILED if failed else EXIT_OK


def transcribe_from_args(args) -> int:
    """``main.py transcribe``: load the model once, transcribe every file (main thread)."""
    store = ModelStore()
    try:
        choice = args.sub_model or args.model
        model = store.resolve(choice) if choice else store.default_model()
        engine = WhisperEngine(model)
        overrides = {}
        if args.language:
            overrides["language"] = args.language
        if args.threads:
            overrides["threads"] = args.threads
        if args.beam:
            overrides.update(decoding=Decoding.BEAM, beam_size=args.beam)
        options = TranscribeOptions(translate=args.translate, initial_prompt=args.prompt, **overrides)
    except (MurmurError, ValueError) as error:  # ValueError: an option TranscribeOptions refused
        error_line(str(error))
        return EXIT_BAD_CHOICE
    with engine:
        return run_transcribe(engine, args.files, options, args.json)
