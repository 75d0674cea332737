"""Where Murmur's log goes, and the one switch that lets dictated text into it.

* stderr: warnings, or everything with ``--verbose`` (as a terminal user expects).
* the desktop app also keeps ``$XDG_STATE_HOME/murmur/murmur.log`` (info, or everything with
  ``--verbose``) to attach to a bug report: rotated at ``LOG_FILE_BYTES`` with ``LOG_BACKUPS``
  old files, each 0600 in a 0700 folder, whatever the umask.
* Dictated text is never logged by ordinary log calls: they give its size
  (``describe_text``). The text itself goes only to the ``murmur.transcript`` logger
  (``transcript_log``), which is switched off unless ``--debug`` is given.

Threads: ``setup_logging`` runs once on the main thread before anything logs; the handlers are
the standard library's, which lock around each record, so every thread may log.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from engine.private_files import private_dir, private_file

APP_NAME = "murmur"
LOG_FILE_NAME = "murmur.log"
LOG_FILE_BYTES = 1_000_000
LOG_BACKUPS = 3
TRANSCRIPT_LOGGER = "murmur.transcript"
_FORMAT = "%(levelname)s %(name)s: %(message)s"
_FILE_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"

#: Dictated text, only ever logged here: off unless ``setup_logging(debug=True)``.
transcript_log = logging.getLogger(TRANSCRIPT_LOGGER)


def describe_text(text: str) -> str:
    """What may be logged about dictated text without the text: ``7 words, 38 chars``."""
    return f"{len(text.split())} words, {len(text)} chars"


def default_log_dir() -> Path:
    """``$XDG_STATE_HOME/murmur`` (``~/.local/state/murmur``)."""
    import platformdirs

    return platformdirs.user_state_path(APP_NAME)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are 0600 from their first byte, new or rotated.

    Rotation renames the files (which keeps their mode) and opens a new one through ``_open``.
    """

    def _open(self):
        fd = private_file(self.baseFilename, os.O_WRONLY | os.O_APPEND)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging(verbose: bool = False, debug: bool = False,
                  log_dir: Path | None = None) -> Path | None:
    """Configure the root logger once (main thread, before anything logs).

    Args:
        verbose: log everything (debug level), not only warnings (stderr) and info (file).
        debug: ``verbose``, and dictated text too (``transcript_log``).
        log_dir: keep ``murmur.log`` there (the desktop app: ``default_log_dir()``); None
            for the command line, which logs to stderr only.

    Returns:
        The log file, or None when there is none (not asked for, or it could not be made:
        a warning on stderr says why, and logging to stderr goes on).
    """
    verbose = verbose or debug
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "murmur_handler", False)]:
        root.removeHandler(old)  # called again in one process (tests call main() repeatedly)
        old.close()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    _add(root, console, _FORMAT)
    # Off means off for every handler: the records are not even created.
    transcript_log.disabled = not debug
    if log_dir is None:
        return None
    path = Path(log_dir) / LOG_FILE_NAME
    try:
        private_dir(log_dir)
        handler = PrivateRotatingFileHandler(path, maxBytes=LOG_FILE_BYTES,
                                             backupCount=LOG_BACKUPS, encoding="utf-8")
    except OSError as error:
        logging.getLogger(__name__).warning("no log file (%s): %s", path, error)
        return None
    _add(root, handler, _FILE_FORMAT)
    return path


def _add(root: logging.Logger, handler: logging.Handler, layout: str) -> None:
    handler.setFormatter(logging.Formatter(layout))
    handler.murmur_handler = True
    root.addHandler(handler)
