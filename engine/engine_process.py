"""whisper.cpp in a child process, so that a crash inside it cannot take the app down.

``ProcessEngine`` has ``WhisperEngine``'s interface (``model_path``, ``transcribe``, ``close``,
context manager; ``load_process_engine`` matches ``load_engine``) but the model lives in
``engine/engine_child.py``, a fresh interpreter started by ``EngineChild`` (engine/child_proc.py).
An abort or segfault in native code ends only that process: the call under way raises
``EngineCrashed`` naming the signal, and a new child loads the model at once, so the next call
finds it warm. Load failures arrive as the same ``ModelFileError``/``EngineError`` (by class
name and message) the in-process loader raises.

Cost per call: the samples cross a Unix socket once (a 40 s dictation is 2.5 MB) and a few small
pickles go back and forth; ``bench/engine_process.py`` measures it against the in-process engine.

No timeout cuts a transcription short while it may still be working: only a bound far beyond any
real run (``stuck_after``) stops a child that hangs. ``close()`` from another thread ends a call
under way at once. ``rest()`` tells the child that nothing more is coming soon, so that it gives
whisper.cpp's grown working memory back now rather than after its idle period
(engine/engine_child.py, Memory).

Threads: ``transcribe`` runs on the caller's thread, one call at a time (a lock, as in
``WhisperEngine``); ``rest`` runs on the caller's thread and skips a child in a call; ``close``
may be called from any thread. ``busy`` is set (from the calling
thread) when the child starts ``whisper_full`` and cleared when the call ends.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine import errors
from engine.child_proc import ABORT_POLL_S, Aborted, ChildGone, EngineChild, Hung, exit_description
from engine.engine_messages import Busy, Done, Failed, Ready, Request, Rest, Stop, Stopped
from engine.errors import EngineCrashed, EngineError, MurmurError, TranscriptionStopped
from engine.options import SAMPLE_RATE, TranscribeOptions, Transcript

if TYPE_CHECKING:  # imported where samples are sent: the launch starts the child before numpy
    import numpy as np

log = logging.getLogger(__name__)

#: A load that takes longer than this is a hung child (a large model from a slow disk: ~30 s).
LOAD_TIMEOUT_S = 300.0
#: A transcription is taken for hung after this long plus ``STUCK_PER_AUDIO_S`` per second of
#: audio: twenty times real time is far slower than any Whisper model on any CPU we support.
STUCK_BASE_S = 300.0
STUCK_PER_AUDIO_S = 20.0
#: How often a stoppable call asks its ``stop_when``: the child then stops within one decoder
#: pass (~8 ms) or at the end of its encoder, so this adds at most a step of that size.
STOP_POLL_S = 0.01


def stuck_after(audio_seconds: float) -> float:
    """Seconds after which a transcription of ``audio_seconds`` counts as hung."""
    return STUCK_BASE_S + STUCK_PER_AUDIO_S * audio_seconds


def _user_error(failed: Failed) -> MurmurError:
    """The child's error as the same engine.errors class (EngineError for anything else)."""
    kind = getattr(errors, failed.kind, None)
    if not (isinstance(kind, type) and issubclass(kind, MurmurError)):
        kind = EngineError
    return kind(failed.message)


class _Checks:
    """What a waiting ``transcribe`` checks: ``abort`` (kill the child) and ``stop_when`` (send
    it ``Stop``, once)."""

    def __init__(self, child: EngineChild, abort: Callable[[], bool] | None,
                 stop_when: Callable[[], bool] | None) -> None:
        self._child, self._abort, self._stop_when = child, abort, stop_when
        self.any = abort is not None or stop_when is not None

    def aborted(self) -> bool:
        if self._stop_when is not None and self._stop_when():
            self._stop_when = None
            self._child.send(Stop())  # ChildGone here ends the call as a crash would
        return self._abort is not None and self._abort()


