"""Finding and watching the engine's child processes through /proc, for the process-engine tests
(tests/engine/test_engine_process.py, tests/faults/test_engine_crash.py). Imported as
``tests.engine_procs``.
"""
from __future__ import annotations

import os
from pathlib import Path

# The one deadline-bounded condition poll of the test harness (tests/desktop/xvfb.py).
from tests.desktop.xvfb import wait_until as wait_for  # noqa: F401

#: The child's command line names its module (engine/child_proc.py starts it with ``-m``).
CHILD_MODULE = "engine.engine_child"


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (index 0 is the state), or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return raw[raw.rindex(")") + 2:].split()


def is_running(pid: int) -> bool:
    """The process exists and is not a zombie waiting for its reaper."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of ``pid`` so far, in clock ticks (0 when it is gone)."""
    fields = _stat(pid)
    return int(fields[11]) + int(fields[12]) if fields else 0


def engine_children(parent: int | None = None) -> list[int]:
    """Running engine child processes of ``parent`` (default: this process)."""
    parent = os.getpid() if parent is None else parent
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if not fields or int(fields[1]) != parent or fields[0] in ("Z", "X"):
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue
        if CHILD_MODULE.encode() in cmdline:
            found.append(int(entry.name))
    return found


def wait_inside_whisper(engine, timeout: float = 120.0) -> int:
    """Wait until ``engine`` (a ProcessEngine in a call) is inside ``whisper_full``; its pid.

    ``busy`` is set just before the child calls ``whisper_full``; the child's CPU time growing by
    a tenth of a second after that can only be whisper.cpp computing.
    """
    wait_for(engine.busy.is_set, timeout, "the engine child to start transcribing")
    pid = engine.pid
    start = cpu_ticks(pid)
    tick = os.sysconf("SC_CLK_TCK")
    wait_for(lambda: cpu_ticks(pid) >= start + tick // 10, timeout, "whisper.cpp to compute")
    return pid
