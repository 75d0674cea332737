"""The dictation audio kept on disk: spool file names, reading one back, listing, retention.

``app/recorder.py`` writes each dictation's audio to a spool file (raw float32, 16 kHz mono,
0600 in a 0700 dir) named ``dictation-<start time>-<pid>-<ns>.f32``; settled audio that the
"keep for N days" retention keeps is renamed ``transcribed-dictation-….f32``. This module is the
Qt-free part: what those files are and how long they stay (``Retention``).
``app/kept_recordings.py`` offers the untranscribed ones to the user.

A failed dictation whose audio the disk refused (full, read-only) is held in memory instead
(``HeldAudio``), under the spool path it would have had; ``write_spool`` tries the disk again.

Threads: any (plain files; the single instance means only one process writes the dir);
``HeldAudio`` is used by the GUI thread only.
"""
from __future__ import annotations

import errno
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from app.retention import KeepAudio, Retention

log = logging.getLogger(__name__)

SPOOL_SUFFIX = ".f32"  # raw little-endian float32, 16 kHz mono
SPOOL_PREFIX = "dictation-"  # not yet transcribed
TRANSCRIBED_PREFIX = "transcribed-"  # transcribed, kept only by the "N days" retention
SPOOL_RATE = 16_000
SPOOL_DTYPE = np.dtype("<f4")
DAY_S = 86_400


@dataclass(frozen=True)
class RecordedAudio:
    """One dictation's audio, what ``finish`` hands the transcriber.

    Attributes:
        samples: float32 samples at 16 kHz.
        lost_samples: Samples the ring overwrote before they were copied out (0 normally).
        spool: The file keeping a copy until ``settle``; None when kept only in memory.
    """

    samples: np.ndarray
    lost_samples: int = 0
    spool: Path | None = None


def default_spool_dir() -> Path:
    """``$XDG_DATA_HOME/murmur/recordings`` (any thread)."""
    import platformdirs

    return platformdirs.user_data_path("murmur") / "recordings"


def unfinished_recordings(spool_dir: Path) -> list[Path]:
    """Spool files a previous run left behind (it was killed mid-dictation), oldest first.

    Call it at start-up, before the first dictation: the single instance guarantees no other
    process is writing there.
    """
    if not spool_dir.is_dir():
        return []
    return sorted(spool_dir.glob(f"{SPOOL_PREFIX}*{SPOOL_SUFFIX}"))


def load_recording(path: Path) -> RecordedAudio:
    """Read a spool file back (a trailing partial sample from a crash is ignored)."""
    data = path.read_bytes()
    samples = np.frombuffer(data[:len(data) - len(data) % SPOOL_DTYPE.itemsize], SPOOL_DTYPE)
    return RecordedAudio(samples.astype(np.float32), 0, path)


@dataclass(frozen=True)
class KeptRecording:
    """One kept dictation: its file, when it was started, and how long it is."""

    path: Path
    started: datetime
    seconds: float
    in_memory: bool = False  # the disk refused it (``HeldAudio``): lost if Murmur quits

    def label(self) -> str:
        """``10:32 (14 s)``, or with the date when it is not today's."""
        when = self.started.strftime("%H:%M") if self.started.date() == datetime.now().date() \
            else self.started.strftime("%d %b %H:%M")
        return f"{when} ({self.seconds:.0f} s)"


