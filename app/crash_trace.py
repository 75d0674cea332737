"""When native code crashes the app (a segmentation fault in Qt, PortAudio or a binding), every
thread's Python stack is written to ``crash.log`` next to ``murmur.log``, and the next launch
says so.

Python's own errors are logged where they happen; a fatal signal ends the process before any
handler of ours runs. ``faulthandler`` writes the stacks from the signal handler itself, into a
descriptor opened at launch (it cannot open a file then). The rotating ``murmur.log`` is no place
for that descriptor: rotation closes and replaces it, and a crash written through a stale one is
lost or lands in whatever file reused its number.

The stacks name files, lines and functions, never data: nothing dictated reaches ``crash.log``.
A launch that finds the last run's trace moves it to ``crash.log.1`` (one earlier crash kept for
a bug report, replacing an older one), warns with its path, and the window says it once
(``previous_crash_notice``). What was being dictated then is offered by the kept dictations.

Threads: ``keep_crash_traces`` runs once on the main thread at launch, after logging is set up.
"""
from __future__ import annotations

import faulthandler
import logging
import os
from pathlib import Path

from engine.private_files import private_file

CRASH_FILE_NAME = "crash.log"
PREVIOUS_SUFFIX = ".1"

log = logging.getLogger(__name__)


def keep_crash_traces(log_dir: Path) -> Path | None:
    """Send fatal-signal stack traces to ``log_dir/crash.log`` from now on.

    Returns:
        The previous run's trace (``crash.log.1``) if that run crashed, else None. A folder
        that cannot be written leaves the traces on stderr (Python's default), with a warning.
    """
    path = Path(log_dir) / CRASH_FILE_NAME
    previous = None
    try:
        if path.exists() and path.stat().st_size > 0:
            previous = path.with_name(path.name + PREVIOUS_SUFFIX)
            os.replace(path, previous)
            log.warning("Murmur stopped unexpectedly last time; what it was doing is in %s "
                        "(please attach it to a bug report)", previous)
        fd = private_file(path, os.O_WRONLY | os.O_TRUNC)
    except OSError as error:
        log.warning("crash traces go to stderr (%s): %s", path, error)
        faulthandler.enable(all_threads=True)
        return previous
    # The descriptor stays open for the life of the process: the handler writes through it.
    faulthandler.enable(file=fd, all_threads=True)
    return previous


def previous_crash_notice(previous: Path | None) -> str:
    """The window's one line about the last run's crash ("" when it did not crash)."""
    if previous is None:
        return ""
    return (f"Murmur quit unexpectedly last time. What it was doing is saved in {previous} "
            "for a bug report.")
