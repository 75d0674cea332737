"""Read an audio file into what the engine wants: 16 kHz mono float32.

WAV, FLAC, OGG/Vorbis, Opus and MP3 are decoded by libsndfile (through soundfile, whose wheel
ships it), at any rate and channel count; channels are averaged and the rate converted with
soxr's high-quality resampler. Failures become ``AudioFileError`` with one clear sentence.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from audio.resample import TARGET_RATE as SAMPLE_RATE


class AudioFileError(Exception):
    """A file is missing, empty, or not audio; ``str(error)`` is one sentence for the user."""


@dataclass(frozen=True)
class DecodedAudio:
    """Samples ready for the engine, and what the file was."""

    samples: np.ndarray  # float32, mono, SAMPLE_RATE
    source_rate: int
    source_channels: int

    @property
    def seconds(self) -> float:
        return self.samples.size / SAMPLE_RATE


def to_mono_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Average channels and resample to 16 kHz; returns contiguous float32."""
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    samples = np.asarray(samples, dtype=np.float32)
    if rate != SAMPLE_RATE:
        samples = soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(samples, dtype=np.float32)


def decode_file(path: Path) -> DecodedAudio:
    """Decode ``path`` to 16 kHz mono float32.

    Raises:
        AudioFileError: missing, unreadable, empty, or not an audio format we can read.
    """
    path = Path(path)
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioFileError(f"{path}: the file is empty")
    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise AudioFileError(f"{path}: not an audio file Murmur can read ({_reason(error)})") from error
    except OSError as error:
        raise AudioFileError(f"{path}: cannot be read ({error.strerror or error})") from error
    if samples.shape[0] == 0:
        raise AudioFileError(f"{path}: the file holds no audio")
    return DecodedAudio(to_mono_16k(samples, rate), rate, samples.shape[1])


def _reason(error: Exception) -> str:
    text = str(error)
    # libsndfile's messages repeat the path; keep only its explanation.
    return text.split(": ", 1)[-1].strip() if ": " in text else text