def _named_start(path: Path) -> datetime | None:
    stamp = "-".join(path.stem.split("-")[-4:-2])  # dictation-YYYYmmdd-HHMMSS-pid-ns
    try:
        return datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def read_kept(path: Path) -> KeptRecording:
    """Describe a spool file (its name carries the start time; the mtime otherwise)."""
    stat = path.stat()
    started = _named_start(path) or datetime.fromtimestamp(stat.st_mtime)
    return KeptRecording(path, started, stat.st_size // SPOOL_DTYPE.itemsize / SPOOL_RATE)


def list_kept(spool_dir: Path, in_use: set[Path] = frozenset()) -> list[KeptRecording]:
    """Untranscribed dictations in ``spool_dir``, oldest first, except those ``in_use``."""
    found = []
    for path in unfinished_recordings(spool_dir):
        if path in in_use:
            continue
        try:
            found.append(read_kept(path))
        except OSError:  # deleted meanwhile
            continue
    return found


def apply_retention(spool_dir: Path, retention: Retention, in_use: set[Path] = frozenset(),
                    now: float | None = None) -> int:
    """Delete the audio the retention no longer allows; returns how many files went.

    ``UNTIL_TRANSCRIBED``: audio marked transcribed goes (kept by an earlier "N days"), while
    untranscribed audio stays until transcribed or discarded. ``DAYS``: anything older goes.
    """
    if not spool_dir.is_dir():
        return 0
    now = time.time() if now is None else now
    deleted = 0
    for path in spool_dir.glob(f"*{SPOOL_SUFFIX}"):
        if path in in_use:
            continue
        try:
            if retention.policy is KeepAudio.DAYS:
                expired = now - path.stat().st_mtime > retention.days * DAY_S
            else:
                expired = path.name.startswith(TRANSCRIBED_PREFIX)
            if expired:
                path.unlink()
                deleted += 1
        except OSError as error:
            log.warning("kept recordings: could not delete %s: %s", path, error)
    return deleted


def read_label(path: Path) -> str:
    """``KeptRecording.label`` of ``path``, or its name when it is gone."""
    try:
        return read_kept(path).label()
    except OSError:
        return path.name


def write_spool(path: Path, rest: np.ndarray, on_disk: int = 0) -> None:
    """Make ``path`` a whole spool file: its first ``on_disk`` samples are there already (the
    part of a dictation that reached the disk before it filled up), ``rest`` follows them.

    Only ``rest`` is written, which asks the least of a disk that was full. It is synced, so
    a full disk says so here and not later. On failure the file is left as it was (cut back to
    ``on_disk`` samples, or removed when there were none) and ``OSError`` is raised.
    """
    keep = on_disk * SPOOL_DTYPE.itemsize
    data = memoryview(np.ascontiguousarray(rest, SPOOL_DTYPE).tobytes())
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | (0 if keep else os.O_CREAT), 0o600)
    try:
        if os.fstat(fd).st_size < keep:  # never pad the missing part with silence
            raise OSError(errno.EIO, f"{path.name} lost part of its audio")
        os.ftruncate(fd, keep)  # drops a torn sample that a failed write left at the end
        os.lseek(fd, keep, os.SEEK_SET)
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    except OSError:
        try:
            if keep:
                if os.fstat(fd).st_size > keep:
                    os.ftruncate(fd, keep)  # shrinking works on a full disk
            else:
                os.unlink(path)
        except OSError as error:
            log.warning("kept audio: could not undo a failed write of %s: %s", path, error)
        raise
    finally:
        os.close(fd)


def complete_spool(path: Path, samples: np.ndarray) -> None:
    """``write_spool`` for a whole dictation's ``samples``, of which ``path`` may hold the
    first part already (what reached the disk before it filled)."""
    try:
        on_disk = min(path.stat().st_size // SPOOL_DTYPE.itemsize, len(samples))
    except FileNotFoundError:
        on_disk = 0
    write_spool(path, samples[on_disk:], on_disk)


class HeldAudio:
    """Failed dictations' audio that the disk refused, held in memory until transcribed,
    discarded, or written out (``save``) once the disk takes it.

    Each is known by the spool path it would have had (``dictation-….f32`` in the spool dir), so
    it is offered, retried and discarded like a file. A part that reached the disk before it
    filled stays there too (it survives a crash); the samples here are the whole dictation.
    """

    def __init__(self) -> None:
        self._held: dict[Path, tuple[np.ndarray, float]] = {}  # samples, when held (time.time)

    def __contains__(self, path: object) -> bool:
        return path in self._held

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, path: Path, samples: np.ndarray) -> None:
        self._held[path] = (samples, time.time())

    def samples(self, path: Path) -> np.ndarray | None:
        held = self._held.get(path)
        return None if held is None else held[0]

    def drop(self, path: Path) -> np.ndarray | None:
        """Forget ``path``'s audio; returns it (None when it was not held)."""
        held = self._held.pop(path, None)
        return None if held is None else held[0]

    def recordings(self) -> list[KeptRecording]:
        return [KeptRecording(path, _named_start(path) or datetime.fromtimestamp(since),
                              len(samples) / SPOOL_RATE, in_memory=True)
                for path, (samples, since) in self._held.items()]

    def save(self) -> list[Path]:
        """Try to write each to its spool path; those written are no longer held. Returns them."""
        saved = []
        for path, (samples, _since) in list(self._held.items()):
            try:
                complete_spool(path, samples)
            except OSError as error:
                log.warning("kept audio: %s still cannot be written: %s", path.name, error)
                continue
            del self._held[path]
            saved.append(path)
        return saved

    def expire(self, retention: Retention, now: float | None = None) -> int:
        """The "N days" retention applies here too; returns how many were dropped."""
        if retention.policy is not KeepAudio.DAYS:
            return 0
        now = time.time() if now is None else now
        old = [p for p, (_, since) in self._held.items() if now - since > retention.days * DAY_S]
        for path in old:
            del self._held[path]
        return len(old)
