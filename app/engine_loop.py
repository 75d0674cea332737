"""The engine worker's loop: lives on the worker thread, loads the engine once and answers jobs,
streamed pieces and speculations in order (``EngineWorker`` in app/engine_worker.py owns it and
is what the rest of the app calls).

A job submitted while an older one is still waiting makes the older one stale (the controller
runs one dictation at a time and has already dropped it), so the loop skips stale jobs.

Streaming (``app/streaming.py``): ``submit_segment`` queues a piece of the dictation being
recorded; the loop transcribes it (the text so far as prompt) and previews the joined text. The
job submitted at release carries a ``StreamedAudio``: only its tail is left to transcribe.
``drop_dictation`` (a cancel) makes that dictation's queued pieces stale. Each piece's
``audio_ctx`` is sized to it (``engine.audio_ctx``) unless the options fix one.

Speculation (``app/streaming.py``): ``speculate`` queues the open piece once the VAD hears the
person stop; the loop transcribes it unless the GUI thread has withdrawn it or named a newer one
by then (``EngineLoop.live_speculation``), and keeps its text under its key. A committed piece or
the released tail with the same key takes that text instead of a second transcription. A
speculation never decodes in the full window: when its sized decodes fail, the piece of that
audio goes straight to the full window instead. Once withdrawn it decodes again only if its text
could still begin its piece and nothing else is queued; past that point a decode under way stops
at whisper.cpp's next pass (``stop_when``, app/piece_texts.py), so that a queued tail or piece
does not wait for it.

Parts (app/dictation_texts.py): a withdrawn speculation with a text is the beginning of the
piece that went on. A later speculation of that piece, or the released tail,
transcribes only the speech after it (after its text as prompt), so a long last sentence group
leaves little to decode at the release.

Drafts (``DictationTexts.draft_for``): the tokens of the furthest-reaching whole decode of a
piece so far, a withdrawn speculation's, are the draft of the piece's next whole decode:
whisper.cpp checks the tokens that agree in one decoder pass instead of one pass each
(patches/whisper.cpp-draft-tokens.patch).

Rest: when a dictation's result or a whole job is done, or a dictation is cancelled
(``drop_dictation``), and nothing else is queued, the loop tells
the engine ``rest()`` — nothing more is coming soon — so that the engine child gives back the
working memory the dictation made whisper.cpp touch (engine/engine_child.py, Memory) at once
instead of after 20 s idle. Pieces and speculations never do: more of the dictation follows.
"Nothing queued" compares two counters: ``EngineLoop.submitted`` (written only by the GUI
thread, before each emission) and ``EngineLoop.handled`` (written only by the worker, as each slot
starts); should they ever disagree the wrong way, the cost is one rest too many, never a missed
one. A submission racing with the check only waits behind the reload (~0.15 s).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from app.dictation_texts import DictationTexts, Parts, continued, open_ended
from app.piece_texts import SpeculationAbandoned, sizes, transcribe_piece
from app.streaming import StreamedAudio
from engine.errors import MurmurError
from engine.options import SAMPLE_RATE, TranscribeOptions, Transcript
from engine.postprocess import clean_segments
from engine.segmenter import FRAME_SAMPLES
from engine.whisper_engine import WhisperEngine

log = logging.getLogger(__name__)

NO_MODEL = "No speech model is loaded"


@dataclass(frozen=True)
class TranscriptionResult:
    """One finished transcription, with the timings history keeps.

    Attributes:
        job: The controller's job number.
        text: Whisper's raw text; the controller's ``TextShaper`` cleans it (drops
            ``[BLANK_AUDIO]`` and the like) before inserting.
        language: The language Whisper transcribed.
        audio_seconds: Length of the audio.
        engine_seconds: Time whisper.cpp spent on it.
        submitted_at: ``time.monotonic()`` when it was submitted (the hotkey's release), so the
            receiver can compute release → text inserted.
        model: File name of the model that transcribed it.
        segments: Pieces transcribed while recording (0 when not streamed); the tail is not
            counted. ``engine_seconds`` covers all of them, and speculations.
        tail_speculated: The tail's text came from a speculation made before the release.
    """

    job: int
    text: str
    language: str
    audio_seconds: float
    engine_seconds: float
    submitted_at: float
    model: str
    segments: int = 0
    tail_speculated: bool = False


def audio_samples(audio: object) -> np.ndarray:
    """The float32 samples of what a ``Recorder`` returned (an array, or an object with
    ``samples``)."""
    return np.asarray(getattr(audio, "samples", audio), dtype=np.float32).reshape(-1)


def whole_text(transcript: Transcript) -> str:
    """The raw text of a recording transcribed whole: Whisper's segments cleaned one by one,
    so a noise label or an "Ah!" after the last sentence goes
    (``engine.postprocess.clean_segments``); fakes without segments keep their text."""
    if transcript.segments:
        return clean_segments(s.text for s in transcript.segments)
    return transcript.text.strip()


class EngineLoop(QObject):
    """Lives on the worker thread; every slot runs there."""

    loaded = Signal(str)
    load_failed = Signal(str)
    finished = Signal(object)  # TranscriptionResult
    failed = Signal(int, str)
    partial = Signal(int, str)  # dictation, text so far

    def __init__(self, engine_factory: Callable[[Path], WhisperEngine],
                 size_pieces: bool = False) -> None:
        super().__init__()
        self._factory = engine_factory
        self._size_pieces = size_pieces
        self.engine: WhisperEngine | None = None
        self._load_error = NO_MODEL + "."
        self.newest_job = 0  # written by the GUI thread (int store: atomic), read here
        self.dead_below = 0  # dictations below this were cancelled; same sharing as newest_job
        # (dictation, key) of the one speculation worth running; a tuple store, same sharing
        self.live_speculation: tuple | None = None
        self._pieces = DictationTexts()  # of the dictation being streamed
        self.submitted = 0  # jobs, pieces, speculations emitted: GUI thread writes, worker reads
        self.handled = 0  # of them started here: only the worker touches it

    @Slot(object)
    def load(self, model_path: Path) -> None:
        self.close_engine()
        try:
            self.engine = self._factory(Path(model_path))
        except MurmurError as error:
            self._load_error = f"{NO_MODEL}: {error}"
            self.load_failed.emit(str(error))
            return
        except Exception as error:  # noqa: BLE001 - a loader bug must not kill the thread
            log.exception("loading %s failed", model_path)
            self._load_error = f"{NO_MODEL}: {error}"
            self.load_failed.emit(f"Could not load the model {Path(model_path).name}: {error}")
            return
        self.loaded.emit(self.engine.model_path.name)

    @Slot(int, object, object, float)
    def transcribe(self, job: int, audio: object, options: TranscribeOptions,
                   submitted_at: float) -> None:
        self.handled += 1
        if job < self.newest_job:
            log.info("skipped stale transcription %d (newest: %d)", job, self.newest_job)
            return
        if self.engine is None:
            self.failed.emit(job, self._load_error)
            return
        if isinstance(audio, StreamedAudio):
            self._finish_streamed(job, audio, options)
        else:
            self._whole(job, audio, options, submitted_at)
        self._rest_if_nothing_queued()

    @Slot()
    def rest(self) -> None:
        """A dictation was cancelled: nothing more of it follows."""
        self.handled += 1
        self._rest_if_nothing_queued()

    def _rest_if_nothing_queued(self) -> None:
        """A dictation or job is over: let the engine give memory back unless more is queued."""
        if self.handled >= self.submitted and self.engine is not None:
            self.engine.rest()

    def _whole(self, job: int, audio: object, options: TranscribeOptions,
               submitted_at: float) -> None:
        try:
            transcript = self.engine.transcribe(audio_samples(audio), options)
        except Exception as error:  # noqa: BLE001 - the user must hear of any failure
            log.exception("transcription %d failed", job)
            self.failed.emit(job, f"Transcription failed: {error}")
            return
        self.finished.emit(TranscriptionResult(
            job, whole_text(transcript), transcript.language, transcript.audio_seconds,
            transcript.engine_seconds, submitted_at, self.engine.model_path.name))

    @Slot(int, object, object, object)
    def segment(self, dictation: int, samples: np.ndarray, options: TranscribeOptions,
                key: object) -> None:
        """One finished piece of a dictation still being recorded."""
        self.handled += 1
        if dictation < self.dead_below or self.engine is None:
            return
        self._pieces.switch_to(dictation)
        log.debug("dictation %d: piece of %.2f s started", dictation, len(samples) / SAMPLE_RATE)
        if self._piece(samples, options, key):
            self.partial.emit(dictation, self._pieces.text)
        log.debug("dictation %d: piece done", dictation)

    @Slot(int, object, object, object)
    def speculate(self, dictation: int, key: object, samples: np.ndarray,
                  options: TranscribeOptions) -> None:
        """The open piece, ahead of its cut or the release; skipped once withdrawn."""
        self.handled += 1
        if (dictation, key) != self.live_speculation or dictation < self.dead_below \
                or self.engine is None:
            log.debug("dictation %d: speculation %s skipped (withdrawn)", dictation, key)
            return
        pieces = self._pieces
        pieces.switch_to(dictation)
        if pieces.error:
            return
        log.debug("dictation %d: speculation %s of %.2f s started", dictation, key,
                  len(samples) / SAMPLE_RATE)

        def wanted() -> bool:
            return (dictation, key) == self.live_speculation

        def worth_more() -> bool:
            """Wanted, or withdrawn by more speech but able to begin its piece's text
            (``DictationTexts.may_begin``) while the engine has nothing else to do."""
            return wanted() or (pieces.may_begin(key) and self.handled >= self.submitted
                                and dictation >= self.dead_below)

        try:
            parts, transcript = self._parts(samples, options, key, self._size_pieces,
                                            worth_more)
        except SpeculationAbandoned as stopped:  # withdrawn, or it needs the full window
            pieces.engine_seconds += stopped.engine_seconds
            if wanted() and not stopped.stopped:
                pieces.unsized.add(key)
            log.debug("dictation %d: speculation %s gave no text%s", dictation, key,
                      " (stopped)" if stopped.stopped else "")
            return
        except Exception:  # noqa: BLE001 - the real piece or tail is transcribed anyway
            log.exception("a speculation of dictation %d failed", dictation)
            return
        pieces.engine_seconds += transcript.engine_seconds
        pieces.keep_speculation(key, parts)
        log.debug("dictation %d: speculation %s done in %d part(s)%s", dictation, key,
                  len(parts), "" if wanted() else " (withdrawn meanwhile)")
        self.partial.emit(dictation, pieces.text_with(parts))

    def _finish_streamed(self, job: int, audio: StreamedAudio, options: TranscribeOptions) -> None:
        pieces = self._pieces
        pieces.switch_to(audio.dictation)
        reused = pieces.speculated(audio.tail_key) is not None and not pieces.error
        log.debug("dictation %d: tail of %.2f s started %.3f s after the release%s",
                  audio.dictation, len(audio.tail) / SAMPLE_RATE,
                  time.monotonic() - audio.released_at, " (speculated)" if reused else "")
        transcript = self._piece(audio.tail, options, audio.tail_key, audio.tail_extent) \
            if len(audio.tail) else None
        if pieces.error:
            self.failed.emit(job, pieces.error)
        else:
            self.finished.emit(TranscriptionResult(
                job, pieces.text, transcript.language if transcript else options.language,
                len(audio.samples) / SAMPLE_RATE, pieces.engine_seconds, audio.released_at,
                self.engine.model_path.name, audio.segments, reused))
        log.debug("dictation %d: tail done %.3f s after the release", audio.dictation,
                  time.monotonic() - audio.released_at)
        pieces.switch_to(0)  # nothing of this dictation may reach the next

    def _piece(self, samples: np.ndarray, options: TranscribeOptions, key: object = None,
               extent: object = None) -> Transcript | None:
        """Transcribe one piece after the text so far (or take speculation ``key``'s text);
        None (and ``error`` set) on failure. ``extent`` (the piece's, when no speculation
        names it) lets a speculation of its beginning spare part of the work."""
        pieces = self._pieces
        if pieces.error:
            return None  # the dictation failed already; its result will say so
        known = pieces.speculated(key)
        if known is not None:
            pieces.add(known, 0.0)  # its engine time was counted when it ran
            return Transcript(" ".join(known), (), options.language,
                              len(samples) / SAMPLE_RATE, 0.0)
        try:
            # A speculation of this audio failed in every sized window: straight to the full one.
            parts, transcript = self._parts(samples, options, key or extent,
                                            self._size_pieces and key not in pieces.unsized)
        except Exception as error:  # noqa: BLE001 - the user must hear of any failure
            log.exception("transcribing a piece of dictation %d failed", pieces.dictation)
            pieces.error = f"Transcription failed: {error}"
            return None
        pieces.add(parts, transcript.engine_seconds)
        return transcript

    def _parts(self, samples: np.ndarray, options: TranscribeOptions, key: object, size: bool,
               wanted: Callable[[], bool] | None = None) -> tuple[Parts, Transcript]:
        """Transcribe piece ``key`` after the text so far: only the speech after its speculated
        beginning when there is one (``DictationTexts.prefix_of``) and the rest gets a window
        sized to it, else all of it. (In the full window the encoder costs the same for any
        length, so parts would save little, and a short beginning decoded there alone was
        misheard: "The Codonus chest" for "The cut on his chest", tests/app/test_streaming_model.py.)"""
        pieces = self._pieces
        prefix = pieces.prefix_of(key) if size and sizes(options) else None
        if prefix is None:
            drafted = replace(pieces.prompted(options), draft=pieces.draft_for(key))
            transcript = transcribe_piece(self.engine, samples, drafted, size, wanted)
            if key is not None:
                pieces.keep_draft(key, transcript.token_ids)
            if drafted.draft:
                log.debug("dictation %d: piece %s took %d of %d draft tokens", pieces.dictation,
                          key, transcript.draft_taken, len(drafted.draft))
            return (transcript.text,), transcript
        parts, rest_from = prefix
        rest = samples[(rest_from - key[0]) * FRAME_SAMPLES:]
        log.debug("dictation %d: piece %s after its beginning's %d part(s): %.2f s left",
                  pieces.dictation, key, len(parts), len(rest) / SAMPLE_RATE)
        transcript = transcribe_piece(self.engine, rest, pieces.prompted(options,
                                                                         open_ended(parts)),
                                      size, wanted)
        return continued(parts, transcript.text), transcript

    def close_engine(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None
