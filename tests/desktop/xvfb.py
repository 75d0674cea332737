"""A private X server (Xvfb) for tests that drive the real desktop, and helpers around it.

Reusable by the end-to-end tests: ``with XServer.start() as server: ...`` then pass
``server.env`` to subprocesses, or set ``DISPLAY`` to ``server.display``.

Xvfb picks a free display number itself and writes it to ``-displayfd`` once it accepts
connections, so parallel test runs (and other engineers' Xvfbs) never race for a number and no
polling is needed; the socket is then checked against the same deadline.
"""
from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_DEADLINE_S = 10.0
SCREEN = "1280x800x24"
X11_SOCKET_DIR = Path("/tmp/.X11-unix")


@dataclass(frozen=True)
class XServer:
    """A running Xvfb: its ``DISPLAY`` name and process."""

    display: str
    process: subprocess.Popen

    @property
    def env(self) -> dict[str, str]:
        """``os.environ`` with this display, for child processes."""
        env = dict(os.environ, DISPLAY=self.display)
        env.pop("WAYLAND_DISPLAY", None)
        return env

    @staticmethod
    @contextmanager
    def start(extra_args: Sequence[str] = ()) -> Iterator["XServer"]:
        """Start Xvfb on a free display; stop it (and wait for it) on exit."""
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise RuntimeError("Xvfb is not installed (Debian package xvfb)")
        read_fd, write_fd = os.pipe()
        process = subprocess.Popen(
            [xvfb, "-displayfd", str(write_fd), "-screen", "0", SCREEN, "-nolisten", "tcp",
             "-noreset", *extra_args],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(write_fd)
        try:
            number = _read_display_number(read_fd, process, time.monotonic() + START_DEADLINE_S)
            yield XServer(f":{number}", process)
        finally:
            os.close(read_fd)
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr:
                process.stderr.close()


def _read_display_number(fd: int, process: subprocess.Popen, deadline: float) -> int:
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RuntimeError("Xvfb did not report a display within the deadline")
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, 64)
        if not chunk:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"Xvfb exited (code {process.wait()}): {err[-2000:]}")
        data += chunk
    number = int(data.strip())
    socket = X11_SOCKET_DIR / f"X{number}"
    wait_until(socket.exists, deadline - time.monotonic(), f"X socket {socket}")
    return number


def wait_until(condition, timeout: float, what: str, interval: float = 0.01):
    """Poll ``condition()`` until it is truthy and return its value; fail after ``timeout`` s.

    This is a wait on a condition with a deadline, not a sleep: it returns as soon as the
    condition holds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)
