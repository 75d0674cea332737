"""Streaming a dictation to the engine while it is being spoken.

``SegmentStreamer`` sits behind ``RingRecorder``: the recorder hands it every block of samples
it drains from the ring; the streamer runs the VAD (``audio.vad.SileroVad``) and the segmenter
(``engine.segmenter.Segmenter``) over them and, whenever a piece is certain (a pause, or the
length bound), hands the piece's samples to a ``SegmentSink`` (``app.engine_worker.EngineWorker``)
at once. At release only the tail since the last cut is left; ``finish`` returns it inside a
``StreamedAudio``, which the controller passes to ``Transcriber.submit`` unchanged, like any
recorder result.

Speculation: once the VAD has heard ``speculate_frames`` of quiet after speech, the person may
have finished, and they release 0.2-0.6 s later. So the open piece (trimmed as a cut would trim
it, ``Segmenter.peek``, with as much of its trailing pad as is recorded yet) goes to the sink at
once as a *speculation*, without cutting. A speculation is named by the piece's extent (``key``:
its first frame and the end of its speech): speech after it moves the end, and the streamer
withdraws it (the sink skips it if it has not started). When the pause grows into a cut, the
committed piece carries the same key and the sink reuses the speculation's text; when the
person releases with no speech after it, ``StreamedAudio.tail_key`` names it and the sink answers
with that text instead of transcribing the tail. Any mismatch (speech continued, a different
trim) falls back to transcribing the audio as before, so speculation never loses a word.

Each dictation gets a number (``dictation``). ``abort`` tells the sink to drop that number's
segments, so a cancelled dictation's text can never reach the next one.

Threads: every method runs on the GUI thread (the recorder's drain timer and the controller's
calls). The VAD keeps recurrent state, so it belongs to this one thread. The sink's methods
return at once (they only emit queued signals).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.segmenter import FRAME_SAMPLES, Piece, Segmenter, SegmenterOptions

log = logging.getLogger(__name__)

#: How often the recorder drains the ring while streaming: a pause is noticed this late at most
#: (the capture worker fills the ring every 20 ms). 100 ms left a speculation 50 ms later on
#: average, a twentieth of a second the person waits at the release (docs/PERFORMANCE.md,
#: "Speculating sooner").
STREAM_DRAIN_MS = 50


class Detector(Protocol):
    """``audio.vad.SileroVad`` (or a fake): probabilities of 512-sample frames, in order."""

    def reset(self) -> None: ...

    def process(self, samples: np.ndarray): ...  # -> VadResult (``probabilities``)


#: A speculation's name: the open piece's ``Piece.extent``, ``(start, end of its speech)``.
Key = tuple[int, int]


class SegmentSink(Protocol):
    """Where finished segments go (``EngineWorker``); every call returns at once."""

    def begin_dictation(self, dictation: int) -> None: ...

    def submit_segment(self, dictation: int, samples: np.ndarray, key: Key | None = None) -> None:
        ...

    def speculate(self, dictation: int, key: Key, samples: np.ndarray) -> None: ...

    def withdraw_speculation(self, dictation: int) -> None: ...

    def drop_dictation(self, dictation: int) -> None: ...


@dataclass(frozen=True)
class StreamedAudio:
    """What a streaming recorder's ``finish`` returns: the tail, and the whole for safekeeping.

    Attributes:
        dictation: The dictation's number (its segments went to the sink under it).
        tail: Samples since the last cut, trimmed; empty when the tail holds no speech.
        segments: How many segments were already handed to the sink.
        released_at: ``time.monotonic()`` when ``finish`` started (the hotkey's release).
        recorded: The recorder's ``RecordedAudio`` of the whole dictation (spool, lost samples).
        tail_key: The speculation whose speech is exactly the tail's (no speech came after
            it), or None: the sink may answer with its text instead of transcribing ``tail``.
        tail_extent: The tail's ``Piece.extent`` (None without a tail): a speculation of its
            beginning names the same first frame, and only the rest need be transcribed.
    """

    dictation: int
    tail: np.ndarray
    segments: int
    released_at: float
    recorded: object
    tail_key: Key | None = None
    tail_extent: Key | None = None

    @property
    def samples(self) -> np.ndarray:
        """The whole dictation (what a non-streaming transcriber would take)."""
        return getattr(self.recorded, "samples", np.zeros(0, np.float32))

    @property
    def spool(self):
        """The recorder's spool file, so ``RingRecorder.settle`` works on this too."""
        return getattr(self.recorded, "spool", None)


