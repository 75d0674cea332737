"""Two settings that keep the app's own process smaller, made at launch before anything else.

Both were measured in the running app (docs/PERFORMANCE.md, "Memory, session 6").

**One malloc arena** (``limit_malloc_arenas``). glibc gives each thread that allocates while
another holds the main arena a heap of its own (up to 8 per core). The app's threads are the
GUI, capture, PortAudio's callback, the engine worker and its log relay, and pynput's listener.
Each extra arena keeps free pages that the others cannot reuse. With one arena the process was
5-10 MiB smaller during a long dictation. Most allocations of these threads happen under
Python's GIL anyway, so they rarely wait for the arena's lock. It must be set before the
first thread starts.

**PySide6 without its import hook** (``import_qt``). Importing PySide6 replaces
``builtins.__import__`` with shiboken's own function. It serves PySide's opt-in ``from
__feature__ import snake_case, true_property`` switches and star imports of lazily created
classes. As a side effect, it checks every module imported after PySide6 for the word "PySide6"
with ``inspect.getsource``, and ``linecache`` keeps each source file read that way for good.
Here that was ~340 files (pyqtgraph, the standard modules it pulls in, ours): 11.8 MiB.

Murmur uses neither feature switches nor star imports, so ``import_qt`` puts Python's own
``__import__`` back as soon as PySide6 is loaded. With no feature switch registered, PySide
reads no per-module setting and its classes behave as before, each still created on first use.
It must come before anything else imports PySide6; if something did, the function in
``__import__`` is already PySide's, there is no original to put back, and it changes nothing.
"""
from __future__ import annotations

import builtins
import logging
import sys

from engine.glibc_malloc import M_ARENA_MAX, mallopt

log = logging.getLogger(__name__)

#: glibc's arenas for the whole process (module docstring).
MALLOC_ARENAS = 1


def limit_malloc_arenas() -> bool:
    """Serve every thread's allocations from ``MALLOC_ARENAS`` arena(s); False without glibc."""
    return mallopt(M_ARENA_MAX, MALLOC_ARENAS)


def import_qt() -> bool:
    """Import ``PySide6.QtCore`` and restore the ``__import__`` it replaced.

    Returns:
        True if PySide's import hook was removed. False if PySide6 was loaded earlier, or if
        its import left ``__import__`` alone.
    """
    if "PySide6.QtCore" in sys.modules:
        log.debug("PySide6 was imported before import_qt: its import hook stays")
        return False
    python_import = builtins.__import__
    import PySide6.QtCore  # noqa: F401  (installs shiboken's __import__)

    if builtins.__import__ is python_import:
        return False
    builtins.__import__ = python_import
    return True
