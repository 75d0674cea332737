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
