"""The app process's memory settings (app/process_memory.py), each in a fresh interpreter.

Every check runs in a new ``python -c`` process: the pytest process imported PySide6 long ago and
its arenas exist already. Each check also runs its opposite (PySide6 imported the usual way, no
arena limit), so that a change in PySide6 or glibc that made the setting pointless would fail
here rather than pass unnoticed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Imports modules nobody imported yet (the xml package) after PySide6, then reports what linecache
# kept and whether Qt still works (a lazily created widget class, a timer in an event loop).
_SOURCES_KEPT = """
import builtins, json, linecache, sys
import_qt = {use_import_qt}
if import_qt:
    from app.process_memory import import_qt as load
    removed = load()
else:
    import PySide6.QtCore
    removed = None
import xml.dom.minidom
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel("kept")
QTimer.singleShot(0, app.quit)
app.exec()
print(json.dumps({{
    "removed": removed,
    "hook": getattr(builtins.__import__, "__name__", ""),
    "xml_kept": any("/xml/" in name for name in linecache.cache),
    "label": label.text(),
}}))
"""

# Allocates from four threads at once, then counts glibc's arenas (malloc_stats prints one
# "Arena N:" block each to stderr).
_ARENAS = """
import ctypes, threading
from app.process_memory import limit_malloc_arenas
if {limit}:
    assert limit_malloc_arenas()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
start = threading.Barrier(4)
kept = []
def allocate():
    start.wait()
    for _ in range(2000):
        kept.append(libc.malloc(4096))
threads = [threading.Thread(target=allocate) for _ in range(4)]
for thread in threads: thread.start()
for thread in threads: thread.join()
libc.malloc_stats()
"""


def _python(code: str) -> subprocess.CompletedProcess:
    env = {"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _sources_kept(use_import_qt: bool) -> dict:
    done = _python(_SOURCES_KEPT.format(use_import_qt=use_import_qt))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_import_qt_removes_the_hook_so_later_imports_leave_no_source_in_linecache():
    report = _sources_kept(use_import_qt=True)
    assert report == {"removed": True, "hook": "__import__", "xml_kept": False,
                      "label": "kept"}


def test_without_import_qt_pyside_keeps_the_source_of_every_later_import():
    # The opposite: what import_qt exists to prevent still happens with this PySide6.
    report = _sources_kept(use_import_qt=False)
    assert report["hook"] != "__import__"
    assert report["xml_kept"] is True


def test_import_qt_after_pyside6_was_imported_changes_nothing():
    done = _python("import builtins, PySide6.QtCore\n"
                   "hook = builtins.__import__\n"
                   "from app.process_memory import import_qt\n"
                   "print(import_qt(), builtins.__import__ is hook)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def _arenas(limit: bool) -> int:
    done = _python(_ARENAS.format(limit=limit))
    assert done.returncode == 0, done.stderr
    return done.stderr.count("Arena ")


def test_one_arena_serves_every_thread_once_limited():
    assert _arenas(limit=True) == 1
    assert _arenas(limit=False) > 1  # the default, which the limit changes
