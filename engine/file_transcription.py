"""Transcribe an audio file of any length in bounded memory, with progress and cancel.

The file is decoded window by window (:func:`audio.decode.iter_windows`: a few minutes each,
cut at a pause) and every window goes through the warm engine; segment times are shifted by the
window's start. So an hour-long recording needs one window of samples (and whisper.cpp's mel
for it) at a time instead of the whole file, and progress and cancel are checked between
windows. The engine already decodes every 30 s piece without the previous text as context
(``no_context``), so cutting at pauses costs nothing a whole-file call would have kept.

Threads: runs on the caller's thread (the CLI's main thread, or the app's file-transcription
worker); ``progress`` and ``cancelled`` are called on that thread.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from audio.decode import WINDOW_SECONDS, iter_windows
from engine.options import AUTO_LANGUAGE, SAMPLE_RATE, Segment, Transcript, TranscribeOptions


class TranscriptionCancelled(Exception):
    """``cancelled()`` returned True; the partial transcript is attached."""

    def __init__(self, partial: Transcript):
        super().__init__("transcription cancelled")
        self.partial = partial


def transcribe_file(engine, path: Path, options: TranscribeOptions,
                    progress: Callable[[float, Transcript], None] | None = None,
                    cancelled: Callable[[], bool] | None = None,
                    window_seconds: float = WINDOW_SECONDS) -> Transcript:
    """Transcribe ``path`` window by window with ``engine`` (a loaded ``WhisperEngine``).

    Args:
        engine: anything with ``transcribe(samples, options) -> Transcript``.
        path: an audio file ``audio.decode`` can read.
        options: passed to every window. With ``language="auto"`` the language detected in the
            first window is kept for the rest, so one file is not split across languages.
        progress: called after each window with (fraction of the file done, transcript so far).
        cancelled: polled before each window; when it returns True, TranscriptionCancelled is
            raised carrying the transcript so far.
        window_seconds: the length of each window before its cut at a pause.

    Returns:
        The whole transcript; segment times are seconds from the start of the file, in order,
        never beyond the file's end.

    Raises:
        AudioFileError: the file cannot be read.
        EngineError: whisper.cpp failed.
        TranscriptionCancelled: see ``cancelled``.
    """
    segments: list[Segment] = []
    language, engine_seconds, end = options.language, 0.0, 0.0
    for window in iter_windows(Path(path), window_seconds):
        if cancelled and cancelled():
            raise TranscriptionCancelled(_result(segments, language, end, engine_seconds))
        part = engine.transcribe(window.samples, options)
        length = window.samples.size / SAMPLE_RATE
        if options.language == AUTO_LANGUAGE and not segments:
            # Detected on the first window that said anything; later windows follow it.
            language = part.language
            if part.segments:
                options = _with_language(options, part.language)
        for segment in part.segments:
            # whisper.cpp can place an end a few frames past the audio it was given.
            start = window.start + min(max(segment.start, 0.0), length)
            stop = window.start + min(max(segment.end, segment.start), length)
            start = max(start, segments[-1].start if segments else 0.0)
            segments.append(Segment(round(start, 3), round(max(stop, start), 3), segment.text))
        end = window.start + length
        engine_seconds += part.engine_seconds
        if progress:
            progress(min(1.0, end / window.total_seconds) if window.total_seconds else 0.0,
                     _result(segments, language, end, engine_seconds))
    return _result(segments, language, end, engine_seconds)


def _with_language(options: TranscribeOptions, language: str) -> TranscribeOptions:
    try:
        return replace(options, language=language)
    except ValueError:  # a code whisper.cpp reported but our list lacks: keep detecting
        return options


def _result(segments: list[Segment], language: str, seconds: float, engine_seconds: float) -> Transcript:
    text = " ".join(s.text for s in segments if s.text)
    return Transcript(text, tuple(segments), language, seconds, engine_seconds)
