"""One dictation's spool file while it is recorded, and a failed dictation's audio kept whole.

``app/recorder.py`` decides *when* audio is copied out of the ring and what becomes of a
dictation; this module is *where* its samples go. ``DictationSpool`` appends each drained block
to the dictation's spool file (0600 in a 0700 dir, raw float32) rather than to memory, so memory
stays flat however long someone speaks and the audio survives the app being killed. When the
disk refuses (full, read-only), the spool says so once (``on_failed``) and keeps the rest in
memory: no sample is ever dropped.

A failed dictation's audio is kept whole by ``keep_failed``: what only memory holds is written
after what reached the disk (the disk may have room now); if it still refuses, the whole audio
is held in memory (``HeldAudio``) under its spool path, so it is offered like a file.

Qt-free. Threads: the GUI thread only (the recorder's), so no state here needs a lock.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from app.kept_audio import (
    SPOOL_DTYPE,
    SPOOL_SUFFIX,
    HeldAudio,
    load_recording,
    write_spool,
)

log = logging.getLogger(__name__)


@dataclass
class EndedDictation:
    """The last dictation that ended, until its fate is decided (text safe, cancel, failure)."""

    spool: Path | None  # the file holding its first ``spooled`` samples
    spooled: int
    memory: list[np.ndarray]  # the samples after those, which the disk refused
    path: Path  # its spool path (``spool``, or the one the disk refused)


@dataclass(frozen=True)
class KeptFailure:
    """Where ``keep_failed`` put a failed dictation's audio.

    Attributes:
        path: The spool path it is offered under (a file, or a key of ``HeldAudio``); None when
            the dictation had no audio at all.
        refused: Why the disk refused it (then it is held in memory); None when it is on disk.
    """

    path: Path | None
    refused: str | None = None


class DictationSpool:
    """The spool file of the dictation being recorded, plus what the disk refused of it.

    Args:
        spool_dir: Where spool files go; None keeps every dictation in memory only.
        on_failed: Called once per failure with the reason, when the disk refuses a write (the
            recorder turns it into a sentence for the user).

    Attributes:
        path: This dictation's spool file; None when the disk refused it from the start. It
            outlives the dictation until ``close_if_current`` or the next ``start``.
        spooled: Samples written to ``path``.
        memory: Samples after those, which the disk refused.
    """

    def __init__(self, spool_dir: Path | None, on_failed: Callable[[str], None]) -> None:
        self.spool_dir = spool_dir
        self._on_failed = on_failed
        self._file: BinaryIO | None = None
        self._name = ""  # this dictation's file name, even when the disk refused it
        self.path: Path | None = None
        self.spooled = 0
        self.memory: list[np.ndarray] = []

    @property
    def samples_count(self) -> int:
        """Samples of this dictation so far, on disk and in memory."""
        return self.spooled + sum(len(chunk) for chunk in self.memory)

    def start(self, name: str) -> None:
        """A dictation starts: open its spool file ``name`` (new, 0600), or fall back to memory."""
        self.memory, self.spooled, self._name = [], 0, name
        self.path = self._file = None
        if self.spool_dir is None:
            return
        path = self.spool_dir / name
        try:
            self.spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            self._file, self.path = os.fdopen(fd, "wb"), path
        except OSError as error:
            self._failed(error)

    def append(self, samples: np.ndarray) -> None:
        """Add a drained block: to the file while the disk takes it, to memory after."""
        if self._file is not None:
            try:
                self._file.write(samples.astype(SPOOL_DTYPE, copy=False).tobytes())
                self._file.flush()  # into the page cache: survives a SIGKILL of this process
                self.spooled += len(samples)
                return
            except OSError as error:
                self._failed(error)
        self.memory.append(samples)

    def read_all(self) -> np.ndarray:
        """Every sample of this dictation: the file's part read back, then memory's."""
        parts = []
        if self.spooled:
            parts.append(load_recording(self.path).samples[:self.spooled])
        parts.extend(self.memory)
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    def ended(self, memory: list[np.ndarray]) -> EndedDictation:
        """This dictation as it ended, with ``memory`` the samples only memory holds."""
        path = self.path or (self.spool_dir or Path()) / self._name
        return EndedDictation(self.path, self.spooled, memory, path)

    def close(self) -> None:
        """Close the file (the dictation stopped); it stays on disk."""
        if self._file is not None:
            try:
                self._file.close()
            except OSError as error:  # a full disk may refuse the final flush
                log.warning("recorder: closing the spool: %s", error)
            self._file = None

    def close_if_current(self, path: Path) -> None:
        """``path`` is about to be renamed or deleted: forget it if it is this dictation's."""
        if path == self.path:
            self.close()
            self.path, self.spooled = None, 0

    def delete(self, path: Path | None) -> None:
        """Delete a spool file (closing it first when it is this dictation's)."""
        if path is None:
            return
        self.close_if_current(path)
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            log.warning("recorder: could not delete %s: %s", path, error)

    def _failed(self, error: OSError) -> None:
        log.warning("recorder: cannot write %s: %s", self.path or self.spool_dir, error)
        self._on_failed(error.strerror or str(error))
        self.close()
        if not self.spooled:  # an empty file is no use to a retry
            self.delete(self.path)


def try_write(write: Callable[[], None], path: Path) -> str | None:
    """Run ``write``; None when it worked, else why the disk refused (logged)."""
    try:
        write()
        return None
    except OSError as error:
        log.warning("recorder: cannot write %s: %s", path, error)
        return error.strerror or str(error)


def write_rest(ended: EndedDictation, spool_dir: Path | None) -> str | None:
    """Write what only memory holds after what reached the disk; None, or why it failed."""
    if spool_dir is None:
        return "no folder for recordings"
    on_disk = ended.spooled if ended.spool is not None else 0
    return try_write(lambda: write_spool(ended.path, np.concatenate(ended.memory), on_disk),
                     ended.path)


def keep_failed(ended: EndedDictation, spool_dir: Path | None, held: HeldAudio) -> KeptFailure:
    """A failed dictation: all of its audio stays, on disk if it will go there, else ``held``."""
    if not ended.memory:  # all of it is in its spool file (if it has any audio at all)
        if ended.spool is not None and ended.spool.exists():
            log.info("recorder: the failed dictation's audio is kept: %s", ended.spool)
            return KeptFailure(ended.spool)
        return KeptFailure(None)
    error = write_rest(ended, spool_dir)
    if error is None:
        log.info("recorder: the failed dictation's audio is now all on disk: %s", ended.path)
        return KeptFailure(ended.path)
    parts, path = list(ended.memory), ended.path
    if ended.spooled:
        try:
            parts.insert(0, load_recording(ended.spool).samples[:ended.spooled])
        except OSError as read_error:
            # The file stays, offered on its own; the rest is held beside it under a name of
            # its own, so retrying or settling one never deletes the other.
            log.warning("recorder: cannot read back %s: %s", ended.spool, read_error)
            path = path.with_name(f"{path.stem}-rest{SPOOL_SUFFIX}")
    held.hold(path, np.concatenate(parts))
    return KeptFailure(path, error)
