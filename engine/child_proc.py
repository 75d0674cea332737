"""One running engine child process: start it, talk to it, stop it and reap it.

``EngineChild`` is ``ProcessEngine``'s handle on one ``python -m engine.engine_child`` (see that
module for the conversation). It is started with ``subprocess`` (fork + exec in C, no Python code
between them: safe in a process with Qt and PortAudio threads), with the app's environment (so
``OMP_NUM_THREADS`` and the like reach whisper.cpp) plus this checkout on ``PYTHONPATH``.

The child's stdout and stderr (its log records and whatever whisper.cpp prints natively, e.g. a
``GGML_ASSERT`` before an abort) are relayed line by line to logging by a ``murmur-engine-log``
thread; the last lines are kept in ``tail`` for the crash report.

Threads: one owner thread calls ``send``/``receive``/``stop``; ``kill`` may come from any thread
(it only sends SIGKILL, which the owner sees as end of file). ``stop`` always waits for the
process, so no zombie is left behind.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import EngineError

if TYPE_CHECKING:  # only an annotation: the launch starts the child before numpy is loaded
    import numpy as np

log = logging.getLogger(__name__)
child_log = logging.getLogger("engine.child")

#: The checkout holding the ``engine`` package: the child imports it from here, and runs there
#: (``-m`` puts the working directory first on ``sys.path``: the user's could hold an ``engine``).
_ROOT = Path(__file__).resolve().parents[1]
#: How long an idle child may take to free the model and exit before it is killed.
EXIT_GRACE_S = 5.0
#: Lines of the child's output kept for the crash report.
TAIL_LINES = 20


#: How often a waiting call checks its ``abort`` callable (file transcription's cancel).
ABORT_POLL_S = 0.1


class ChildGone(Exception):
    """The child closed its end: it exited, crashed or was killed."""


class Aborted(Exception):
    """The caller's ``abort()`` returned True while waiting."""


class Hung(Exception):
    """The deadline passed while waiting."""


def exit_description(returncode: int | None) -> str:
    """``SIGSEGV``, ``SIGKILL, out of memory?``, ``exit code 1``: how a child ended."""
    if returncode is None:
        return "still running"
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"
    # The kernel's out-of-memory killer is the usual sender of an unasked-for SIGKILL.
    return f"{name}, out of memory?" if name == "SIGKILL" else name


class EngineChild:
    """A started ``engine.engine_child`` process and its connection.

    Args:
        model_path: the model the child loads at start.

    Attributes:
        ready: the child's ``Ready`` once the owner received it, else None.
        tail: its last lines of output.
    """

    def __init__(self, model_path: Path):
        self.ready = None
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        ours, theirs = socket.socketpair()
        lifeline_read, self._lifeline = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
        level = logging.getLogger("engine").getEffectiveLevel()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "engine.engine_child", str(model_path),
                 str(theirs.fileno()), str(lifeline_read), str(level)],
                pass_fds=(theirs.fileno(), lifeline_read), env=env, cwd=_ROOT,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except BaseException as error:
            ours.close()
            os.close(self._lifeline)
            if isinstance(error, OSError):
                raise EngineError(f"Could not start the speech engine: {error}") from error
            raise
        finally:
            theirs.close()
            os.close(lifeline_read)
        self.pid = self.process.pid
        self._conn = Connection(ours.detach())
        self._relay = threading.Thread(target=self._relay_output, name="murmur-engine-log",
                                       daemon=True)
        self._relay.start()
        log.debug("started engine process %d for %s", self.pid, model_path)

    def _relay_output(self) -> None:
        """``murmur-engine-log`` thread: the child's lines to logging, at their level."""
        with self.process.stdout as stream:
            for raw in stream:
                line = raw.decode("utf-8", errors="replace").rstrip()
                if not line:
                    continue
                self.tail.append(line)
                name, _, rest = line.partition(" ")
                level = logging.getLevelName(name)
                if isinstance(level, int):
                    child_log.log(level, "[%d] %s", self.pid, rest)
                else:  # printed natively (whisper.cpp, ggml) or a traceback's line
                    child_log.warning("[%d] %s", self.pid, line)

    def send(self, request: object, samples: np.ndarray | None = None) -> None:
        """Send ``request`` and the float32 ``samples`` as raw bytes (no pickling of audio);
        a message without samples (``Rest``) sends none."""
        try:
            self._conn.send(request)
            if samples is not None:
                self._conn.send_bytes(samples)
        except (BrokenPipeError, ConnectionResetError, EOFError) as error:
            raise ChildGone() from error

    def receive(self, deadline: float | None, abort: Callable[[], bool] | None = None,
                every: float = ABORT_POLL_S) -> object:
        """The child's next message.

        Waits without polling when neither ``deadline`` nor ``abort`` is given; else checks
        them ``every`` seconds.

        Raises:
            ChildGone: the child ended (crash, kill, exit).
            Hung: ``deadline`` (a ``time.monotonic()``) passed first.
            Aborted: ``abort()`` returned True first.
        """
        while True:
            step = None if deadline is None else max(0.0, deadline - time.monotonic())
            if abort is not None:
                step = every if step is None else min(step, every)
            try:
                if self._conn.poll(step):
                    return self._conn.recv()
            except (EOFError, ConnectionResetError, OSError) as error:
                raise ChildGone() from error
            if abort is not None and abort():
                raise Aborted()
            if deadline is not None and time.monotonic() >= deadline:
                raise Hung()

    def exited(self) -> bool:
        return self.process.poll() is not None

    def kill(self) -> None:
        """SIGKILL (any thread); the owner still calls ``stop`` to reap."""
        try:
            self.process.kill()
        except ProcessLookupError:
            pass

    def stop(self, kill: bool = False) -> int:
        """End the child (close its connection; SIGKILL with ``kill`` or when it does not exit
        within ``EXIT_GRACE_S``), reap it, and return its exit status (negative: the signal)."""
        if kill:
            self.kill()
        self._conn.close()  # end of file: an idle child frees the model and exits
        try:
            code = self.process.wait(EXIT_GRACE_S)
        except subprocess.TimeoutExpired:
            log.warning("engine process %d did not exit; killing it", self.pid)
            self.process.kill()
            code = self.process.wait()
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None
        self._relay.join()
        return code

