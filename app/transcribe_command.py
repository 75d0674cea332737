"""``main.py transcribe FILE…``: transcribe audio files; print or write text, subtitles or JSON.

Each file is decoded to 16 kHz mono and transcribed by the one loaded model, window by window
(``engine.file_transcription``), so an hour-long recording runs in bounded memory. A file that
cannot be read gets one line on stderr and the others are still transcribed; the exit code says
whether every file succeeded.

Output: stdout by default (several files: a ``# path`` line before each text); ``--format``
txt/srt/vtt/json; ``--output PATH`` writes one file, or with several inputs one file per input
into the folder PATH. Files are written to ``*.part`` and renamed, never left half-written.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from audio.decode import AudioFileError
from engine.errors import MurmurError
from engine.file_transcription import transcribe_file
from engine.model_store import ModelStore
from engine.options import Decoding, Transcript, TranscribeOptions
from engine.subtitles import render
from engine.whisper_engine import WhisperEngine

from app.terminal import ProgressLine, error_line

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


def format_transcript(path: Path, transcript: Transcript, fmt: str | None, decode_seconds: float) -> str:
    """The text for one file in ``fmt`` (None: the whole text on one line), ending in a newline."""
    if fmt == "json":
        return transcript_json(path, transcript, decode_seconds) + "\n"
    if fmt is None:
        return transcript.text + "\n"
    return render(transcript.segments, fmt, transcript.audio_seconds)


def output_paths(files: Sequence[Path], output: Path | None, fmt: str | None) -> list[Path | None]:
    """Where each file's result goes: None for stdout; ``output`` itself for one input (or
    ``output/<stem>.<fmt>`` when it is a folder); ``output/<stem>.<fmt>`` for several, with a
    counter when two inputs share a name."""
    if output is None:
        return [None] * len(files)
    if len(files) == 1 and not output.is_dir():
        return [output]
    taken: set[str] = set()
    paths = []
    for path in files:
        name, count = f"{path.stem}.{fmt or 'txt'}", 1
        while name in taken:
            count += 1
            name = f"{path.stem}-{count}.{fmt or 'txt'}"
        taken.add(name)
        paths.append(output / name)
    return paths


def _write_atomically(dest: Path, text: str) -> None:
    part = dest.with_name(dest.name + ".part")
    try:
        part.write_text(text, encoding="utf-8")
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def run_transcribe(engine: WhisperEngine, files: Sequence[Path], options: TranscribeOptions,
                   fmt: str | None, out: TextIO | None = None, output: Path | None = None) -> int:
    """Transcribe each file in turn; returns the process exit code."""
    out = out or sys.stdout
    if output is not None and len(files) > 1:
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            error_line(f"cannot create the output folder {output}: {error.strerror or error}")
            return EXIT_BAD_CHOICE
    failed = 0
    for path, dest in zip(files, output_paths(files, output, fmt)):
        line = ProgressLine()
        try:
            started = time.perf_counter()
            transcript = transcribe_file(engine, path, options, progress=lambda fraction, _: line.update(
                f"transcribing {path.name}", fraction))
            decode_seconds = time.perf_counter() - started - transcript.engine_seconds
            line.done()
            text = format_transcript(path, transcript, fmt, max(0.0, decode_seconds))
            if dest is not None:
                _write_atomically(dest, text)
                print(dest, file=out, flush=True)
                continue
        except (AudioFileError, MurmurError) as error:
            line.done()
            error_line(str(error))
            failed += 1
            continue
        except OSError as error:
            line.done()
            error_line(f"cannot write {dest}: {error.strerror or error}")
            failed += 1
            continue
        if len(files) > 1 and fmt in (None, "txt"):
            print(f"# {path}", file=out)
        out.write(text)
        out.flush()
    return EXIT_SOME_FILES_FAILED if failed else EXIT_OK


def transcribe_from_args(args) -> int:
    """``main.py transcribe``: load the model once, transcribe every file (main thread)."""
    fmt = getattr(args, "format", None)
    output = getattr(args, "output", None)
    if fmt in ("srt", "vtt") and len(args.files) > 1 and output is None:
        error_line(f"several files cannot share one {fmt} stream: use --output FOLDER")
        return EXIT_BAD_CHOICE
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
        return run_transcribe(engine, args.files, options, fmt, output=output)
