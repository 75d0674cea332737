"""The speech engine's own process: load ``WhisperEngine`` once, answer requests over a pipe.

``engine/engine_process.py`` starts it as a fresh interpreter (never a fork of the app, whose
Qt and PortAudio threads a fork would copy half-way)::

    python -m engine.engine_child MODEL_PATH CONN_FD LIFELINE_FD LOG_LEVEL

The conversation, over a ``multiprocessing.connection.Connection`` on a socketpair (``CONN_FD``):

The messages are engine/engine_messages.py's dataclasses (defined there, not here, because this
module runs as ``__main__`` and its classes would pickle under that name).

1. child → parent: ``Ready`` (the model is loaded) or ``Failed`` (the same ``MurmurError`` the
   in-process loader raises, by class name and message), then the child exits.
2. parent → child: a ``Request`` followed by the samples as raw float32 bytes (one copy, no
   pickling of the array).
3. child → parent: ``Busy`` just before ``whisper_full`` starts, then ``Done`` or ``Failed``.
4. The parent closes its end: the child frees the model and exits 0.

The child must never outlive the app. A closed connection ends it when idle; while it is busy in
``whisper_full`` a thread blocks on ``LIFELINE_FD``, a pipe whose only write end the parent holds
and never writes: the kernel closes it however the parent ends (even SIGKILL), the read returns
EOF and the thread ends the process. ``PR_SET_PDEATHSIG`` is not used: it fires when the *thread*
that started the child ends, and the app starts and restarts engines from worker threads.

Log records go to stderr as ``LEVEL name: message`` lines; the parent re-logs them (and whatever
whisper.cpp prints natively) under ``engine.child``.
"""
from __future__ import annotations

import logging
import os
import resource
import signal
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from engine.engine_messages import Busy, Done, Failed, Ready
from engine.errors import MurmurError

log = logging.getLogger("engine.child")

#: Exit status when the lifeline closed: the parent died (tests tell the two ways of ending apart).
EXIT_PARENT_GONE = 70


def _failed(error: BaseException) -> Failed:
    if isinstance(error, MurmurError):
        return Failed(type(error).__name__, str(error))
    return Failed("EngineError", f"{type(error).__name__}: {error}")


def _die_with_parent(lifeline_fd: int) -> None:
    """End this process when the parent's end of the lifeline closes (module docstring)."""
    def watch() -> None:
        while os.read(lifeline_fd, 1):
            pass  # the parent never writes; only EOF (b"") ends the loop
        os._exit(EXIT_PARENT_GONE)

    threading.Thread(target=watch, name="parent-lifeline", daemon=True).start()


def serve(model_path: Path, conn: Connection) -> None:
    """Load the model, report, and transcribe requests until the parent closes ``conn``."""
    from engine.whisper_engine import load_engine

    try:
        engine = load_engine(model_path)
    except Exception as error:
        if not isinstance(error, MurmurError):
            log.exception("loading %s failed", model_path)
        conn.send(_failed(error))
        return
    with engine:
        conn.send(Ready(engine.info, engine.multilingual, engine.load_seconds))
        while True:
            try:
                request = conn.recv()
                samples = np.frombuffer(conn.recv_bytes(), dtype=np.float32)
            except (EOFError, OSError):
                return  # the parent closed the engine (or is gone)
            conn.send(Busy())
            try:
                reply = Done(engine.transcribe(samples, request.options))
            except Exception as error:
                if not isinstance(error, MurmurError):
                    log.exception("transcription failed")
                reply = _failed(error)
            conn.send(reply)


def main(argv: list[str]) -> int:
    model_path, conn_fd, lifeline_fd, level = argv
    logging.basicConfig(stream=sys.stderr, level=int(level),
                        format="%(levelname)s %(name)s: %(message)s")
    _die_with_parent(int(lifeline_fd))
    # Ctrl+C in the app's terminal reaches the whole process group; the app decides when the
    # engine ends, by closing it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A crash would otherwise write a core file the size of the model (into the checkout, where
    # the child runs) and delay the engine's restart by as long as that takes.
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    conn = Connection(int(conn_fd))
    try:
        serve(Path(model_path), conn)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent went away while we answered
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
