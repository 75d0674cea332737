"""Dictation history in SQLite: what was said, when, and how long it took.

The database lives at ``platformdirs.user_data_path("murmur") / "history.sqlite3"``
(``default_history_path``), but the path is always passed in. It holds what people said, so the
directory is 0700 and the file 0600 whatever the umask (``engine/private_files.py``); SQLite
creates its ``-wal``, ``-shm`` and ``-journal`` files with the database's mode, and ones left
from before are set to 0600 too.

Failures never stop dictation:

* A corrupt database (not SQLite, or a damaged image) is renamed to
  ``history.sqlite3.corrupt-<timestamp>``, a new one is started, and ``notice`` says so.
* A full disk or read-only data dir makes ``add`` raise ``HistoryError`` with one sentence for
  the user; the text was inserted already, only its history entry is missing. The connection is
  opened lazily and retried on the next call, so history resumes once the disk has room.

Threads: every method runs on the GUI thread. That is fine because each call is one small
indexed statement, and with ``journal_mode=WAL`` plus ``synchronous=NORMAL`` a commit appends to
the WAL without an fsync (only checkpoints sync), so ``add`` takes well under a millisecond.
A crash can lose the last entries, never corrupt the file.

``HistoryKeeper`` joins the engine's timings to the controller's finished dictations and adds
the entries, turning a ``HistoryError`` into a ``notice`` for the window.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.logs import describe_text, transcript_log
from engine.private_files import private_dir, touch_private

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    text TEXT NOT NULL,
    audio_seconds REAL NOT NULL,
    time_to_text_seconds REAL NOT NULL,
    engine_seconds REAL NOT NULL,
    model TEXT NOT NULL,
    language TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_created ON entries(created);
"""
_COLUMNS = ("id, created, text, audio_seconds, time_to_text_seconds, engine_seconds, model, "
            "language")
# SQLite's companion files of a database (write-ahead log, its index, the rollback journal).
_JOURNALS = ("-wal", "-shm", "-journal")
# SQLite's primary result codes for "this is not (or no longer) a database".
_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


def default_history_path() -> Path:
    """``$XDG_DATA_HOME/murmur/history.sqlite3`` on Linux (any thread)."""
    import platformdirs

    return platformdirs.user_data_path("murmur") / "history.sqlite3"


class HistoryError(Exception):
    """History could not be read or written; ``str(error)`` is one sentence for the user."""


@dataclass(frozen=True)
class HistoryEntry:
    """One finished dictation.

    Attributes:
        id: Database id (for ``delete``).
        created: When it was added, seconds since the epoch.
        text: The transcript as inserted.
        audio_seconds: Length of the recorded audio.
        time_to_text_seconds: Release of the hotkey to text inserted.
        engine_seconds: Time whisper.cpp spent on it.
        model: Model name or file the transcript came from.
        language: Language Whisper transcribed.
    """

    id: int
    created: float
    text: str
    audio_seconds: float
    time_to_text_seconds: float
    engine_seconds: float
    model: str
    language: str


