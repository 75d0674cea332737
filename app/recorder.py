"""The controller's ``Recorder`` over ``audio.capture.Capture``: one dictation's samples, whole.

``begin`` asks the capture for the ring index where the dictation starts (``Capture.hold``: now
minus the pre-roll); a GUI-thread ``QTimer`` then copies the new samples out of the ring every
``drain_ms``, so a dictation longer than the ring's capacity loses nothing; ``finish`` copies the
tail and returns a ``RecordedAudio``. A start that came while the last dictation was still being
finished (deferred by the controller) takes its index at the press (``mark``) and begins from it
later (``begin(from_index=...)``); if it was also stopped meanwhile, ``position`` gave its end
(``finish(until=...)``).

The copied samples go to a spool file (raw float32, 16 kHz) in ``spool_dir`` rather than memory,
so memory stays flat however long someone speaks, and the audio of a dictation survives the app
being killed: ``unfinished_recordings`` lists what a previous run left behind, ``load_recording``
reads it back for transcription. The file is deleted by ``settle`` once the dictation's text is
safe (inserted and in history). If the spool cannot be written (disk full, read-only data dir)
the recorder says so once (``notice``) and keeps the rest in memory.

A failed dictation's audio is never dropped: if part of it is only in memory, the disk is tried
again (it may have room now: ``write_spool`` appends the missing part to what reached it); if it
still refuses, the whole audio is held in memory (``held``, an ``app.kept_audio.HeldAudio``)
under its spool path, offered like a file, and the user is told it is lost if Murmur quits.
``save_held`` (at quit, and after each dictation) tries the disk once more.

A dictation that ends without text is decided by the state it ends in (``on_state_changed``,
connected to the controller's ``state_changed``): back to ``IDLE`` means the user cancelled (or
nothing was heard), so the audio goes; ``ERROR`` means it failed (device gone, engine crashed),
so the file stays for a retry and ``kept`` says so (``app/kept_recordings.py`` offers it).
With ``keep_transcribed`` set (the "keep audio for N days" retention), settled audio is renamed
``transcribed-…`` instead of deleted, and the retention deletes it later.

Streaming: given a ``SegmentStreamer`` (``app/streaming.py``), the recorder also feeds it every
drained block, so finished segments reach the engine while the person still speaks; ``finish``
then returns the streamer's ``StreamedAudio`` (the tail to transcribe, plus this
``RecordedAudio``) instead.

Threads: every method runs on the GUI thread, the timer too. The ring is written by the capture
worker and read here; ``RingBuffer`` is built for one writer and lock-free readers.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

# The spool files' names and reading live in app/kept_audio.py (Qt-free); they are imported from
# here too, as before.
from app.kept_audio import (SPOOL_DTYPE, SPOOL_PREFIX, SPOOL_SUFFIX,  # noqa: F401
                            TRANSCRIBED_PREFIX, HeldAudio, RecordedAudio, complete_spool,
                            default_spool_dir, load_recording, unfinished_recordings,
                            write_spool)
from app.state import State
from audio.ring_buffer import RingBuffer

log = logging.getLogger(__name__)

DRAIN_MS = 500  # the ring holds minutes: draining twice a second is plenty and cheap


@dataclass
class _Ended:
    """The last dictation that ended, until its fate is decided (text safe, cancel, failure)."""

    spool: Path | None  # the file holding its first ``spooled`` samples
    spooled: int
    memory: list[np.ndarray]  # the samples after those, which the disk refused
    path: Path  # its spool path (``spool``, or the one the disk refused)


class AudioSource(Protocol):
    """What the recorder needs of ``audio.capture.Capture``."""

    ring: RingBuffer

    def hold(self) -> int: ...

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
        self._timer = QTimer(self)
        self._timer.setInterval(drain_ms)
        self._timer.timeout.connect(self._drain)
        self._recording = False
        self._cursor = 0
        self._lost = 0
        self._chunks: list[np.ndarray] = []  # what could not go to the spool
        self._spool: Path | None = None
        self._file: BinaryIO | None = None
        self._spooled = 0  # samples in the spool file
        self._name = ""  # this dictation's spool file name, even when the disk refused it
        self._ended: _Ended | None = None  # the last ended dictation, until decided
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
        return self._spooled + sum(len(chunk) for chunk in self._chunks)

    def mark(self) -> int:
        """A start came while the last dictation is still being finished (a deferred start):
        hold the microphone now and return the ring index it will start from (the pre-roll
        included), for ``begin(from_index=...)`` once the last dictation is done."""
        return self._source.hold()

    def unmark(self) -> None:
        """The deferred start was cancelled before it began: let the microphone go again."""
        if not self._recording:
            self._source.release()

    def position(self) -> int:
        """The ring index just past every sample delivered so far: where a deferred dictation
        that was stopped before it began ends (``finish(until=...)``)."""
        if not self._source.wait_drained():
            log.warning("the capture did not drain in time; the last moment may be missing")
        return self._source.ring.end_index

    def begin(self, from_index: int | None = None) -> None:
        """A dictation starts: keep audio from the capture's pre-roll on, or from ``from_index``
        (a deferred start's ``mark``; the ring holds minutes, so it is still there)."""
        if self._recording:
            log.warning("begin() while recording: the previous recording is dropped")
            self.abort()
        held = self._source.hold()
        self._cursor = held if from_index is None else from_index
        self._recording, self._lost, self._chunks, self._spooled = True, 0, [], 0
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self._name = f"{SPOOL_PREFIX}{stamp}-{os.getpid()}-{time.monotonic_ns()}{SPOOL_SUFFIX}"
        self._open_spool()
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
        # The last ~20 ms may still sit between the callback and the ring.
        if not self._source.wait_drained():
            log.warning("the capture did not drain in time; the last moment may be missing")
        self._drain(until)
        self._stop()
        parts = []
        if self._spooled:
            parts.append(load_recording(self._spool).samples[:self._spooled])
        parts.extend(self._chunks)
        samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        self._chunks = []
        if self._lost:
            self.notice.emit(f"{self._lost / 16000:.1f} s of the recording were lost "
                             "(the app was too busy to keep up).")
        # A view, not a copy: what the disk refused, until this dictation's fate is known.
        self._ended = self._end([samples[self._spooled:]] if len(samples) > self._spooled
                                else [])
        recorded = RecordedAudio(samples, self._lost, self._spool)
        if self._streamer is not None:
            return self._streamer.finish(recorded, released_at)
        return recorded

    def abort(self) -> None:
        """The dictation was cancelled or failed: stop recording.

        Its spool file waits for ``on_state_changed``: a cancel deletes it, a failure keeps it.
        """
        if self._recording:
            self._stop()
            self._ended = self._end(self._chunks)
        if self._streamer is not None:
            self._streamer.abort()
        self._chunks = []

    def settle(self, audio: object) -> None:
        """The dictation's text is safe: its audio goes (``RecordedAudio`` or a path), or is
        marked transcribed when ``keep_transcribed``."""
        path = getattr(audio, "spool", audio) if audio is not None else None
        if path is not None and self._ended is not None and path == self._ended.spool:
            self._ended = None
        held = self.held.drop(path) if path is not None else None
        if held is not None and self.keep_transcribed:  # the retention keeps it, if it can
            self._write(lambda: complete_spool(path, held), path)
        if path is not None and self.keep_transcribed and path.name.startswith(SPOOL_PREFIX):
            self._close_if_current(path)
            try:
                path.rename(path.with_name(TRANSCRIBED_PREFIX + path.name))
                return
            except OSError as error:
                log.warning("recorder: could not mark %s transcribed: %s", path, error)
        self._delete_spool(path)

    def settle_finished(self, *_ignored: object) -> None:
        """``settle`` the last finished dictation; connect ``dictation_finished`` here."""
        ended, self._ended = self._ended, None
        if ended is None:
            return
        if ended.memory and self.keep_transcribed and self._write_rest(ended) is None:
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
                self._delete_spool(ended.spool)
            else:
                self.settle(ended.spool)

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
        return {p for p in (self._spool if self._recording else None, ended) if p is not None}

    # ---- a failed dictation's audio (GUI thread) ----------------------------------------------
    def _end(self, memory: list[np.ndarray]) -> _Ended:
        path = self._spool or (self._spool_dir or Path()) / self._name
        return _Ended(self._spool, self._spooled, memory, path)

    def _keep(self, ended: _Ended) -> None:
        """A failed dictation: all of its audio stays, on disk if it will go there."""
        if not ended.memory:  # all of it is in its spool file (if it has any audio at all)
            if ended.spool is not None and ended.spool.exists():
                log.info("recorder: the failed dictation's audio is kept: %s", ended.spool)
                self.kept.emit(ended.spool)
            return
        error = self._write_rest(ended)
        if error is None:
            log.info("recorder: the failed dictation's audio is now all on disk: %s", ended.path)
            self.kept.emit(ended.path)
            return
        parts, path = list(ended.memory), ended.path
        if ended.spooled:
            try:
                parts.insert(0, load_recording(ended.spool).samples[:ended.spooled])
            except OSError as read_error:
                # The file stays, offered on its own; the rest is held beside it.
                log.warning("recorder: cannot read back %s: %s", ended.spool, read_error)
                path = path.with_name(f"{path.stem}-rest{SPOOL_SUFFIX}")
        self.held.hold(path, np.concatenate(parts))
        self.notice.emit(f"Could not save the failed dictation's audio on disk ({error}); it is "
                         "kept in memory for a retry, but is lost if Murmur quits before then.")
        self.kept.emit(path)

    def _write_rest(self, ended: _Ended) -> str | None:
        """Write what only memory holds after what reached the disk; None, or why it failed."""
        if self._spool_dir is None:
            return "no folder for recordings"
        on_disk = ended.spooled if ended.spool is not None else 0
        return self._write(lambda: write_spool(ended.path, np.concatenate(ended.memory),
                                               on_disk), ended.path)

    @staticmethod
    def _write(write, path: Path) -> str | None:
        try:
            write()
            return None
        except OSError as error:
            log.warning("recorder: cannot write %s: %s", path, error)
            return error.strerror or str(error)

    # ---- internals (GUI thread) ---------------------------------------------------------------
    def _drain(self, until: int | None = None) -> None:
        got = self._source.ring.read(self._cursor, until)
        self._cursor = got.end
        if got.lost:
            log.warning("recorder lost %d samples (drained too late)", got.lost)
            self._lost += got.lost
        if len(got.samples):
            self._append(got.samples)
            if self._streamer is not None:
                self._streamer.feed(got.samples)

    def _append(self, samples: np.ndarray) -> None:
        if self._file is not None:
            try:
                self._file.write(samples.astype(SPOOL_DTYPE, copy=False).tobytes())
                self._file.flush()  # into the page cache: survives a SIGKILL of this process
                self._spooled += len(samples)
                return
            except OSError as error:
                self._spool_failed(error)
        self._chunks.append(samples)

    def _open_spool(self) -> None:
        self._spool = self._file = None
        if self._spool_dir is None:
            return
        path = self._spool_dir / self._name
        try:
            self._spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            self._file, self._spool = os.fdopen(fd, "wb"), path
        except OSError as error:
            self._spool_failed(error)

    def _spool_failed(self, error: OSError) -> None:
        log.warning("recorder: cannot write %s: %s", self._spool or self._spool_dir, error)
        why = error.strerror or str(error)
        self.notice.emit(f"Could not keep a copy of the recording on disk ({why}); this "
                         "dictation is kept in memory only.")
        self._close_file()
        if not self._spooled:
            self._delete_spool(self._spool)

    def _stop(self) -> None:
        self._timer.stop()
        self._recording = False
        self._close_file()
        self._source.release()

    def _close_file(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError as error:  # a full disk may refuse the final flush
                log.warning("recorder: closing the spool: %s", error)
            self._file = None

    def _delete_spool(self, path: Path | None) -> None:
        if path is None:
            return
        self._close_if_current(path)
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            log.warning("recorder: could not delete %s: %s", path, error)

    def _close_if_current(self, path: Path) -> None:
        if path == self._spool:
            self._close_file()
            self._spool, self._spooled = None, 0
