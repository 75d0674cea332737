"""Wait for conditions and events with deadlines instead of sleeping."""
from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], timeout: float, what: str,
               interval: float = 0.01) -> object:
    """Poll ``condition`` until it is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        pause.wait(interval)


class Events:
    """Collects events from the worker thread; ``expect`` waits for the next one of a kind."""

    def __init__(self) -> None:
        self.queue: queue.Queue = queue.Queue()
        self.seen: list = []

    def __call__(self, event) -> None:
        self.queue.put(event)

    def expect(self, kind, timeout: float = 5.0):
        """Return the next event of ``kind``, skipping others; fail after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {kind} event; saw {self.seen}") from None
            self.seen.append(event)
            if event.kind is kind:
                return event
