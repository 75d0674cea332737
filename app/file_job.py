"""Transcribe an audio file for the file dialog: the engine's windowed transcription, guarded.

``engine.file_transcription.transcribe_file`` does the work the CLI does too: the file is decoded
in bounded memory and cut into windows at pauses (``audio.decode.iter_windows``), each window is
transcribed, and segment times are shifted into the file, in order and inside its length. The
dialog asks for ``WINDOW_SECONDS`` windows (Whisper's 30 s piece) so that progress moves often,
and wraps the engine so that, per window:

* pause: it waits while a dictation runs (``resume`` cleared), so the two never share the CPU;
* cancel: an engine whose ``transcribe`` takes ``abort`` (whisper.cpp's abort callback) is stopped
  inside the window; otherwise the cancel takes effect before the next window;
* silence is not sent to Whisper, which invents "Thank you." on it;
* each segment's text is cleaned (``[BLANK_AUDIO]``, sound annotations, known hallucinations).

Threads: ``transcribe_file`` runs on the caller's thread (the dialog's worker); ``cancel`` and
``resume`` are ``threading.Event``s, safe to set from any thread.
"""
from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from engine.file_transcription import TranscriptionCancelled
from engine.file_transcription import transcribe_file as transcribe_windows
from engine.options import SAMPLE_RATE, Segment, TranscribeOptions, Transcript
from engine.postprocess import clean_segment

WINDOW_SECONDS = 28.0  # one Whisper piece per window: progress and cancel every few seconds
SILENCE_DBFS = -60.0
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3")


class Engine(Protocol):
    def transcribe(self, audio: np.ndarray, options: TranscribeOptions | None = None
                   ) -> Transcript: ...


class Cancelled(Exception):
    """The caller set ``cancel``."""


@dataclass(frozen=True)
class FileTranscript:
    """A transcribed file (or the part done so far).

    Attributes:
        path: The audio file.
        segments: Timed pieces, in order, times in seconds from the file's start.
        audio_seconds: The audio transcribed (the file's length once finished).
        language: What Whisper transcribed.
    """

    path: Path
    segments: tuple[Segment, ...]
    audio_seconds: float
    language: str

    @property
    def text(self) -> str:
        return " ".join(segment.text for segment in self.segments)


def transcribe_file(path: Path, engine: Engine, options: TranscribeOptions, *,
                    progress: Callable[[float, FileTranscript], None] | None = None,
                    cancel: threading.Event | None = None,
                    resume: threading.Event | None = None) -> FileTranscript:
    """Transcribe ``path`` window by window.

    Args:
        path: The audio file (WAV, FLAC, OGG, Opus, MP3).
        engine: Anything with ``transcribe(samples, options) -> Transcript``.
        options: Passed to every window (an "auto" language is fixed after the first speech).
        progress: Called after each window with the fraction done and the transcript so far.
        cancel: Set to stop (raises ``Cancelled``).
        resume: When given, waited for before each window (clear it to pause).

    Raises:
        AudioFileError: the file cannot be read. Cancelled: ``cancel`` was set.
        EngineError: whisper.cpp failed.
    """
    path = Path(path)
    guarded = _Guarded(engine, cancel, resume)
    report = None if progress is None else (
        lambda fraction, so_far: progress(fraction, _file_transcript(path, so_far)))
    try:
        result = transcribe_windows(guarded, path, options, report,
                                    cancel.is_set if cancel is not None else None,
                                    window_seconds=WINDOW_SECONDS)
    except TranscriptionCancelled as error:
        raise Cancelled() from error
    return _file_transcript(path, result)


def _file_transcript(path: Path, transcript: Transcript) -> FileTranscript:
    return FileTranscript(path, transcript.segments, transcript.audio_seconds,
                          transcript.language)


class _Guarded:
    """The engine as each window meets it (the module docstring's four rules)."""

    def __init__(self, engine: Engine, cancel: threading.Event | None,
                 resume: threading.Event | None) -> None:
        self._engine = engine
        self._cancel = cancel
        self._resume = resume
        self._extra = {"abort": cancel.is_set} if cancel is not None and _takes_abort(engine) else {}

    def transcribe(self, samples: np.ndarray, options: TranscribeOptions) -> Transcript:
        if self._resume is not None:
            while not self._resume.wait(0.1):
                self._check()
        self._check()
        seconds = len(samples) / SAMPLE_RATE
        if _rms_dbfs(samples) <= SILENCE_DBFS:
            return Transcript("", (), options.language, seconds, 0.0)
        try:
            result = self._engine.transcribe(samples, options, **self._extra)
        except Exception:
            self._check()  # an aborted native call fails: that is the cancel, not an error
            raise
        segments = tuple(replace(s, text=text) for s in result.segments
                         if (text := clean_segment(s.text)))
        return replace(result, text=" ".join(s.text for s in segments), segments=segments)

    def _check(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled()


def _takes_abort(engine: Engine) -> bool:
    try:
        return "abort" in inspect.signature(engine.transcribe).parameters
    except (TypeError, ValueError):
        return False


def _rms_dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    return 20.0 * np.log10(rms) if rms > 0 else -200.0
