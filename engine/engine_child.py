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
4. parent → child, any time between requests: ``Rest`` (a dictation or job is over, nothing more
   is expected soon); no reply. The child gives its grown memory back at once (below).
   During a ``Request`` marked ``stoppable`` (a speculation): ``Stop``, and whisper.cpp stops
   at the end of its encoder or of its next decoder pass (the abort callback polls the socket
   there: one ``poll`` each, ~8 ms apart) and the reply is ``Stopped``. A ``Stop`` that crossed
   the ``Done`` on the way arrives between requests and is ignored.
5. The parent closes its end: the child frees the model and exits 0.

The child must never outlive the app. A closed connection ends it when idle; while it is busy in
``whisper_full`` a thread blocks on ``LIFELINE_FD``, a pipe whose only write end the parent holds
and never writes: the kernel closes it however the parent ends (even SIGKILL), the read returns
EOF and the thread ends the process. ``PR_SET_PDEATHSIG`` is not used: it fires when the *thread*
that started the child ends, and the app starts and restarts engines from worker threads.

Log records go to stderr as ``LEVEL name: message`` lines; the parent re-logs them (and whatever
whisper.cpp prints natively) under ``engine.child``.

Memory: whisper.cpp reserves its compute buffers (conv 16, encode 23, cross 5, decode 96 MB for
base) when the model loads, and the pages a call touches stay resident for good: the child
grows from ~150 to ~210 MiB over the first calls of a dictation (more after a full 30 s window,
and more the longer the prompt: the decoder computes logits for every prompt token, 200 kB
each). Nothing in whisper.cpp's API hands them back, so when the child has grown by more than
``RELEASE_MIN_GROWTH_MIB`` it frees the model and loads it again (~0.15 s of CPU from the page
cache; docs/PERFORMANCE.md, "Memory and idle CPU, session 3") — as soon as the parent says
``Rest`` (the app knows a dictation is over), or else once no request has come for
``RELEASE_AFTER_S`` (a parent that never says it, or work that ended otherwise). A dictation's
first piece comes a second or more after the hotkey (after a pause in the speech), so a reload
that is under way then is done before it is needed; a request that does arrive meanwhile waits
for it (+0.13-0.16 s: docs/PERFORMANCE.md, "Giving the engine's memory back when a dictation
ends"). The model is reloaded through a descriptor opened at start, so a model file deleted or
replaced since still loads as the same model, and ``malloc_trim`` gives glibc's free heap pages
back after the reload. glibc's mmap threshold is fixed (``_fix_mmap_threshold``) so that reload
after reload the child settles where it started.
"""
from __future__ import annotations

import faulthandler
import logging
import os
import resource
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from engine.engine_messages import Busy, Done, Failed, Ready, Request, Rest, Stop, Stopped
from engine.errors import MurmurError, TranscriptionStopped
from engine.glibc_malloc import M_MMAP_THRESHOLD, malloc_trimmer, mallopt

log = logging.getLogger("engine.child")

#: Exit status when the lifeline closed: the parent died (tests tell the two ways of ending apart).
EXIT_PARENT_GONE = 70
#: Idle seconds after which a grown engine is reloaded to give its memory back (module
#: docstring); ``MURMUR_ENGINE_RELEASE_S`` in the environment overrides it (tests, benches).
RELEASE_AFTER_S = 20.0
#: Growth since the load (MiB resident) below which a reload is not worth its CPU.
RELEASE_MIN_GROWTH_MIB = 16.0
_PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20
#: The fixed threshold the child sets (``_fix_mmap_threshold``).
MMAP_THRESHOLD = 128 * 1024


def resident_mib() -> float:
    """This process's resident memory now (``/proc/self/statm``: cheap, no parsing of smaps)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE_MIB


def _fix_mmap_threshold() -> None:
    """Keep glibc's threshold for serving an allocation by its own mapping at its initial
    128 KiB for good (``mallopt``; a no-op elsewhere).

    By default glibc raises it to the size of the largest mapped block freed, up to 32 MiB. The
    first reload frees whisper.cpp's buffers, so the next model's kv caches and logits then came
    from the heap, which the blocks freed around them kept from shrinking: the child settled
    +4, +10, +16 MiB above its size at launch after three rests (+8, +13 with the threshold
    fixed at 4 MiB); fixed at 128 KiB, +1.2 each time (tests/engine/test_engine_process_rest.py).
    The price: a piece's audio (0.3-2 MB) is a fresh mapping each call, +0.5 ms outside
    whisper.cpp for 11 s, +1.9 ms for 40 s (bench/engine_process.py).
    """
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def release_after_s() -> float:
    value = os.environ.get("MURMUR_ENGINE_RELEASE_S")
    try:
        return float(value) if value else RELEASE_AFTER_S
    except ValueError:
        return RELEASE_AFTER_S


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
    held = [engine]  # the current engine: a reload replaces it
    try:
        # The same file for every reload, whatever happens to its name (module docstring).
        with open(engine.model_path, "rb") as model_file:
            same_model = Path(f"/proc/self/fd/{model_file.fileno()}")
            conn.send(Ready(engine.info, engine.multilingual, engine.load_seconds))
            _answer(held, conn, lambda: load_engine(same_model))
    finally:
        if held:
            held[0].close()


class _Reloader:
    """Frees and reloads ``held[0]`` when it has grown since its load (module docstring, Memory).

    Args:
        held: a one-element list with the engine; emptied while no engine is loaded.
        reload: loads the same model again.
    """

    def __init__(self, held: list, reload) -> None:
        self._held = held
        self._reload = reload
        self._trim = malloc_trimmer()
        self._trim()
        self._loaded = resident_mib()

    def grown(self) -> bool:
        return resident_mib() - self._loaded > RELEASE_MIN_GROWTH_MIB

    def reload_if_grown(self, why: str) -> bool:
        """Reload if grown; False when the reload failed (the child must end). Says which it
        did in one log line either way (tests wait for it)."""
        if not self.grown():
            log.info("%s: %.0f MiB grown since the load: kept", why,
                     resident_mib() - self._loaded)
            return True
        before, started = resident_mib(), time.perf_counter()
        self._held.pop().close()  # before loading: never two models at once
        self._trim()
        try:
            self._held.append(self._reload())
        except Exception:
            # The parent sees this child gone at its next call and starts a new one.
            log.exception("reloading the model to free memory failed")
            return False
        self._trim()
        self._loaded = resident_mib()
        log.info("%s: reloaded the model to free whisper.cpp's buffers, %.0f -> %.0f MiB "
                 "in %.2f s", why, before, self._loaded, time.perf_counter() - started)
        return True


def _answer(held: list, conn: Connection, reload) -> None:
    """Answer requests with ``held[0]`` until the parent closes ``conn``; on ``Rest``, or when
    idle for ``release_after_s()``, replace it with ``reload()`` if it has grown."""
    reloader = _Reloader(held, reload)
    idle_s = release_after_s()
    while True:
        if reloader.grown() and not conn.poll(idle_s):
            if not reloader.reload_if_grown("idle"):
                return
            continue
        try:
            request = conn.recv()
            if isinstance(request, Request):  # only a Request comes with samples
                samples = np.frombuffer(conn.recv_bytes(), dtype=np.float32)
        except (EOFError, OSError):
            return  # the parent closed the engine (or is gone)
        if isinstance(request, Rest):
            if not reloader.reload_if_grown("rest"):
                return
            continue
        if isinstance(request, Stop):
            continue  # late: its request had ended (module docstring, 4)
        conn.send(Busy())
        try:
            stop_when = _stop_asked(conn) if request.stoppable else None
            reply = Done(held[0].transcribe(samples, request.options, stop_when=stop_when))
        except TranscriptionStopped as stopped:
            reply = Stopped(stopped.engine_seconds)
        except Exception as error:
            if not isinstance(error, MurmurError):
                log.exception("transcription failed")
            reply = _failed(error)
        conn.send(reply)
        # No malloc_trim per call: it gave back 0.4-3 MiB, and the next call paid for it in page
        # faults (+0.7 ms outside whisper.cpp in bench/engine_process.py).


def _stop_asked(conn: Connection):
    """The ``stop_when`` of a stoppable request: whether the parent has sent ``Stop`` (the only
    message it sends during a request) or gone away."""
    def asked() -> bool:
        try:
            if not conn.poll(0):
                return False
            message = conn.recv()
        except (EOFError, OSError):
            return True  # the parent is gone: the loop finds out and ends
        if not isinstance(message, Stop):
            log.warning("unexpected %s during a request; stopping it", type(message).__name__)
        return True

    return asked


def main(argv: list[str]) -> int:
    model_path, conn_fd, lifeline_fd, level = argv
    _fix_mmap_threshold()  # before the model loads
    logging.basicConfig(stream=sys.stderr, level=int(level),
                        format="%(levelname)s %(name)s: %(message)s")
    _die_with_parent(int(lifeline_fd))
    # Ctrl+C in the app's terminal reaches the whole process group; the app decides when the
    # engine ends, by closing it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A crash would otherwise write a core file the size of the model (into the checkout, where
    # the child runs) and delay the engine's restart by as long as that takes.
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    # Its Python stacks instead (names and lines, no data), relayed to the app's log and kept in
    # the crash report's tail with whatever whisper.cpp printed.
    faulthandler.enable()
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
