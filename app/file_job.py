"""Transcribe an audio file of any length in bounded memory, with progress and cancel; export it.

The file is decoded block by block (libsndfile) and resampled as a stream (soxr) to 16 kHz mono.
Whenever ``MAX_CHUNK_SECONDS`` of audio have gathered, the chunk is cut at the quietest 10 ms of
its last ``CUT_SEARCH_SECONDS`` (so a word is rarely split) and handed to the engine; at most one
chunk plus one block are ever in memory, so an hour-long file costs what 30 s cost. Chunks fit
Whisper's 30 s window; their segments are shifted by the chunk's start and clipped to it, so the
timestamps are monotonic and inside the audio. Chunks quieter than ``SILENCE_DBFS`` are skipped:
Whisper invents "Thank you." on silence.

Progress is the fraction of the file's frames consumed; cancel and pause are checked between
chunks. An engine whose ``transcribe`` takes ``abort`` (a callable returning True to stop; the
native binding's ``set_abort_callback``) is also stopped inside a chunk; otherwise a cancel waits
for at most one chunk.

Threads: ``transcribe_file`` runs on the caller's thread (a worker); ``cancel`` and ``pause``
are ``threading.Event``s, safe to set from any thread.
"""
from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile
import soxr

from audio.decode import AudioFileError
from engine.options import (AUTO_LANGUAGE, SAMPLE_RATE, WHISPER_LANGUAGES, Segment,
                            TranscribeOptions, Transcript)
from engine.postprocess import clean_segment

MAX_CHUNK_SECONDS = 28.0  # inside Whisper's 30 s window
CUT_SEARCH_SECONDS = 6.0
SILENCE_DBFS = -60.0
BLOCK_FRAMES = 1 << 16
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3")
_FRAME = SAMPLE_RATE // 100  # 10 ms: the cut's resolution


class Engine(Protocol):
    def transcribe(self, audio: np.ndarray, options: TranscribeOptions | None = None
                   ) -> Transcript: ...


class Cancelled(Exception):
    """The caller set ``cancel``."""


@dataclass(frozen=True)
class FileTranscript:
    """A transcribed file.

    Attributes:
        path: The audio file.
        segments: Timed pieces, in order, times in seconds from the file's start.
        audio_seconds: The file's length.
        language: What Whisper transcribed (of the first chunk with speech; "" if none).
    """

    path: Path
    segments: tuple[Segment, ...]
    audio_seconds: float
    language: str

    @property
    def text(self) -> str:
        return " ".join(segment.text for segment in self.segments)


def stream_chunks(path: Path, max_seconds: float = MAX_CHUNK_SECONDS
                  ) -> Iterator[tuple[int, np.ndarray, float]]:
    """``(start sample, 16 kHz chunk, fraction of the file read)`` for the whole file.

    Raises:
        AudioFileError: the file cannot be read as audio.
    """
    path = Path(path)
    try:
        source = soundfile.SoundFile(str(path))
    except (soundfile.LibsndfileError, RuntimeError, TypeError, OSError) as error:
        raise AudioFileError(f"{path.name}: not an audio file Murmur can read ({error})") from error
    limit = int(max_seconds * SAMPLE_RATE)
    search = int(CUT_SEARCH_SECONDS * SAMPLE_RATE)
    with source:
        total = max(source.frames, 1)
        resampler = None if source.samplerate == SAMPLE_RATE else soxr.ResampleStream(
            source.samplerate, SAMPLE_RATE, 1, dtype="float32", quality="HQ")
        pending = np.zeros(0, np.float32)
        start = 0
        read = 0
        while True:
            block = source.read(BLOCK_FRAMES, dtype="float32", always_2d=True)
            read += len(block)
            last = len(block) < BLOCK_FRAMES
            mono = block.mean(axis=1, dtype=np.float32) if len(block) else np.zeros(0, np.float32)
            if resampler is not None:
                mono = resampler.resample_chunk(mono, last=last)
            pending = np.concatenate([pending, mono])
            while len(pending) >= limit:
                cut = _quietest_cut(pending[limit - search:limit]) + limit - search
                yield start, pending[:cut], min(1.0, read / total)
                start += cut
                pending = pending[cut:]
            if last:
                break
        if len(pending):
            yield start, pending, 1.0


def _quietest_cut(window: np.ndarray) -> int:
    """The middle of the last run of the quietest 10 ms frames in ``window`` (longest chunks,
    and a cut in the middle of a pause rather than at a word's edge)."""
    frames = window[:len(window) // _FRAME * _FRAME].reshape(-1, _FRAME)
    energy = np.square(frames, dtype=np.float64).sum(axis=1)
    quiet = energy <= energy.min() * 2.0 + 1e-9
    last = int(np.flatnonzero(quiet)[-1])
    first = last
    while first > 0 and quiet[first - 1]:
        first -= 1
    return (first + last + 1) * _FRAME // 2


def transcribe_file(path: Path, engine: Engine, options: TranscribeOptions, *,
                    progress: Callable[[float, "FileTranscript"], None] | None = None,
                    cancel: threading.Event | None = None,
                    resume: threading.Event | None = None) -> FileTranscript:
    """Transcribe ``path`` chunk by chunk.

    Args:
        path: The audio file (WAV, FLAC, OGG, Opus, MP3).
        engine: Anything with ``transcribe(samples, options) -> Transcript``.
        options: Passed to every chunk.
        progress: Called after each chunk with the fraction done and the transcript so far.
        cancel: Set to stop before the next chunk (raises ``Cancelled``).
        resume: When given, waited for before each chunk (clear it to pause).

    Raises:
        AudioFileError: the file cannot be read. Cancelled: ``cancel`` was set.
    """
    segments: list[Segment] = []
    language = ""
    end = 0
    extra = {"abort": cancel.is_set} if cancel is not None and _takes_abort(engine) else {}
    for start, chunk, fraction in stream_chunks(path):
        if resume is not None:
            while not resume.wait(0.1):
                _check(cancel)
        _check(cancel)
        end = start + len(chunk)
        if _rms_dbfs(chunk) > SILENCE_DBFS:
            try:
                transcript = engine.transcribe(chunk, options, **extra)
            except Exception:
                _check(cancel)  # an aborted native call fails: that is the cancel, not an error
                raise
            language = language or transcript.language
            if (options.language == AUTO_LANGUAGE and transcript.segments
                    and transcript.language in WHISPER_LANGUAGES):
                # Detected on the first chunk with speech; one file is not split across languages.
                options = replace(options, language=transcript.language)
            segments.extend(_placed(transcript.segments, start / SAMPLE_RATE, end / SAMPLE_RATE,
                                    segments[-1].end if segments else 0.0))
        if progress is not None:
            progress(fraction, FileTranscript(Path(path), tuple(segments), end / SAMPLE_RATE,
                                              language))
    return FileTranscript(Path(path), tuple(segments), end / SAMPLE_RATE, language)


def _placed(found, offset: float, chunk_end: float, previous_end: float) -> Iterator[Segment]:
    for segment in found:
        text = clean_segment(segment.text)
        if not text:
            continue
        start = min(max(offset + segment.start, previous_end), chunk_end)
        end = min(max(offset + segment.end, start), chunk_end)
        previous_end = end
        yield Segment(round(start, 3), round(end, 3), text)


def _takes_abort(engine: Engine) -> bool:
    try:
        return "abort" in inspect.signature(engine.transcribe).parameters
    except (TypeError, ValueError):
        return False


def _rms_dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    return 20.0 * np.log10(rms) if rms > 0 else -200.0


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()
