"""The parts the dictation controller drives, as small interfaces (``typing.Protocol``).

``main.py`` passes the real ones (``app.recorder.RingRecorder``, ``app.engine_worker.EngineWorker``,
``desktop.inject.Injector``); tests pass fakes that log what they were asked. Written down here,
apart from the controller, because three modules call them: ``app.controller``,
``app.deferred_start`` (mark / unmark / position / begin from a mark) and ``app.insertion``
(insert / reinsert on the insertion worker).
"""
from __future__ import annotations

from typing import Protocol

from desktop.inject import InjectOptions, InjectResult
from desktop.xwindow import WindowInfo


class Recorder(Protocol):
    """The microphone side of a dictation (GUI thread, non-blocking)."""

    def begin(self, from_index: int | None = None, pressed_at: float | None = None) -> None:
        """A dictation starts: keep audio from now, or from the key press at ``pressed_at``
        (plus pre-roll), or from ``mark``'s index."""

    def finish(self, until: int | None = None) -> object:
        """The dictation ends (at ``position``'s index if given): return its audio."""

    def abort(self) -> None:
        """The dictation was cancelled or failed: drop its audio."""

    def mark(self, pressed_at: float | None = None) -> int:
        """A start while busy (its key pressed at ``pressed_at``, if a key): hold the
        microphone, return where the dictation will begin."""

    def unmark(self) -> None:
        """That deferred start was cancelled: let the microphone go."""

    def position(self) -> int:
        """Where now is in the audio (a deferred start's stop)."""


class Transcriber(Protocol):
    def submit(self, job: int, audio: object) -> None:
        """Start transcribing (GUI thread, returns at once); answer via the controller's
        ``transcribed(job, text)`` or ``transcription_failed(job, message)``."""


class Inserter(Protocol):
    """``desktop.inject.Injector``: ``remember_target`` on the GUI thread, the rest on the
    insertion worker."""

    def remember_target(self) -> WindowInfo | None: ...

    def insert(self, text: str, target: WindowInfo | None,
               options: InjectOptions) -> InjectResult: ...

    def reinsert(self, text: str, target: WindowInfo | None,
                 options: InjectOptions) -> InjectResult:
        """Like ``insert``, but brings ``target`` to the front first ("Paste again")."""
