"""Read an audio file into what the engine wants: 16 kHz mono float32, in bounded memory.

WAV, FLAC, OGG/Vorbis, Opus and MP3 are decoded by libsndfile (through soundfile, whose wheel
ships it), at any rate and channel count; channels are averaged and the rate converted with
soxr's high-quality streaming resampler. Failures become ``AudioFileError`` with one sentence.

Memory: the file is read in blocks of :data:`BLOCK_SECONDS` and resampled block by block, so
the source rate's samples never exist all at once (an hour of 48 kHz stereo would be 1.4 GB as
float32; the 16 kHz mono result is 230 MB). ``decode_file`` still returns the whole 16 kHz
array, which short clips and the dictation path want. For long files :func:`iter_windows`
yields the audio in windows of a few minutes, each cut at the quietest moment near its end,
so a file of any length needs only one window (plus a block) in memory at a time.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from audio.resample import TARGET_RATE as SAMPLE_RATE
from audio.resample import StreamResampler

#: Source audio read per block: 4 s is 1.5 MB of 48 kHz stereo float32.
BLOCK_SECONDS = 4.0
#: Default window for long files: short enough to cancel and report progress often, long
#: enough that cuts (at pauses) are rare; whisper.cpp works in 30 s pieces inside it anyway.
WINDOW_SECONDS = 120.0
#: A window's cut is placed at the quietest frame within this many seconds before its end.
CUT_SEARCH_SECONDS = 15.0
_CUT_FRAME = SAMPLE_RATE // 10  # 100 ms frames for the quiet-point search


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


@dataclass(frozen=True)
class AudioWindow:
    """A piece of a long file: ``samples`` (16 kHz mono) start at ``start`` seconds."""

    start: float
    samples: np.ndarray
    total_seconds: float  # the whole file's length as its header states it (an estimate for MP3)


def to_mono_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Average channels and resample a whole array to 16 kHz; returns contiguous float32."""
    resampler = StreamResampler(rate, SAMPLE_RATE)
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    return np.ascontiguousarray(resampler.process(mono, last=True), dtype=np.float32)


def _open(path: Path) -> soundfile.SoundFile:
    path = Path(path)
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioFileError(f"{path}: the file is empty")
    try:
        return soundfile.SoundFile(str(path))
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise AudioFileError(f"{path}: not an audio file Murmur can read ({_reason(error)})") from error
    except OSError as error:
        raise AudioFileError(f"{path}: cannot be read ({error.strerror or error})") from error


def iter_blocks(path: Path) -> Iterator[np.ndarray]:
    """Yield the file as 16 kHz mono float32 blocks of about :data:`BLOCK_SECONDS`.

    Raises:
        AudioFileError: missing, unreadable, empty, not audio, or damaged part-way through.
    """
    path = Path(path)
    with _open(path) as sound:
        resampler = StreamResampler(sound.samplerate, SAMPLE_RATE)
        blocksize = max(1, int(sound.samplerate * BLOCK_SECONDS))
        seen = 0
        try:
            for block in sound.blocks(blocksize, dtype="float32", always_2d=True):
                seen += block.shape[0]
                # Averaging channels first keeps the resampler (and its memory) mono.
                yield resampler.process(block.mean(axis=1) if block.shape[1] > 1 else block[:, 0])
        except (soundfile.LibsndfileError, RuntimeError) as error:
            raise AudioFileError(f"{path}: the audio is damaged ({_reason(error)})") from error
        if seen == 0:
            raise AudioFileError(f"{path}: the file holds no audio")
        tail = resampler.process(np.zeros(0, np.float32), last=True)
        if tail.size:
            yield tail


def decode_file(path: Path) -> DecodedAudio:
    """Decode ``path`` to 16 kHz mono float32 (the whole file; see :func:`iter_windows`).

    Raises:
        AudioFileError: missing, unreadable, empty, or not an audio format we can read.
    """
    with _open(path) as sound:
        rate, channels, frames = sound.samplerate, sound.channels, sound.frames
    # Preallocate from the header's length; MP3 lengths are estimates, so grow if needed.
    out = np.empty(int(frames * SAMPLE_RATE / rate) + SAMPLE_RATE, np.float32)
    filled = 0
    for block in iter_blocks(path):
        if filled + block.size > out.size:
            out = np.resize(out, max(2 * out.size, filled + block.size))
        out[filled:filled + block.size] = block
        filled += block.size
    return DecodedAudio(out[:filled].copy() if filled < out.size // 2 else out[:filled], rate, channels)


def quiet_cut(samples: np.ndarray, search: int) -> int:
    """Where to cut ``samples``: the middle of the quietest stretch (300 ms of 100 ms frames)
    in their last ``search`` samples, a pause between words if there is one;
    ``len(samples)`` if they are too short to search."""
    start = max(0, samples.size - search)
    usable = (samples.size - start) // _CUT_FRAME * _CUT_FRAME
    if usable < 3 * _CUT_FRAME:
        return samples.size
    frames = samples[samples.size - usable:].reshape(-1, _CUT_FRAME)
    energy = np.convolve(np.einsum("ij,ij->i", frames, frames), np.ones(3), "same")
    # Several equally quiet stretches (a long pause): cut in the middle of the first run.
    quiet = np.flatnonzero(energy <= energy.min() * 1.001 + 1e-9)
    run_end = np.flatnonzero(np.diff(quiet) > 1)
    run = quiet[:run_end[0] + 1] if run_end.size else quiet
    return samples.size - usable + int(run[run.size // 2]) * _CUT_FRAME + _CUT_FRAME // 2


def iter_windows(path: Path, window_seconds: float = WINDOW_SECONDS,
                 search_seconds: float = CUT_SEARCH_SECONDS) -> Iterator[AudioWindow]:
    """Yield a long file as consecutive windows, each cut at a pause near its end.

    The windows cover the file exactly once, in order, without overlap. Memory stays at one
    window plus one block, whatever the file's length.

    Raises:
        AudioFileError: as :func:`iter_blocks`.
    """
    with _open(path) as sound:
        total = sound.frames / sound.samplerate if sound.samplerate else 0.0
    limit, search = int(window_seconds * SAMPLE_RATE), int(search_seconds * SAMPLE_RATE)
    # One preallocated buffer, refilled in place: memory is this buffer plus the window handed
    # out, never a list of blocks and their concatenation.
    buffer = np.empty(limit + int(BLOCK_SECONDS * SAMPLE_RATE) + SAMPLE_RATE, np.float32)
    filled, start = 0, 0
    for block in iter_blocks(path):
        while block.size:
            take = min(block.size, buffer.size - filled)
            buffer[filled:filled + take] = block[:take]
            filled, block = filled + take, block[take:]
            while filled >= limit:
                cut = quiet_cut(buffer[:limit], search)
                yield AudioWindow(start / SAMPLE_RATE, buffer[:cut].copy(), total)
                buffer[:filled - cut] = buffer[cut:filled]
                start, filled = start + cut, filled - cut
    if filled:
        yield AudioWindow(start / SAMPLE_RATE, buffer[:filled].copy(), total)


def _reason(error: Exception) -> str:
    text = str(error)
    # libsndfile's messages repeat the path; keep only its explanation.
    return text.split(": ", 1)[-1].strip() if ": " in text else text
