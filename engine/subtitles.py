"""Transcripts as files people use: plain text, SubRip (.srt) and WebVTT (.vtt).

* txt: one segment per line.
* srt: numbered cues from 1, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, the text, a blank line.
* vtt: a ``WEBVTT`` line and a blank line, then cues with ``HH:MM:SS.mmm`` times (W3C WebVTT);
  ``&``, ``<`` and ``>`` are escaped, since a cue's text is markup there.

Cues are made well-formed whatever the engine returned: empty segments are dropped, blank
lines inside a text are removed (a blank line ends a cue in both formats), times are clamped to
the audio's length when it is known, starts never go backwards and every cue lasts at least
a millisecond.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from engine.options import Segment

#: The formats this module writes, and the file extension of each.
SUBTITLE_FORMATS = ("txt", "srt", "vtt")


def format_timestamp(seconds: float, decimal: str = ",") -> str:
    """``HH:MM:SS,mmm`` (srt) or, with ``decimal="."``, ``HH:MM:SS.mmm`` (vtt)."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def clean_cues(segments: Iterable[Segment], audio_seconds: float | None = None) -> list[Segment]:
    """The segments worth a cue, with times in order, inside the audio, in whole milliseconds."""
    limit = round(audio_seconds * 1000) if audio_seconds is not None else None
    cues: list[Segment] = []
    previous = 0
    for segment in segments:
        text = "\n".join(line.strip() for line in segment.text.splitlines() if line.strip())
        if not text:
            continue
        start = max(round(segment.start * 1000), previous)
        end = max(round(segment.end * 1000), start + 1)
        if limit is not None:
            start, end = min(start, max(limit - 1, 0)), min(end, limit)
            end = max(end, start + 1)
        cues.append(Segment(start / 1000, end / 1000, text))
        previous = start
    return cues


def to_txt(segments: Sequence[Segment]) -> str:
    """One line per segment (line breaks inside a segment become spaces)."""
    return "".join(" ".join(cue.text.split("\n")) + "\n" for cue in clean_cues(segments))


def to_srt(segments: Sequence[Segment], audio_seconds: float | None = None) -> str:
    """A SubRip file: ``1``, ``00:00:00,000 --> 00:00:02,500``, text, blank line; …"""
    blocks = [f"{index}\n{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}\n{cue.text}\n"
              for index, cue in enumerate(clean_cues(segments, audio_seconds), start=1)]
    return "\n".join(blocks)


def to_vtt(segments: Sequence[Segment], audio_seconds: float | None = None) -> str:
    """A WebVTT file: ``WEBVTT``, then ``00:00:00.000 --> 00:00:02.500`` and the text per cue."""
    blocks = ["WEBVTT\n"]
    for cue in clean_cues(segments, audio_seconds):
        text = cue.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        blocks.append(f"{format_timestamp(cue.start, '.')} --> {format_timestamp(cue.end, '.')}\n{text}\n")
    return "\n".join(blocks)


def render(segments: Sequence[Segment], fmt: str, audio_seconds: float | None = None) -> str:
    """The transcript in ``fmt`` (one of :data:`SUBTITLE_FORMATS`).

    Raises:
        ValueError: an unknown format.
    """
    if fmt == "txt":
        return to_txt(segments)
    if fmt == "srt":
        return to_srt(segments, audio_seconds)
    if fmt == "vtt":
        return to_vtt(segments, audio_seconds)
    raise ValueError(f"unknown subtitle format {fmt!r}: use one of {', '.join(SUBTITLE_FORMATS)}")
