"""Write a file's transcript as plain text, SubRip (.srt) or WebVTT (.vtt).

This is the one place the file panel exports through. ``engine/subtitles.py`` (issue 7, written
for ``main.py transcribe --format``) renders the same three formats; ``render`` delegates to it
when it is there, and the local renderers below are the fallback until it is committed (then
they go, and this module keeps only ``write_export``).

Threads: pure functions, any thread.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from engine.options import Segment

try:  # the switch: the engine's renderer once it exists
    from engine.subtitles import render as _engine_render
except ImportError:  # pragma: no cover - depends on the engine work landing
    _engine_render = None

FORMATS = ("txt", "srt", "vtt")
FILE_FILTER = "Text (*.txt);;SubRip subtitles (*.srt);;WebVTT subtitles (*.vtt)"


def timestamp(seconds: float, separator: str) -> str:
    """``HH:MM:SS,mmm`` (SubRip, separator ``,``) or ``HH:MM:SS.mmm`` (WebVTT, ``.``)."""
    millis = max(0, int(round(seconds * 1000)))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cues(segments: Iterable[Segment], separator: str) -> Iterable[tuple[str, str]]:
    for segment in segments:
        end = max(segment.end, segment.start + 0.001)  # players drop zero-length cues
        yield f"{timestamp(segment.start, separator)} --> {timestamp(end, separator)}", \
            segment.text


def render(segments: Iterable[Segment], fmt: str, audio_seconds: float | None = None) -> str:
    """The transcript in ``fmt`` ("txt", "srt" or "vtt"). Raises ``ValueError`` for others."""
    segments = list(segments)
    if _engine_render is not None:
        return _engine_render(segments, fmt, audio_seconds)
    if fmt == "txt":
        return "".join(f"{segment.text}\n" for segment in segments)
    if fmt == "srt":
        return "\n".join(f"{i}\n{times}\n{text}\n"
                         for i, (times, text) in enumerate(_cues(segments, ","), 1))
    if fmt == "vtt":
        return "WEBVTT\n\n" + "\n".join(f"{times}\n{text}\n"
                                         for times, text in _cues(segments, "."))
    raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")


def format_for(path: Path, fallback: str = "txt") -> str:
    """The format a file name asks for by its suffix."""
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else fallback


def write_export(segments: Iterable[Segment], path: Path, fmt: str | None = None,
                 audio_seconds: float | None = None) -> Path:
    """Write the transcript to ``path`` (UTF-8, atomically); the format follows the suffix.

    Raises:
        OSError: the file could not be written.
    """
    path = Path(path)
    text = render(segments, fmt or format_for(path), audio_seconds)
    handle, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(staged, 0o644)  # mkstemp's 0600 would hide an export from other programs
        os.replace(staged, path)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise
    return path
