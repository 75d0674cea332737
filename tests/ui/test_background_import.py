"""BackgroundImport: the modules are imported on another thread, and ``then`` runs afterwards
on the GUI thread, from the event loop. Real Qt (offscreen), a real module import.
"""
from __future__ import annotations

import sys
import threading

from ui.background_import import BackgroundImport


def test_then_runs_on_the_gui_thread_after_the_import(qtbot):
    sys.modules.pop("tabnanny", None)  # a stdlib module nothing else uses: the thread imports it
    calls: list[tuple[bool, bool]] = []

    def then():
        calls.append((threading.current_thread() is threading.main_thread(),
                      "tabnanny" in sys.modules))

    importer = BackgroundImport(("tabnanny",), then)
    qtbot.waitUntil(lambda: bool(calls), timeout=60_000)
    assert calls == [(True, True)]
    del importer


def test_a_failing_import_still_calls_then(qtbot):
    calls: list[int] = []
    importer = BackgroundImport(("ui.no_such_module_here",), lambda: calls.append(1))
    qtbot.waitUntil(lambda: bool(calls), timeout=60_000)
    assert calls == [1]
    del importer
