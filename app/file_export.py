"""Save a file's transcript as plain text, SubRip (.srt) or WebVTT (.vtt), the file dialog's way.

The formats themselves are ``engine/subtitles.py``'s (shared with ``main.py transcribe
--format``); this module picks the format from the file name and writes the file atomically,
readable by other programs.

Threads: any (pure functions and file writes).
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from engine.options import Segment
from engine.private_files import current_umask
from engine.subtitles import SUBTITLE_FORMATS, format_timestamp, render

FORMATS = SUBTITLE_FORMATS
__all__ = ["FORMATS", "format_for", "format_timestamp", "render", "write_export"]


def format_for(path: Path, fallback: str = "txt") -> str:
    """The format a file name asks for by its suffix (``fallback`` for any other suffix)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else fallback


def write_export(segments: Iterable[Segment], path: Path, fmt: str | None = None,
                 audio_seconds: float | None = None) -> Path:
    """Write the transcript to ``path`` (UTF-8, atomically); the format follows the suffix.

    Args:
        segments: The timed pieces, times in seconds from the file's start.
        path: Where to write; an existing file is replaced only once the new one is complete.
        fmt: "txt", "srt" or "vtt"; None takes it from ``path``'s suffix.
        audio_seconds: The audio's length: cue times are kept inside it.

    Raises:
        OSError: the file could not be written. ValueError: an unknown ``fmt``.
    """
    path = Path(path)
    text = render(list(segments), fmt or format_for(path), audio_seconds)
    handle, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        # An export is a document for other programs: the umask decides, as for any saved file
        # (mkstemp's 0600 would hide it; a fixed 0644 would overrule a user's umask of 077).
        os.chmod(staged, 0o666 & ~current_umask())
        os.replace(staged, path)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise
    return path
