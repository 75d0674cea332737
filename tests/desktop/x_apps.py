"""Helper apps for desktop tests, each in its own process: a target window, a clipboard owner.

Kept out of ``conftest.py`` so test modules can import them by a unique module name.
"""
from __future__ import annotations

import select
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from xvfb import wait_until

HERE = Path(__file__).resolve().parent
HELPER_START_TIMEOUT_S = 20.0  # a cold Qt start on a loaded CI machine


def start_helper(script: str, *args: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """Start ``tests/desktop/<script>`` and return it with the first line it prints (its "ready")."""
    proc = subprocess.Popen([sys.executable, str(HERE / script), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], HELPER_START_TIMEOUT_S)
    line = proc.stdout.readline().strip() if ready else ""
    if not line:
        proc.kill()
        _, err = proc.communicate()
        raise RuntimeError(f"{script} did not start: {err[-2000:]}")
    return proc, line


def stop_helper(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.communicate()


@dataclass(frozen=True)
class TargetWindow:
    """A Tk text window in another process; ``text()`` is what it currently shows."""

    id: int
    out: Path
    process: subprocess.Popen

    def text(self) -> str:
        return self.out.read_text(encoding="utf-8")

    def wait_text(self, expected: str, timeout: float = 5.0) -> None:
        try:
            wait_until(lambda: self.text() == expected, timeout, f"window text {expected!r}")
        except TimeoutError:
            assert self.text() == expected  # show the difference
