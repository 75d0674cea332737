"""Window-by-window file transcription: times shifted and clamped, progress, cancel, the language
detected once; and (marked ``model``) a minute of speech in 20 s windows against one window."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile

from engine.file_transcription import TranscriptionCancelled, transcribe_file
from engine.options import SAMPLE_RATE, Segment, Transcript, TranscribeOptions


class FakeEngine:
    """Returns one segment per window: the whole window, plus one ending past it."""

    def __init__(self, language="de"):
        self.calls, self.language = [], language

    def transcribe(self, samples, options):
        self.calls.append((samples.size, options.language))
        seconds = samples.size / SAMPLE_RATE
        segments = (Segment(0.0, seconds / 2, f"w{len(self.calls)}a"),
                    Segment(seconds / 2, seconds + 0.3, f"w{len(self.calls)}b"))
        return Transcript("", segments, self.language, seconds, 0.25)


@pytest.fixture
def long_wav(tmp_path):
    path = tmp_path / "long.wav"
    soundfile.write(path, np.zeros(int(50 * SAMPLE_RATE), np.float32), SAMPLE_RATE)
    return path


def test_segments_are_shifted_clamped_and_in_order(long_wav):
    engine, reports = FakeEngine(), []
    result = transcribe_file(engine, long_wav, TranscribeOptions(language="auto"),
                             progress=lambda f, partial: reports.append((f, len(partial.segments))),
                             window_seconds=20.0)
    n = len(engine.calls)  # silence everywhere: cut in the middle of each 15 s search span
    assert n == 4 and sum(size for size, _ in engine.calls) == 50 * SAMPLE_RATE
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts) and all(s.end <= 50.0 for s in result.segments)
    assert result.segments[-1].end == pytest.approx(50.0)
    assert result.text == " ".join(f"w{i}a w{i}b" for i in range(1, n + 1))
    assert result.audio_seconds == pytest.approx(50.0) and result.engine_seconds == pytest.approx(0.25 * n)
    # Detected in the first window, then asked for explicitly.
    assert [lang for _, lang in engine.calls] == ["auto"] + ["de"] * (n - 1) and result.language == "de"
    assert [count for _, count in reports] == [2, 4, 6, 8] and reports[-1][0] == pytest.approx(1.0)
    assert [f for f, _ in reports] == sorted(f for f, _ in reports)


def test_cancel_between_windows_keeps_the_partial_transcript(long_wav):
    engine = FakeEngine()
    with pytest.raises(TranscriptionCancelled) as info:
        transcribe_file(engine, long_wav, TranscribeOptions(language="en"),
                        cancelled=lambda: len(engine.calls) == 2, window_seconds=20.0)
    assert [s.text for s in info.value.partial.segments] == ["w1a", "w1b", "w2a", "w2b"]


@pytest.mark.model
def test_a_minute_in_20_s_windows_loses_no_words(default_model_path, test_data, tmp_path):
    from audio.decode import decode_file
    from engine.wer import normalize_words
    from engine.whisper_engine import WhisperEngine

    jfk = decode_file(test_data / "speech" / "jfk.wav").samples
    gap = np.zeros(SAMPLE_RATE * 3 // 2, np.float32)
    path = tmp_path / "minute.wav"
    soundfile.write(path, np.concatenate([jfk, gap] * 5), SAMPLE_RATE)
    options = TranscribeOptions(language="en", threads=2)
    with WhisperEngine(default_model_path) as engine:
        windowed = transcribe_file(engine, path, options, window_seconds=20.0)
        single = engine.transcribe(jfk, options)
    assert normalize_words(windowed.text) == normalize_words(single.text) * 5
    starts = [s.start for s in windowed.segments]
    assert starts == sorted(starts) and all(s.end <= windowed.audio_seconds for s in windowed.segments)


def test_an_hour_runs_in_the_memory_of_a_few_windows(tmp_path):
    """An hour of 16 kHz audio (a tone pausing every 7 s, written block by block: 115 MB as
    PCM_16, 230 MB as float32) through the whole window loop with progress: the peak of Python
    and numpy allocations (tracemalloc) stays at a few windows, far below the decoded hour."""
    import tracemalloc

    from audio.decode import WINDOW_SECONDS

    path, hour = tmp_path / "hour.wav", 3600
    with soundfile.SoundFile(path, "w", SAMPLE_RATE, 1, subtype="PCM_16") as out:
        for first in range(0, hour * SAMPLE_RATE, 60 * SAMPLE_RATE):
            t = (first + np.arange(60 * SAMPLE_RATE)) / SAMPLE_RATE
            out.write((0.3 * np.sin(2 * np.pi * 300 * t) * ((t % 7.0) < 6.4)).astype(np.float32))
    engine, fractions = FakeEngine(), []
    tracemalloc.start()
    try:
        result = transcribe_file(engine, path, TranscribeOptions(language="en"),
                                 progress=lambda fraction, _partial: fractions.append(fraction))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    window_bytes = int(WINDOW_SECONDS * SAMPLE_RATE * 4)
    assert peak < 4 * window_bytes, f"peak {peak / 1e6:.0f} MB"  # the hour is 230 MB
    assert sum(size for size, _ in engine.calls) == hour * SAMPLE_RATE
    assert result.audio_seconds == pytest.approx(hour) and fractions[-1] == pytest.approx(1.0)
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts) and result.segments[-1].end <= hour
