"""Decoding files to 16 kHz mono: formats, rates, channel counts, and every bad input.

Files are written by the test with libsndfile (through soundfile), so each format is real.
"""
import numpy as np
import pytest
import soundfile

from audio.decode import AudioFileError, decode_file
from audio.resample import TARGET_RATE as SAMPLE_RATE


def tone(rate: int, seconds: float, channels: int, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    mono = 0.5 * np.sin(2 * np.pi * freq * t)
    return np.stack([mono] * channels, axis=1).astype(np.float32)


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize("suffix, fmt, subtype, rate, channels", [
    (".wav", "WAV", "PCM_16", 16_000, 1),
    (".wav", "WAV", "PCM_24", 44_100, 2),
    (".wav", "WAV", "FLOAT", 48_000, 1),
    (".flac", "FLAC", "PCM_16", 22_050, 2),
    (".ogg", "OGG", "VORBIS", 44_100, 2),
    (".mp3", "MP3", "MPEG_LAYER_III", 44_100, 1),
])
def test_formats_rates_and_channels_become_16k_mono(tmp_path, suffix, fmt, subtype, rate, channels):
    path = tmp_path / f"tone{suffix}"
    soundfile.write(path, tone(rate, 1.0, channels), rate, format=fmt, subtype=subtype)
    decoded = decode_file(path)
    assert decoded.source_rate == rate and decoded.source_channels == channels
    assert decoded.samples.dtype == np.float32 and decoded.samples.ndim == 1
    # Lossy codecs pad a little; the length is right within 60 ms.
    assert abs(decoded.seconds - 1.0) < 0.06
    assert abs(dominant_frequency(decoded.samples, SAMPLE_RATE) - 440.0) < 3.0


def test_speech_file_is_read_unchanged(test_data):
    decoded = decode_file(test_data / "speech" / "jfk.wav")
    raw, rate = soundfile.read(test_data / "speech" / "jfk.wav", dtype="float32")
    assert rate == SAMPLE_RATE
    np.testing.assert_array_equal(decoded.samples, raw)


@pytest.mark.parametrize("make, message", [
    (lambda p: p, "no such file"),
    (lambda p: (p.write_bytes(b""), p)[1], "empty"),
    (lambda p: (p.write_text("this is a text file, not audio\n" * 20), p)[1], "not an audio file"),
    (lambda p: (p.mkdir(), p)[1], "folder"),
    (lambda p: (p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "), p)[1], "not an audio file"),
])
def test_bad_files_give_one_clear_error(tmp_path, make, message):
    path = make(tmp_path / "input.wav")
    with pytest.raises(AudioFileError, match=message) as info:
        decode_file(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_file_with_a_header_and_no_samples_is_refused(tmp_path):
    path = tmp_path / "silent.wav"
    soundfile.write(path, np.zeros((0, 1), np.float32), 16_000)
    with pytest.raises(AudioFileError, match="no audio"):
        decode_file(path)


# --- Long files: block-wise decoding, windows cut at pauses, bounded memory ----------------

def write_long_file(path, seconds: float, rate: int, channels: int, pause_every: float = 7.0) -> None:
    """A tone that pauses for 0.6 s every ``pause_every`` seconds, written block by block."""
    with soundfile.SoundFile(path, "w", rate, channels, subtype="PCM_16") as out:
        block = rate * 10
        for first in range(0, int(seconds * rate), block):
            t = (first + np.arange(min(block, int(seconds * rate) - first))) / rate
            mono = 0.3 * np.sin(2 * np.pi * 300 * t) * ((t % pause_every) < pause_every - 0.6)
            out.write(np.repeat(mono[:, None], channels, axis=1).astype(np.float32))


def test_windows_cover_the_file_once_and_cut_in_pauses(tmp_path):
    from audio.decode import iter_windows

    path = tmp_path / "long.wav"
    write_long_file(path, 95.0, 44_100, 2)
    whole = decode_file(path).samples
    windows = list(iter_windows(path, window_seconds=20.0, search_seconds=8.0))
    assert np.array_equal(np.concatenate([w.samples for w in windows]), whole)
    starts = [w.start for w in windows]
    assert starts[0] == 0 and starts == sorted(starts)
    for window, following in zip(windows, windows[1:]):
        assert window.start + window.samples.size / SAMPLE_RATE == pytest.approx(following.start)
        assert 12.0 <= window.samples.size / SAMPLE_RATE <= 20.0
        edge = window.samples[-SAMPLE_RATE // 10:]  # the cut is in a pause: silence around it
        assert np.abs(edge).max() < 0.01 and np.abs(following.samples[:SAMPLE_RATE // 10]).max() < 0.01
    assert windows[0].total_seconds == pytest.approx(95.0)


def test_block_wise_resampling_matches_a_one_shot_resample(tmp_path):
    import soxr

    path = tmp_path / "tone.flac"
    samples = tone(48_000, 9.0, 1, freq=1000.0)
    soundfile.write(path, samples, 48_000)
    ours = decode_file(path).samples
    reference = soxr.resample(soundfile.read(path, dtype="float32")[0], 48_000, SAMPLE_RATE, quality="HQ")
    assert abs(ours.size - reference.size) <= 1
    n = min(ours.size, reference.size)
    np.testing.assert_allclose(ours[:n], reference[:n], atol=1e-4)


def test_memory_stays_bounded_for_a_long_file(tmp_path):
    """Ten minutes of 48 kHz stereo (110 MB as float32): decoding needs the 16 kHz result plus a
    few MB; windows need one window plus a few MB, whatever the length."""
    import tracemalloc

    from audio.decode import iter_windows

    path = tmp_path / "ten-minutes.wav"
    write_long_file(path, 600.0, 48_000, 2)
    result_bytes = 600 * SAMPLE_RATE * 4
    tracemalloc.start()
    try:
        decoded = decode_file(path)
        _, peak = tracemalloc.get_traced_memory()
        assert decoded.seconds == pytest.approx(600.0, abs=0.01)
        del decoded
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        count = sum(1 for _ in iter_windows(path, window_seconds=60.0))
        _, window_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - result_bytes < 8 << 20, f"decode peak {peak / 1e6:.1f} MB"
    window_bytes = 60 * SAMPLE_RATE * 4
    assert count >= 10 and window_peak - baseline < 3 * window_bytes + (8 << 20), \
        f"window peak {(window_peak - baseline) / 1e6:.1f} MB"
