"""Asking a transcription under way to stop, from another thread.

A draft (``app.engine_loop.EngineLoop.draft``) is a decode made while the person is still
speaking; when a pause, a cut or the release brings work that someone waits for, the draft
must give way at once. ``StopSignal.set`` is what the GUI thread calls then; it never blocks.

The signal is a pipe as well as a flag, so that whatever waits for the decode can wait on it
too: whisper.cpp stops once the descriptor is readable (``whisper_set_stop_fd``,
patches/whisper.cpp-stop-fd.patch), checked between the nodes of its graphs, and
``ProcessEngine`` wakes on it to pass the stop to its child.

Threads: ``set`` from any thread; ``clear`` by the thread that runs the decodes, before it
checks whether newer work is queued (so a stop set after that check is never lost).
"""
from __future__ import annotations

import os
import threading
from typing import Protocol


class SupportsFileno(Protocol):
    """Anything with a descriptor to wait on (a ``StopSignal``, a connection)."""

    def fileno(self) -> int: ...


class StopSignal:
    """A flag that is also a readable descriptor while set."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._lock = threading.Lock()
        self._set = False
        self._closed = False

    def set(self) -> None:
        with self._lock:
            if not self._set and not self._closed:
                self._set = True
                os.write(self._write, b"s")  # one byte in an empty pipe: never blocks

    def clear(self) -> None:
        with self._lock:
            if self._set and not self._closed:
                self._set = False
                os.read(self._read, 1)

    def is_set(self) -> bool:
        return self._set

    def fileno(self) -> int:
        """Readable while the signal is set."""
        return self._read

    def close(self) -> None:
        """Release the pipe; later calls of ``set`` and ``clear`` do nothing."""
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self._read)
                os.close(self._write)