class History:
    """The history database; nothing is opened until the first call.

    Args:
        path: The database file; its directory is created (0700) when missing.
        clock: Seconds since the epoch (tests pass a fake one).

    Attributes:
        notice: A sentence for the user when a corrupt database was moved aside, else None.
    """

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.notice: str | None = None
        self._clock = clock
        self._db: sqlite3.Connection | None = None

    # ---- GUI thread ---------------------------------------------------------------------------
    def add(self, text: str, audio_seconds: float, time_to_text_seconds: float,
            engine_seconds: float, model: str, language: str) -> HistoryEntry:
        """Store one dictation and return it.

        Raises:
            HistoryError: the disk is full, the data dir is read-only or unreachable.
        """
        created = self._clock()
        values = (created, text, float(audio_seconds), float(time_to_text_seconds),
                  float(engine_seconds), model, language)
        cursor = self._run("INSERT INTO entries (created, text, audio_seconds, "
                           "time_to_text_seconds, engine_seconds, model, language) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)", values, "save the dictation to")
        return HistoryEntry(cursor.lastrowid, *values)

    def entries(self, limit: int = 100) -> list[HistoryEntry]:
        """The newest ``limit`` entries, newest first.

        Raises:
            HistoryError: the database cannot be read.
        """
        rows = self._run(f"SELECT {_COLUMNS} FROM entries ORDER BY created DESC, id DESC "
                         "LIMIT ?", (limit,), "read").fetchall()
        return [HistoryEntry(*row) for row in rows]

    def delete(self, entry_id: int) -> None:
        """Remove one entry (no error if it is gone already)."""
        self._run("DELETE FROM entries WHERE id = ?", (entry_id,), "delete an entry from")

    def clear(self) -> None:
        """Remove every entry, and reclaim the space so deleted text does not linger on disk."""
        self._run("DELETE FROM entries", (), "clear")
        self._run("VACUUM", (), "clear")

    def prune(self, keep_days: int) -> int:
        """Delete entries older than ``keep_days`` days (0 keeps all); return how many went."""
        if keep_days <= 0:
            return 0
        cutoff = self._clock() - keep_days * 86400
        return self._run("DELETE FROM entries WHERE created < ?", (cutoff,),
                         "prune").rowcount

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # ---- internals ----------------------------------------------------------------------------
    def _run(self, sql: str, params: tuple, doing: str, retry: bool = True) -> sqlite3.Cursor:
        try:
            db = self._connection()
            with db:  # one transaction: committed, or rolled back on error
                return db.execute(sql, params)
        except sqlite3.DatabaseError as error:
            if retry and getattr(error, "sqlite_errorcode", None) in _CORRUPT_CODES:
                # Damaged while we were running: keep what is left for the user, start afresh.
                self._move_aside(error)
                return self._run(sql, params, doing, retry=False)
            raise HistoryError(self._explain(doing, error)) from error
        except OSError as error:
            raise HistoryError(self._explain(doing, error)) from error

    def _explain(self, doing: str, error: Exception) -> str:
        log.warning("history: could not %s %s: %s", doing, self.path, error)
        code = getattr(error, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL:
            why = "the disk is full"
        elif code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN) or isinstance(
                error, PermissionError):
            why = "its folder is read-only or cannot be opened"
        else:
            why = str(error)
        return f"Could not {doing} history ({self.path}): {why}."

    def _connection(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        private_dir(self.path.parent)
        # Create the file ourselves so it is 0600 from its first byte, whatever the umask.
        touch_private(self.path)
        for suffix in _JOURNALS:  # SQLite reuses these with their old mode
            if Path(f"{self.path}{suffix}").exists():
                touch_private(f"{self.path}{suffix}")
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as error:
            if getattr(error, "sqlite_errorcode", None) not in _CORRUPT_CODES:
                raise
            self._move_aside(error)
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            # quick_check reads every page once: milliseconds for a history-sized file, and
            # the only way to find a damaged page before a later query trips on it.
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                error = sqlite3.DatabaseError(f"integrity check failed: {verdict}")
                error.sqlite_errorcode = sqlite3.SQLITE_CORRUPT
                raise error
            db.executescript(_SCHEMA)
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self, error: Exception) -> None:
        self.close()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self._clock()))
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        log.warning("history: %s is damaged (%s); moved to %s", self.path, error, aside.name)
        for suffix in ("", *_JOURNALS):  # the journal belongs to the damaged file
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                source.replace(Path(f"{aside}{suffix}"))
        touch_private(self.path)
        self.notice = (f"The history database was damaged; it was kept as {aside.name} and a "
                       "new, empty history was started.")


class HistoryKeeper(QObject):
    """Adds each finished dictation to ``History`` with the engine's timings (GUI thread).

    Connect ``EngineWorker.result_ready`` to ``on_result`` and
    ``DictationController.dictation_finished`` to ``on_dictation_finished``. One dictation runs
    at a time, so the latest result is the one being finished.

    Args:
        history: Where entries go.
        clock: ``time.monotonic`` (tests pass a fake one); measures release → text inserted.

    Signals:
        entry_added(HistoryEntry): for the window's history list.
        notice(str): history could not be saved (the text was inserted all the same).
    """

    entry_added = Signal(object)
    notice = Signal(str)

    def __init__(self, history: History, clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._history = history
        self._clock = clock
        self._result = None  # the latest engine_worker.TranscriptionResult

    def on_result(self, result) -> None:
        self._result = result

    def on_dictation_finished(self, text: str, inject_result: object = None) -> None:
        # The log tells a bug report how much was said; what was said only with --debug.
        log.info("dictation finished: %s", describe_text(text))
        transcript_log.debug("dictation finished: %r", text)
        result, self._result = self._result, None
        audio = engine = 0.0
        time_to_text, model, language = 0.0, "", ""
        if result is not None:
            audio, engine = result.audio_seconds, result.engine_seconds
            time_to_text = max(0.0, self._clock() - result.submitted_at)
            model, language = result.model, result.language
        try:
            entry = self._history.add(text, audio, time_to_text, engine, model, language)
        except HistoryError as error:
            self.notice.emit(str(error))
            return
        self.entry_added.emit(entry)
