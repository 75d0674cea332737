"""File transcription in chunks: bounded chunks cut in quiet, placed timestamps, progress,
cancel, and the three export formats."""
from __future__ import annotations

import re
import threading

import numpy as np
import pytest
import soundfile

from app.file_export import format_for, render, write_export
from app.file_job import WINDOW_SECONDS, Cancelled, transcribe_file
from audio.decode import AudioFileError
from engine.options import Segment, TranscribeOptions, Transcript

RATE = 16000


class FakeEngine:
    """Says "word N" for each second of the chunk it is given; records chunk lengths."""

    def __init__(self):
        self.chunks: list[int] = []

    def transcribe(self, audio, options=None):
        self.chunks.append(len(audio))
        seconds = len(audio) / RATE
        segments = tuple(Segment(float(i), min(i + 0.9, seconds + 0.5), f"word {len(self.chunks)}.{i}")
                         for i in range(int(seconds)))
        return Transcript(" ".join(s.text for s in segments), segments, "en", seconds, 0.0)


def bursts(seconds: float, rate: int = RATE) -> np.ndarray:
    """Tone bursts of 0.7 s every second: quiet gaps to cut in."""
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * np.sin(2 * np.pi * 300 * t) * ((t % 1.0) < 0.7)).astype(np.float32)


@pytest.fixture
def long_file(tmp_path):
    path = tmp_path / "talk.flac"
    stereo = np.stack([bursts(75, 44100), bursts(75, 44100)], axis=1)
    soundfile.write(path, stereo, 44100)
    return path


def test_windows_fit_whispers_piece_and_are_cut_in_quiet(long_file):
    engine = FakeEngine()
    transcribe_file(long_file, engine, TranscribeOptions(language="en"))
    start = 0
    for length in engine.chunks:
        assert length <= WINDOW_SECONDS * RATE
        if start:
            assert (start / RATE) % 1.0 >= 0.69  # in a gap between bursts
        start += length
    assert len(engine.chunks) >= 3 and abs(start - 75 * RATE) < RATE // 100


def test_timestamps_are_monotonic_and_inside_the_audio(long_file):
    engine, seen = FakeEngine(), []
    result = transcribe_file(long_file, engine, TranscribeOptions(language="en"),
                             progress=lambda fraction, so_far: seen.append(fraction))
    assert len(engine.chunks) >= 3 and result.language == "en"
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0, abs=1e-3)
    ends = [0.0]
    for segment in result.segments:
        assert ends[-1] <= segment.start <= segment.end <= result.audio_seconds
        ends.append(segment.end)
    assert result.audio_seconds == pytest.approx(75, abs=0.01)
    assert len(result.segments) >= 70


def test_auto_language_is_kept_after_the_first_chunk_with_speech(long_file):
    asked = []

    class Detecting(FakeEngine):
        def transcribe(self, audio, options=None):
            asked.append(options.language)
            result = super().transcribe(audio, options)
            return Transcript(result.text, result.segments, "de", result.audio_seconds, 0.0)

    result = transcribe_file(long_file, Detecting(), TranscribeOptions(language="auto"))
    assert asked[0] == "auto" and set(asked[1:]) == {"de"} and result.language == "de"


def test_silence_is_not_sent_to_whisper(tmp_path):
    path = tmp_path / "quiet.wav"
    soundfile.write(path, np.zeros(RATE * 3, np.float32), RATE)
    engine = FakeEngine()
    assert transcribe_file(path, engine, TranscribeOptions(language="en")).segments == ()
    assert engine.chunks == []


def test_cancel_stops_before_the_next_chunk(long_file):
    cancel = threading.Event()
    engine = FakeEngine()
    with pytest.raises(Cancelled):
        transcribe_file(long_file, engine, TranscribeOptions(language="en"), cancel=cancel,
                        progress=lambda fraction, so_far: cancel.set())
    assert len(engine.chunks) == 1


def test_an_engine_that_can_abort_is_stopped_inside_a_chunk(long_file):
    cancel = threading.Event()

    class AbortingEngine(FakeEngine):
        def transcribe(self, audio, options=None, abort=None):
            cancel.set()  # the user cancels while the native call runs ...
            if abort():  # ... and whisper.cpp's abort callback asks
                raise RuntimeError("whisper.cpp failed to transcribe (code -9)")
            return super().transcribe(audio, options)

    with pytest.raises(Cancelled):
        transcribe_file(long_file, AbortingEngine(), TranscribeOptions(language="en"),
                        cancel=cancel)


def test_not_audio_is_one_sentence(tmp_path):
    path = tmp_path / "notes.mp3"
    path.write_text("not audio")
    with pytest.raises(AudioFileError, match="notes.mp3"):
        transcribe_file(path, FakeEngine(), TranscribeOptions(language="en"))


SEGMENTS = (Segment(0.0, 1.5, "Hello there."), Segment(1.5, 3661.25, "A long pause, then more."))


def test_srt_is_numbered_cues_with_comma_millis(tmp_path):
    text = write_export(SEGMENTS, tmp_path / "out.srt").read_text(encoding="utf-8")
    blocks = text.strip().split("\n\n")
    assert len(blocks) == 2
    for number, block in enumerate(blocks, 1):
        index, times, body = block.split("\n")
        assert index == str(number)
        assert re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", times)
        assert body
    assert "01:01:01,250" in blocks[1]


def test_vtt_has_its_header_and_dot_millis(tmp_path):
    text = write_export(SEGMENTS, tmp_path / "out.vtt").read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n")
    assert re.search(r"^00:00:00\.000 --> 00:00:01\.500\nHello there\.$", text, re.M)


def test_txt_is_one_line_per_segment(tmp_path):
    path = write_export(SEGMENTS, tmp_path / "out.txt")
    assert path.read_text(encoding="utf-8") == "Hello there.\nA long pause, then more.\n"
    assert format_for(tmp_path / "x.SRT") == "srt" and format_for(tmp_path / "x.doc") == "txt"
    with pytest.raises(ValueError):
        render(SEGMENTS, "doc")


def test_mp3_and_ogg_are_read(tmp_path):
    for name, fmt in (("talk.mp3", "MP3"), ("talk.ogg", "OGG")):
        path = tmp_path / name
        soundfile.write(path, bursts(3, 22050), 22050, format=fmt)
        result = transcribe_file(path, FakeEngine(), TranscribeOptions(language="en"))
        assert result.audio_seconds == pytest.approx(3.0, abs=0.1), name


@pytest.mark.model
def test_a_long_recording_on_the_real_model(default_model_path, test_data):
    from engine.whisper_engine import load_engine

    path = test_data / "speech" / "lj_LJ001-0001to0010_long.wav"
    with load_engine(default_model_path) as engine:
        result = transcribe_file(path, engine, TranscribeOptions(language="en"))
    words = result.text.lower()
    assert "printing" in words and "letter" in words and "press" in words
    previous = 0.0
    for segment in result.segments:
        assert previous <= segment.start <= segment.end <= result.audio_seconds
        previous = segment.end