class SegmentStreamer:
    """Runs VAD + segmenter over a dictation's samples and streams finished pieces to a sink.

    Args:
        detector: A fresh VAD (``SileroVad()``), owned by this streamer.
        sink: Receives segments (``EngineWorker``).
        options: The segmenter's thresholds.
    """

    def __init__(self, detector: Detector, sink: SegmentSink,
                 options: SegmenterOptions = SegmenterOptions()) -> None:
        self._detector = detector
        self._sink = sink
        self._segmenter = Segmenter(options)
        self._dictation = 0
        self._buffer = np.zeros(0, np.float32)  # samples from sample index _offset on
        self._offset = 0
        self._segments = 0
        self._active = False
        self._speculated: Key | None = None  # the open piece's speculation, if still valid

    @property
    def dictation(self) -> int:
        """The current (or last) dictation's number."""
        return self._dictation

    def begin(self) -> None:
        """A dictation starts (sample 0 is its first sample)."""
        if self._active:
            self.abort()
        self._dictation += 1
        self._detector.reset()
        self._segmenter.reset()
        self._buffer, self._offset, self._segments = np.zeros(0, np.float32), 0, 0
        self._speculated = None
        self._active = True
        self._sink.begin_dictation(self._dictation)

    def feed(self, samples: np.ndarray) -> None:
        """The next samples of the dictation, in order (GUI thread, from the drain)."""
        if not self._active or not len(samples):
            return
        self._buffer = np.concatenate([self._buffer, np.asarray(samples, np.float32)])
        probabilities = self._detector.process(samples).probabilities
        for piece in self._segmenter.push(probabilities):
            self._segments += 1
            key = piece.extent
            # The speculation of this very audio (its text is reused), else none.
            self._sink.submit_segment(self._dictation, self._samples_of(piece),
                                      key if key == self._speculated else None)
            if key == self._speculated:
                self._speculated = None
        self._speculate()
        keep = self._segmenter.open_start * FRAME_SAMPLES - self._offset
        if keep > 0:  # drop what lies before the last cut: it is transcribed or silence
            self._buffer, self._offset = self._buffer[keep:], self._offset + keep

    def _speculate(self) -> None:
        """Send the open piece ahead when speech seems to have ended; withdraw a speculation
        that speech (or a cut elsewhere) made wrong."""
        segmenter = self._segmenter
        wait = segmenter.options.speculate_frames
        peek = segmenter.peek() if wait else None
        now = peek.extent if peek else None
        if self._speculated is not None and now != self._speculated:
            self._speculated = None  # speech came after it: its text would miss words
            self._sink.withdraw_speculation(self._dictation)
        if now is not None and now != self._speculated and segmenter.quiet_run >= wait:
            self._speculated = now
            self._sink.speculate(self._dictation, now, self._samples_of(peek))

    def finish(self, recorded: object, released_at: float | None = None) -> StreamedAudio:
        """The dictation ended (every sample was fed): the tail to transcribe at release."""
        released_at = time.monotonic() if released_at is None else released_at
        peek = self._segmenter.peek()
        # Frames after the last VAD frame (< 32 ms) are unheard; the tail's speech is the
        # speculation's only if no speech frame came after it (the extent is unchanged).
        covered = self._speculated is not None and peek is not None \
            and peek.extent == self._speculated
        piece = self._segmenter.finish()
        tail = self._samples_of(piece) if piece else np.zeros(0, np.float32)
        self._active = False
        self._buffer = np.zeros(0, np.float32)
        log.info("dictation %d: %d segments streamed, tail %.2f s%s", self._dictation,
                 self._segments, len(tail) / 16000, " (speculated)" if covered else "")
        if self._speculated is not None and not covered:
            self._sink.withdraw_speculation(self._dictation)
        key, self._speculated = (self._speculated if covered else None), None
        return StreamedAudio(self._dictation, tail, self._segments, released_at, recorded, key,
                             piece.extent if piece else None)

    def abort(self) -> None:
        """The dictation was cancelled: the sink drops whatever it has of it."""
        if self._active:
            self._active = False
            self._buffer = np.zeros(0, np.float32)
            self._speculated = None
            self._sink.drop_dictation(self._dictation)

    def _samples_of(self, piece: Piece) -> np.ndarray:
        start = piece.start * FRAME_SAMPLES - self._offset
        # The tail runs to the very last sample, including the part of a frame the VAD has not
        # seen yet; other pieces end on a frame boundary.
        end = len(self._buffer) if piece.final and piece.end >= self._segmenter.frames_seen \
            else piece.end * FRAME_SAMPLES - self._offset
        return self._buffer[max(0, start):end].copy()
