"""Dictations whose audio is kept without text: offered for transcription, or discarded.

A dictation's audio is kept on disk (``app/recorder.py``'s spool, 0600 files in a 0700 dir)
when it ended without text in history: the app was killed mid-dictation (found at the next
start), or it failed (device gone, engine crashed: ``RingRecorder.kept``). ``KeptRecordings``
lists them with their time and length, transcribes one through the engine worker (the text goes
to history and the clipboard, never pasted: the window the user spoke into may be long gone),
and discards one. A failed dictation that the disk refused is held in memory by the recorder
(``RingRecorder.held``) and offered the same way, marked ``in_memory``. It also enforces the
retention setting (``app.kept_audio.Retention``) at start and after each dictation; the files
themselves are read and listed by ``app/kept_audio.py``.

Engine jobs: the controller numbers its jobs 1, 2, 3…; ours are -1, -2, … so a result can never
be mistaken for the controller's (its ``transcribed`` drops jobs that are not its current one).
We only submit while the controller is idle; the worker skips a queued job once a newer one is
submitted, so if a dictation overtook ours we submit it again when the controller is idle again
and take whichever answer comes first.

Threads: GUI thread (the worker answers with queued signals).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.kept_audio import KeptRecording, apply_retention, list_kept, load_recording, read_label
from app.retention import KeepAudio, Retention
from app.state import State

log = logging.getLogger(__name__)


class KeptRecordings(QObject):
    """The kept dictations, and what the user can do with them.

    Args:
        spool_dir: The recorder's spool dir.
        recorder: ``RingRecorder`` (``in_use``, ``settle``, ``keep_transcribed``).
        transcriber: ``EngineWorker`` (``submit``); connect its ``transcribed`` and
            ``transcription_failed`` to ``on_transcribed`` / ``on_failed``.
        clean: Whisper's raw text → the text to keep ("" when nothing was said).
        record: Puts a text in history (``HistoryKeeper.on_dictation_finished``).
        copy: Puts a text on the clipboard.
        retention: The retention setting, or a function returning the current one (read
            each time it is enforced, so a settings change applies from the next dictation).

    Signals:
        changed(): the list, or what is being transcribed, changed.
        notice(str): one sentence for the user.
    """

    changed = Signal()
    notice = Signal(str)

    def __init__(self, spool_dir: Path, recorder, transcriber, clean: Callable[[str], str],
                 record: Callable[[str], None], copy: Callable[[str], None],
                 retention: Retention | Callable[[], Retention] = Retention(),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._dir = spool_dir
        self._recorder = recorder
        self._transcriber = transcriber
        self._clean, self._record, self._copy = clean, record, copy
        self._retention = retention if callable(retention) else (lambda: retention)
        self._recorder.keep_transcribed = self._retention().policy is KeepAudio.DAYS
        self._items: list[KeptRecording] = []
        self._queue: list[Path] = []  # to transcribe, in order; [0] is submitted when _jobs
        self._jobs: set[int] = set()  # engine jobs whose answer is [0]'s
        self._last_job = 0
        self._idle = True  # the controller's state allows a job of ours
        self._overtaken = False
        self.failed_here: set[Path] = set()  # failed during this run: the banner says "Retry"
        self.refresh()

    # ---- what the views read ------------------------------------------------------------------
    def recordings(self) -> list[KeptRecording]:
        return list(self._items)

    def transcribing(self) -> Path | None:
        """The recording being transcribed now, if any."""
        return self._queue[0] if self._jobs else None

    def summary(self) -> list[dict]:
        """For ``status --json``: file, start time, seconds, whether it is being retried, and
        whether it is only in memory (lost if Murmur quits)."""
        return [{"file": k.path.name, "started": k.started.isoformat(timespec="seconds"),
                 "seconds": round(k.seconds, 1), "transcribing": k.path == self.transcribing(),
                 "in_memory": k.in_memory}
                for k in self._items]

    # ---- user intents -------------------------------------------------------------------------
    def transcribe(self, path: Path) -> None:
        """Queue ``path`` for transcription (it starts once the controller is idle)."""
        if path not in self._queue:
            self._queue.append(path)
        self._submit_next()
        self.changed.emit()

    def transcribe_all(self) -> int:
        """Queue every kept recording, oldest first; returns how many."""
        queued = [kept.path for kept in self._items if kept.path not in self._queue]
        self._queue.extend(queued)
        self._submit_next()
        self.changed.emit()
        return len(queued)

    def discard(self, path: Path) -> None:
        """Delete a kept recording without transcribing it."""
        if path == self.transcribing():
            self.notice.emit("That dictation is being transcribed; discard it when it is done.")
            return
        if path in self._queue:
            self._queue.remove(path)
        self._recorder.held.drop(path)
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            self.notice.emit(f"Could not delete the kept dictation: {error.strerror or error}.")
        self.failed_here.discard(path)
        self.refresh()

    def set_retention(self, retention: Retention) -> None:
        """Use ``retention`` from now on (settings changed); applies it at once."""
        self._retention = lambda: retention
        self.enforce_retention()

    def enforce_retention(self) -> None:
        """Delete what the retention no longer allows (at start and after each dictation)."""
        retention = self._retention()
        self._recorder.keep_transcribed = retention.policy is KeepAudio.DAYS
        keep = self._recorder.in_use() | set(self._queue)
        held = self._recorder.held
        if held:  # the disk refused them: it may have room now
            self._recorder.save_held()
        if apply_retention(self._dir, retention, keep) + held.expire(retention):
            self.refresh()

    def refresh(self) -> None:
        held = self._recorder.held
        on_disk = [k for k in list_kept(self._dir, self._recorder.in_use()) if k.path not in held]
        self._items = sorted(on_disk + held.recordings(), key=lambda k: (k.started, k.path.name))
        self.changed.emit()

    # ---- signals from the recorder, the controller and the engine worker -----------------------
    def on_kept(self, path: Path) -> None:
        """``RingRecorder.kept``: a dictation failed and its audio stays for a retry."""
        self.failed_here.add(Path(path))
        self.refresh()

    def on_state_changed(self, state: State) -> None:
        """``DictationController.state_changed``; connect it after the recorder's."""
        self._idle = state in (State.IDLE, State.ERROR)
        # A retention changed in the settings applies to the dictation starting now.
        self._recorder.keep_transcribed = self._retention().policy is KeepAudio.DAYS
        if not self._idle:
            self._overtaken = self._overtaken or bool(self._jobs)
            return
        self.enforce_retention()
        self.refresh()
        if self._overtaken and self._jobs:
            # A dictation's job was submitted after ours: the worker may have skipped ours.
            self._overtaken = False
            self._submit(self._queue[0])
        self._submit_next()

    def on_transcribed(self, job: int, text: str) -> None:
        if job not in self._jobs:
            return
        path = self._done()
        kept = self._label(path)
        cleaned = self._clean(text)
        if cleaned.strip():
            self._record(cleaned)
            self._copy(cleaned)
            self.notice.emit(f"The dictation from {kept} is transcribed: it is in the history "
                             "and on the clipboard.")
        else:
            self.notice.emit(f"Nothing was heard in the dictation from {kept}.")
        self._recorder.settle(path)
        self.failed_here.discard(path)
        self._after_job()

    def on_failed(self, job: int, message: str) -> None:
        if job not in self._jobs:
            return
        path = self._done()
        self._queue.clear()  # the engine is in trouble: the rest would fail the same way
        self.failed_here.add(path)
        where = (" in memory only (the disk refused it; it is lost if Murmur quits)"
                 if path in self._recorder.held else "")
        self.notice.emit(f"The dictation from {self._label(path)} could not be transcribed "
                         f"({message.rstrip('.')}); its audio is kept{where} for another try.")
        self._after_job()

    # ---- internals ----------------------------------------------------------------------------
    def _done(self) -> Path:
        self._jobs.clear()
        self._overtaken = False
        return self._queue.pop(0)

    def _after_job(self) -> None:
        self.refresh()
        self._submit_next()

    def _submit_next(self) -> None:
        while self._queue and not self._jobs and self._idle:
            path = self._queue[0]
            if self._submit(path):
                return
            self._queue.pop(0)

    def _label(self, path: Path) -> str:
        held = [k for k in self._recorder.held.recordings() if k.path == path]
        return held[0].label() if held else read_label(path)

    def _submit(self, path: Path) -> bool:
        samples = self._recorder.held.samples(path)  # the disk refused it: from memory
        if samples is None:
            try:
                samples = load_recording(path).samples
            except OSError as error:
                self.notice.emit(f"Could not read the kept dictation {path.name}: "
                                 f"{error.strerror or error}.")
                return False
        self._last_job -= 1
        self._jobs.add(self._last_job)
        log.info("transcribing kept dictation %s as job %d", path.name, self._last_job)
        self._transcriber.submit(self._last_job, samples)
        return True

