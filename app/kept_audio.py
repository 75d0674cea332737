"""The dictation audio kept on disk: spool file names, reading one back, listing, retention.

``app/recorder.py`` writes each dictation's audio to a spool file (raw float32, 16 kHz mono,
0600 in a 0700 dir) named ``dictation-<start time>-<pid>-<ns>.f32``; settled audio that the
"keep for N days" retention keeps is renamed ``transcribed-dictation-….f32``. This module is the
Qt-free part: what those files are and how long they stay (``Retention``).
``app/kept_recordings.py`` offers the untranscribed ones to the user.

Threads: any (plain files; the single instance means only one process writes the dir).
"""
from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

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


class KeepAudio(enum.Enum):
    """How long a dictation's audio is kept; ``value`` is the word in the settings file."""

    UNTIL_TRANSCRIBED = "until_transcribed"  # deleted once its text is in history
    DAYS = "days"  # every dictation's audio, transcribed or not, for ``Retention.days``


@dataclass(frozen=True)
class Retention:
    """The retention setting: ``policy``, and ``days`` for ``KeepAudio.DAYS``."""

    policy: KeepAudio = KeepAudio.UNTIL_TRANSCRIBED
    days: int = 7


@dataclass(frozen=True)
class KeptRecording:
    """One kept dictation: its file, when it was started, and how long it is."""

    path: Path
    started: datetime
    seconds: float

    def label(self) -> str:
        """``10:32 (14 s)``, or with the date when it is not today's."""
        when = self.started.strftime("%H:%M") if self.started.date() == datetime.now().date() \
            else self.started.strftime("%d %b %H:%M")
        return f"{when} ({self.seconds:.0f} s)"


def read_kept(path: Path) -> KeptRecording:
    """Describe a spool file (its name carries the start time; the mtime otherwise)."""
    stat = path.stat()
    stamp = "-".join(path.stem.split("-")[-4:-2])  # dictation-YYYYmmdd-HHMMSS-pid-ns
    try:
        started = datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    except ValueError:
        started = datetime.fromtimestamp(stat.st_mtime)
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