class ProcessEngine:
    """A whisper.cpp model loaded in a child process.

    Args:
        model_path: a whisper.cpp ggml ``.bin`` file.

    Raises:
        ModelFileError: the file is missing, truncated, corrupt or not a ggml Whisper model.
        EngineError: whisper.cpp refused the file.
        EngineCrashed: the child died while loading.

    Attributes:
        busy: set while the child runs ``whisper_full`` for a call.
    """

    def __init__(self, model_path: Path, started: EngineChild | None = None):
        self.model_path = Path(model_path).absolute()
        self.busy = threading.Event()
        self._lock = threading.Lock()
        self._closed = False
        # ``started``: a child already loading this model (``early_process_engine``).
        self._child: EngineChild | None = started or EngineChild(self.model_path)
        self._ready(self._child)

    @property
    def pid(self) -> int | None:
        """The child's process id (None after ``close``)."""
        child = self._child
        return child.pid if child is not None else None

    def _ready(self, child: EngineChild) -> EngineChild:
        """Wait for ``child`` to report its model loaded; raise its load error otherwise."""
        if child.ready is not None:
            return child
        try:
            reply = child.receive(time.monotonic() + LOAD_TIMEOUT_S)
        except (ChildGone, Hung) as gone:
            self._child = None
            code = child.stop(kill=True)
            if self._closed:
                raise EngineError("The speech engine was closed.") from None
            if isinstance(gone, Hung):
                raise EngineCrashed(f"The speech engine did not load {self.model_path.name} "
                                    f"within {LOAD_TIMEOUT_S:.0f} s and was stopped.") from None
            raise EngineCrashed(
                f"The speech engine crashed ({exit_description(code)}) while loading "
                f"{self.model_path.name}; if it happens again, the model file may be damaged: "
                "download or import it again.") from None
        if isinstance(reply, Failed):
            self._child = None
            child.stop()
            raise _user_error(reply)
        assert isinstance(reply, Ready), reply
        child.ready = reply
        self.info, self.multilingual, self.load_seconds = (
            reply.info, reply.multilingual, reply.load_seconds)
        log.info("engine process %d loaded %s in %.2f s", child.pid, self.model_path.name,
                 reply.load_seconds)
        return child

    def _current(self) -> EngineChild:
        """The child to use now: started again if it is gone (an idle child killed from
        outside costs this call a reload, not a failure)."""
        if self._closed:
            raise EngineError("The speech engine was closed.")
        child = self._child
        if child is not None and child.ready is not None and child.exited():
            log.warning("engine process %d ended while idle (%s); starting it again",
                        child.pid, exit_description(child.stop()))
            child = None
        if child is None:
            child = self._child = EngineChild(self.model_path)
        return self._ready(child)

    def transcribe(self, audio: np.ndarray, options: TranscribeOptions | None = None,
                   abort: Callable[[], bool] | None = None,
                   stop_when: Callable[[], bool] | None = None) -> Transcript:
        """Transcribe 16 kHz mono float32 samples in the child.

        Args:
            audio: 1-D samples in [-1, 1] at 16 kHz.
            options: what to ask of the model; defaults follow the user's locale.
            abort: polled while waiting; when it returns True the child is stopped (it starts
                again on the next call) and ``EngineError`` is raised.
            stop_when: polled every ``STOP_POLL_S`` on this thread; once it returns True the
                child is told to ``Stop`` and stays loaded: whisper.cpp stops at its next check
                (``WhisperEngine.transcribe``) and ``TranscriptionStopped`` is raised, unless the
                decode ended first.

        Raises:
            EngineCrashed: the child died (or hung) during the call; a new one is loading.
            EngineError, ModelFileError: as ``WhisperEngine`` raises them.
            TranscriptionStopped: ``stop_when`` asked for it.
        """
        import numpy as np  # here, not at the top: the launch starts the engine before numpy

        options = options or TranscribeOptions()
        samples = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        with self._lock:
            for attempt in (1, 2):
                child = self._current()
                started = False
                deadline = time.monotonic() + stuck_after(samples.size / SAMPLE_RATE)
                check = _Checks(child, abort, stop_when)
                try:
                    child.send(Request(options, stoppable=stop_when is not None), samples)
                    while True:
                        reply = child.receive(deadline, check.aborted if check.any else None,
                                              STOP_POLL_S if stop_when else ABORT_POLL_S)
                        if not isinstance(reply, Busy):
                            break
                        started = True
                        self.busy.set()
                except ChildGone:
                    if started or attempt == 2 or self._closed:
                        raise self._lost(child, None) from None
                    # It died before it took this call (killed while idle; the kernel lets go
                    # of a big process only after a while): a fresh one takes it.
                    self._child = None
                    log.warning("engine process %d ended (%s) before it took the call; "
                                "starting it again", child.pid,
                                exit_description(child.stop(kill=True)))
                    continue
                except Hung:
                    raise self._lost(child, deadline) from None
                except Aborted:
                    self._child = None
                    child.stop(kill=True)
                    raise EngineError("Transcription cancelled.") from None
                finally:
                    self.busy.clear()
                break
        if isinstance(reply, Failed):
            raise _user_error(reply)
        if isinstance(reply, Stopped):
            raise TranscriptionStopped(reply.engine_seconds)
        assert isinstance(reply, Done), reply
        return reply.transcript

    def rest(self) -> None:
        """Nothing more is coming soon (a dictation or job is over): let the child give its
        grown memory back now. Never raises and never waits for the child: a call under way, a
        child still loading, gone or closed is simply not told (the next ``transcribe`` starts
        a new one as always). A request sent meanwhile waits for the reload (~0.15 s)."""
        if self._closed or not self._lock.acquire(blocking=False):
            return  # a call or a close under way: not resting
        try:
            child = self._child
            if child is None or child.ready is None or child.exited():
                return
            # A few bytes into the socket's buffer, which the child drains between calls.
            child.send(Rest())
        except (ChildGone, OSError) as error:
            log.debug("engine process not told to rest: %s", str(error) or type(error).__name__)
        finally:
            self._lock.release()

    def _lost(self, child: EngineChild, deadline: float | None) -> EngineError:
        """The child died or hung during a call: reap it, start the next one, say what happened."""
        self._child = None
        code = child.stop(kill=True)
        if self._closed:
            return EngineError("The speech engine was closed.")
        self._child = EngineChild(self.model_path)  # loads while the user reads the message
        if deadline is not None:
            log.error("engine process %d hung; stopped it", child.pid)
            what = "stopped responding"
        else:
            log.error("engine process %d died (%s) while transcribing; last output: %s",
                      child.pid, exit_description(code), " | ".join(child.tail) or "none")
            what = f"crashed ({exit_description(code)})"
        return EngineCrashed(f"The speech engine {what} while transcribing; the recording is "
                             "kept and the engine is restarting.")

    def close(self) -> None:
        """Stop the child and wait for it to end; a call under way ends with ``EngineError``."""
        self._closed = True
        if not self._lock.acquire(blocking=False):
            child = self._child
            if child is not None:
                child.kill()  # the calling thread wakes up (end of file), reaps it and lets go
            self._lock.acquire()
        try:
            child, self._child = self._child, None
            if child is not None:
                child.stop()
        finally:
            self._lock.release()

    def __enter__(self) -> ProcessEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def load_process_engine(model_path: Path) -> ProcessEngine:
    """``load_engine`` with the model in a child process (same errors, plus ``EngineCrashed``)."""
    return ProcessEngine(Path(model_path))


def early_process_engine(model_path: Path) -> Callable[[Path], ProcessEngine]:
    """Start the child that loads ``model_path`` now; return a ``load_process_engine`` that
    adopts it.

    The app calls this as early in its launch as it knows the model, so the model loads while
    the app imports and builds the rest: launch → ready is then the longer of the two, not the
    load after most of the launch. The first load takes the waiting child if it is for that
    model (otherwise the child is stopped); every later load starts a child of its own. A child
    never taken ends with the app (its lifeline, engine/child_proc.py).
    """
    path = Path(model_path).absolute()
    try:
        waiting = [EngineChild(path)]
    except EngineError as error:  # the first load tries again and reports it
        log.warning("%s", error)
        waiting = []

    def load(requested: Path) -> ProcessEngine:
        started = waiting.pop() if waiting else None
        if started is not None and Path(requested).absolute() != path:
            started.stop(kill=True)
            started = None
        return ProcessEngine(Path(requested), started)

    return load
