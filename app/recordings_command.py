"""``main.py recordings list | discard NAME… | --all``: the kept dictations, from a terminal.

Kept dictations are audio the app holds without text (it was killed mid-dictation, or the
dictation failed; ``app/kept_recordings.py``). Listing and discarding only read and delete files
in the recordings folder, so they work whether or not the app runs; transcribing them needs the
app's engine and history: ``main.py retry`` asks the running app.

Threads: the CLI's main thread.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from app.kept_audio import list_kept
from app.recorder import default_spool_dir
from app.terminal import error_line

EXIT_OK = 0
EXIT_NOT_FOUND = 1


def run_recordings(args, spool_dir: Path | None = None, out: TextIO | None = None) -> int:
    """Run ``recordings list`` (default) or ``recordings discard``; returns the exit code."""
    out = out or sys.stdout
    kept = list_kept(spool_dir or default_spool_dir())
    if getattr(args, "recordings_command", None) != "discard":
        if not kept:
            print("No kept dictations.", file=out)
        for item in kept:
            print(f"{item.path.name}\t{item.started:%Y-%m-%d %H:%M:%S}\t{item.seconds:.1f} s",
                  file=out)
        if kept:
            print("Transcribe them with `python main.py retry` while Murmur runs.", file=out)
        return EXIT_OK
    by_name = {item.path.name: item.path for item in kept}
    if args.all:
        chosen = list(by_name.values())
    else:
        missing = [name for name in args.names if name not in by_name]
        if missing or not args.names:
            error_line(f"no kept dictation named {', '.join(missing) or '(none given)'}; "
                       "see `python main.py recordings list`")
            return EXIT_NOT_FOUND
        chosen = [by_name[name] for name in args.names]
    for path in chosen:
        path.unlink(missing_ok=True)
    print(f"Discarded {len(chosen)} kept dictation{'s' if len(chosen) != 1 else ''}.", file=out)
    return EXIT_OK
