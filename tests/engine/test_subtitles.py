"""txt / srt / vtt export: exact output for a small table, and every file parsed back by a strict
reader (cue numbering, timestamp syntax, monotonic times within the audio's length)."""
from __future__ import annotations

import re

import pytest

from engine.options import Segment
from engine.subtitles import clean_cues, format_timestamp, render, to_srt, to_txt, to_vtt

SEGMENTS = (Segment(0.0, 2.5, "And so my fellow Americans,"), Segment(2.5, 4.2, ""),
            Segment(4.2, 3661.0419, "ask not <what> you & I\n\ncan do -->"))


@pytest.mark.parametrize("seconds, srt, vtt", [
    (0, "00:00:00,000", "00:00:00.000"), (2.5, "00:00:02,500", "00:00:02.500"),
    (59.9996, "00:01:00,000", "00:01:00.000"), (3661.042, "01:01:01,042", "01:01:01.042"),
    (-1, "00:00:00,000", "00:00:00.000"), (100 * 3600, "100:00:00,000", "100:00:00.000")])
def test_timestamps(seconds, srt, vtt):
    assert format_timestamp(seconds) == srt and format_timestamp(seconds, ".") == vtt


def test_exact_files():
    assert to_txt(SEGMENTS) == "And so my fellow Americans,\nask not <what> you & I can do -->\n"
    assert to_srt(SEGMENTS) == ("1\n00:00:00,000 --> 00:00:02,500\nAnd so my fellow Americans,\n\n"
                                "2\n00:00:04,200 --> 01:01:01,042\nask not <what> you & I\ncan do -->\n")
    assert to_vtt(SEGMENTS, audio_seconds=10) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nAnd so my fellow Americans,\n\n"
        "00:00:04.200 --> 00:00:10.000\nask not &lt;what&gt; you &amp; I\ncan do --&gt;\n")
    assert to_srt([]) == "" and to_vtt([]) == "WEBVTT\n" and to_txt([]) == ""


SRT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})"
VTT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"


def _seconds(match, first: int) -> float:
    h, m, s, ms = (int(match.group(first + i)) for i in range(4))
    return h * 3600 + m * 60 + s + ms / 1000


def parse_cues(text: str, fmt: str) -> list[tuple[float, float, str]]:
    """A strict reader: every block must be a well-formed cue."""
    if fmt == "vtt":
        assert text.startswith("WEBVTT\n\n") or text == "WEBVTT\n"
        text = text[len("WEBVTT\n"):].lstrip("\n")
    assert "\n\n\n" not in text and (not text or text.endswith("\n"))
    time = SRT_TIME if fmt == "srt" else VTT_TIME
    cues = []
    for number, block in enumerate(filter(None, text.split("\n\n")), start=1):
        lines = block.strip("\n").split("\n")
        if fmt == "srt":
            assert lines.pop(0) == str(number)
        match = re.fullmatch(f"{time} --> {time}", lines[0])
        assert match, lines[0]
        assert lines[1:] and all(line.strip() for line in lines[1:])
        if fmt == "vtt":
            assert "-->" not in block.split("\n", 1)[1] and "<" not in block
        cues.append((_seconds(match, 1), _seconds(match, 5), "\n".join(lines[1:])))
    return cues


def check_cues(cues, audio_seconds: float) -> None:
    starts = [start for start, _, _ in cues]
    assert starts == sorted(starts)
    assert all(0 <= start < end <= audio_seconds for start, end, _ in cues)


MESSY = [Segment(0.5, 0.5, "zero length"), Segment(0.4, 1.0, "goes back"), Segment(3.0, 2.0, "ends before start"),
         Segment(9.0, 12.0, "past the end"), Segment(11.5, 13.0, "starts past the end"), Segment(5, 6, "  \n ")]


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_messy_segments_become_valid_cues(fmt):
    text = render(MESSY, fmt, audio_seconds=10.0)
    cues = parse_cues(text, fmt)
    check_cues(cues, 10.0)
    assert [c[2] for c in cues] == ["zero length", "goes back", "ends before start", "past the end",
                                    "starts past the end"]


def test_clean_cues_without_a_length_keeps_times():
    assert clean_cues([Segment(1.0, 2.0, "a")]) == [Segment(1.0, 2.0, "a")]


def test_unknown_format():
    with pytest.raises(ValueError, match="txt, srt, vtt"):
        render(SEGMENTS, "ass")
