"""The controller's ``Recorder`` over ``audio.capture.Capture``: one dictation's samples, whole.

``begin`` asks the capture for the ring index where the dictation starts (``Capture.hold``: now
minus the pre-roll); a GUI-thread ``QTimer`` then copies the new samples out of the ring every
``drain_ms``, so a dictation longer than the ring's capacity loses nothing; ``finish`` copies the
tail and returns a ``RecordedAudio``. A start that came while the last dictation was still being
finished (deferred by the controller) takes its index at the press (``mark``) and begins from it
later (``begin(from_index=...)``); if it was also stopped meanwhile, ``position`` gave its end
(``finish(until=...)``).

Where the samples go is ``app/spool.py``: the dictation's spool file (so memory stays flat and
the audio survives a kill; ``unfinished_recordings`` lists what a previous run left), or memory
when the disk refuses (said once, ``notice``). ``settle`` deletes the file once the text is safe;
with ``keep_transcribed`` (the "keep audio for N days" retention) it is renamed ``transcribed-…``.

A dictation that ends without text is decided by the state it ends in (``on_state_changed``):
back to ``IDLE`` is a cancel (or nothing heard), so the audio goes; ``ERROR`` is a failure, so
its audio is kept whole for a retry (on disk, or ``held`` in memory when the disk refuses) and
``kept`` says so (``app/kept_recordings.py`` offers it). ``save_held`` tries the disk again.

A ``SegmentStreamer`` (``app/streaming.py``) is fed every drained block (``finish`` returns its
``StreamedAudio``), so segments are transcribed while the person speaks.

Threads: every method runs on the GUI thread, the timer too. The ring is written by the capture
worker and read here; ``RingBuffer`` is built for one writer and lock-free readers.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

# Spool file names and reading live in app/kept_audio.py, writing in app/spool.py (both Qt-free);
# importers of app.recorder get the kept_audio names too, as before.
from app.kept_audio import (SPOOL_PREFIX, SPOOL_SUFFIX, TRANSCRIBED_PREFIX, HeldAudio,  # noqa: F401
                            RecordedAudio, complete_spool, default_spool_dir, load_recording,
                            unfinished_recordings)
from app.spool import DictationSpool, EndedDictation, keep_failed, try_write, write_rest
from app.state import State
from audio.ring_buffer import RingBuffer

log = logging.getLogger(__name__)

DRAIN_MS = 500  # the ring holds minutes: draining twice a second is plenty and cheap


class AudioSource(Protocol):
    """What the recorder needs of ``audio.capture.Capture``."""

    ring: RingBuffer

    def hold(self, pressed_at: float | None = None) -> int: ...

    def release(self) -> None: ...

    def wait_drained(self, timeout: float = 2.0) -> bool: ...


class RingRecorder(QObject):
    """Cuts one dictation at a time out of the capture ring.

    Args:
        source: The capture (or anything with ``hold``/``release``/``ring``/``wait_drained``).
        spool_dir: Where recordings are kept until settled (0700 dir, 0600 files); None keeps
            them in memory only.
        drain_ms: How often the ring is copied out while recording (``STREAM_DRAIN_MS`` when
            streaming, so a pause is noticed soon).
        streamer: Optional ``SegmentStreamer`` fed with every drained block.

    Attributes:
        keep_transcribed: Rename settled audio ``transcribed-…`` instead of deleting it (the
            "keep audio for N days" retention; GUI thread).
        held: Failed dictations the disk refused, in memory (``HeldAudio``; GUI thread).

    Signals:
        notice(str): one sentence for the user (spool not writable, audio lost).
        kept(object): a failed dictation's audio stays for a retry: its spool path (``Path``),
            a file on disk, or held in memory (``held``) when the disk refused it.
    """

    notice = Signal(str)
    kept = Signal(object)

    def __init__(self, source: AudioSource, spool_dir: Path | None = None,
                 drain_ms: int = DRAIN_MS, streamer: object | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._streamer = streamer
        self._spool_dir = spool_dir
        self._spool = DictationSpool(spool_dir, self._spool_refused)
        self._timer = QTimer(self)
        self._timer.setInterval(drain_ms)
        self._timer.timeout.connect(self._drain)
        self._recording, self._cursor, self._lost = False, 0, 0
        self._ended: EndedDictation | None = None  # the last ended dictation, until decided
        self._state = State.IDLE  # the controller's, as last told by on_state_changed
        self.keep_transcribed = False
        self.held = HeldAudio()

    @property
    def recording(self) -> bool:
        """True between ``begin`` and ``finish``/``abort``."""
        return self._recording

    @property
    def recorded_samples(self) -> int:
        """Samples of this dictation copied out of the ring so far."""
        return self._spool.samples_count

    def mark(self, pressed_at: float | None = None) -> int:
        """A start came while the last dictation is still being finished (a deferred start):
        hold the microphone now and return the ring index it will start from (the pre-roll
        before ``pressed_at``, or now, included), for ``begin(from_index=...)`` once the last
        dictation is done."""
        return self._source.hold(pressed_at)

    def unmark(self) -> None:
        """The deferred start was cancelled before it began: let the microphone go again."""
        if not self._recording:
            self._source.release()

    def position(self) -> int:
        """The ring index just past every sample delivered so far: where a deferred dictation
        that was stopped before it began ends (``finish(until=...)``)."""
        self._wait_drained()
        return self._source.ring.end_index

    def begin(self, from_index: int | None = None, pressed_at: float | None = None) -> None:
        """A dictation starts: keep audio from the capture's pre-roll on (before the key press
        at ``pressed_at`` if given), or from ``from_index`` (a deferred start's ``mark``; the
        ring holds minutes, so it is still there)."""
        if self._recording:
            log.warning("begin() while recording: the previous recording is dropped")
            self.abort()
        held = self._source.hold(pressed_at)
        self._cursor = held if from_index is None else from_index
        self._recording, self._lost = True, 0
        stamp = time.strftime("%Y%m%d-%H%M%S")
        # Start time in the name (the kept list shows it); pid and ns make it unique.
        self._spool.start(f"{SPOOL_PREFIX}{stamp}-{os.getpid()}-{time.monotonic_ns()}"
                          f"{SPOOL_SUFFIX}")
        if self._streamer is not None:
            self._streamer.begin()
        self._timer.start()

    def finish(self, until: int | None = None) -> RecordedAudio:
        """The dictation ends: return all of its audio (the spool stays until ``settle``), up to
        the ring index ``until`` if given (a deferred dictation stopped before it began).

        With a streamer, the ``StreamedAudio`` wrapping it (``samples``/``spool`` still work).
        """
        released_at = time.monotonic()
        if not self._recording:
            log.warning("finish() without begin(): no audio")
            return RecordedAudio(np.zeros(0, np.float32))
        self._wait_drained()
        self._drain(until)
        self._stop()
        samples, spooled, self._spool.memory = self._spool.read_all(), self._spool.spooled, []
        if self._lost:
            self.notice.emit(f"{self._lost / 16000:.1f} s of the recording were lost "
                             "(the app was too busy to keep up).")
        # A view, not a copy: what the disk refused, until this dictation's fate is known.
        self._ended = self._spool.ended([samples[spooled:]] if len(samples) > spooled else [])
        recorded = RecordedAudio(samples, self._lost, self._spool.path)
        if self._streamer is not None:
            return self._streamer.finish(recorded, released_at)
        return recorded

    def abort(self) -> None:
        """The dictation was cancelled or failed: stop recording.

        Its spool file waits for ``on_state_changed``: a cancel deletes it, a failure keeps it.
        """
        if self._recording:
            self._stop()
            self._ended = self._spool.ended(self._spool.memory)
        if self._streamer is not None:
            self._streamer.abort()
        self._spool.memory = []

    def settle(self, audio: object) -> None:
        """The dictation's text is safe: its audio goes (``RecordedAudio`` or a path), or is
        marked transcribed when ``keep_transcribed``."""
        path = getattr(audio, "spool", audio) if audio is not None else None
        if path is not None and self._ended is not None and path == self._ended.spool:
            self._ended = None
        held = self.held.drop(path) if path is not None else None
        if held is not None and self.keep_transcribed:  # the retention keeps it, if it can
            try_write(lambda: complete_spool(path, held), path)
        if path is not None and self.keep_transcribed and path.name.startswith(SPOOL_PREFIX):
            self._spool.close_if_current(path)
            try:
                path.rename(path.with_name(TRANSCRIBED_PREFIX + path.name))
                return
            except OSError as error:
                log.warning("recorder: could not mark %s transcribed: %s", path, error)
        self._spool.delete(path)

    def settle_finished(self, *_ignored: object) -> None:
        """``settle`` the last finished dictation; connect ``dictation_finished`` here."""
        ended, self._ended = self._ended, None
        if ended is None:
            return
        if (ended.memory and self.keep_transcribed
                and write_rest(ended, self._spool_dir) is None):
            self.settle(ended.path)  # whole on disk now: the retention keeps it
        else:
            self.settle(ended.spool)

    def on_state_changed(self, state: State) -> None:
        """Connect ``DictationController.state_changed`` (before anything that lists kept
        recordings): decide what becomes of a dictation that ended without text in history.

        RECORDING → IDLE is a cancel: the audio goes. TRANSCRIBING → IDLE is a cancel or
        nothing heard: settled. RECORDING/TRANSCRIBING → ERROR is a failure: kept (``kept``).
        """
        previous, self._state = self._state, state
        ended = self._ended
        if ended is None or previous not in (State.RECORDING, State.TRANSCRIBING):
            return
        if state is State.ERROR:
            self._ended = None
            self._keep(ended)
        elif state is State.IDLE:
            self._ended = None  # a cancel or nothing heard: what was only in memory goes too
            if previous is State.RECORDING:
                self._spool.delete(ended.spool)
            else:
                self.settle(ended.spool)

    def keep_unfinished(self) -> None:
        """At quit: a dictation being recorded (drained to its end) or transcribed has no text
        yet, so its audio is kept like a failed one's and offered at the next launch."""
        if self._recording:
            self._wait_drained()
            self._drain()
            self._stop()
            self._ended = self._spool.ended(self._spool.memory)
            self._spool.memory = []
        ended, self._ended = self._ended, None
        if ended is not None:
            self._keep(ended)

    def save_held(self) -> int:
        """Try once more to write the dictations held in memory to disk (at quit, and after
        each dictation: the disk may have room now); returns how many are still only in memory.
        """
        for path in self.held.save():
            log.info("recorder: a failed dictation held in memory is now on disk: %s", path.name)
        if self.held:
            log.warning("recorder: %d failed dictation(s) still only in memory", len(self.held))
        return len(self.held)

    def in_use(self) -> set[Path]:
        """Spool files of the dictation under way or not yet decided (not "kept" ones)."""
        ended = self._ended.spool if self._ended is not None else None
        return {p for p in (self._spool.path if self._recording else None, ended)
                if p is not None}

    # ---- internals (GUI thread) ---------------------------------------------------------------
    def _keep(self, ended: EndedDictation) -> None:
        kept = keep_failed(ended, self._spool_dir, self.held)
        if kept.refused is not None:
            self.notice.emit(f"Could not save the failed dictation's audio on disk "
                             f"({kept.refused}); it is kept in memory for a retry, but is lost "
                             "if Murmur quits before then.")
        if kept.path is not None:
            self.kept.emit(kept.path)

    def _spool_refused(self, why: str) -> None:
        self.notice.emit(f"Could not keep a copy of the recording on disk ({why}); this "
                         "dictation is kept in memory only.")

    def _drain(self, until: int | None = None) -> None:
        got = self._source.ring.read(self._cursor, until)
        self._cursor = got.end
        if got.lost:
            log.warning("recorder lost %d samples (drained too late)", got.lost)
            self._lost += got.lost
        if len(got.samples):
            self._spool.append(got.samples)
            if self._streamer is not None:
                self._streamer.feed(got.samples)

    def _wait_drained(self) -> None:
        # The last ~20 ms may still sit between the capture's callback and the ring.
        if not self._source.wait_drained():
            log.warning("the capture did not drain in time; the last moment may be missing")

    def _stop(self) -> None:
        self._timer.stop()
        self._recording = False
        self._spool.close()  # the file stays: settle, a cancel or a failure decides
        self._source.release()
