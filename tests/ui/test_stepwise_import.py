"""StepwiseImport: the modules are imported on the GUI thread, one per turn of the event loop,
and ``then`` runs after the last. Real Qt (offscreen), real imports of modules written here.

Why the GUI thread: PySide6 makes a Qt class's Python class on first lookup, and two threads doing
that at once crashed the app (ui/stepwise_import.py).
"""
from __future__ import annotations

import sys
import threading
import types

import pytest
from PySide6.QtCore import QTimer

from ui.stepwise_import import StepwiseImport

PROBE = "stepwise_probe_events"


@pytest.fixture
def probe_modules(tmp_path, monkeypatch):
    """Three modules that each note, when imported, their name and whether on the main thread."""
    events = types.ModuleType(PROBE)
    events.seen = []
    monkeypatch.setitem(sys.modules, PROBE, events)
    names = [f"stepwise_probe_{i}" for i in range(3)]
    for name in names:
        (tmp_path / f"{name}.py").write_text(
            f"import threading\nimport {PROBE}\n"
            f"{PROBE}.seen.append((__name__, threading.current_thread() is threading.main_thread()))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield names, events.seen
    for name in names:
        sys.modules.pop(name, None)


def test_each_module_is_imported_on_the_gui_thread_in_its_own_turn_then_then(qtbot, probe_modules):
    names, seen = probe_modules
    ticks = QTimer()  # fires once per turn of the loop: marks where one turn ends
    ticks.setInterval(0)
    ticks.timeout.connect(lambda: seen.append("turn"))
    ticks.start()
    importer = StepwiseImport(names, lambda: seen.append(("then", threading.current_thread()
                                                            is threading.main_thread())))
    qtbot.waitUntil(lambda: any(e[0] == "then" for e in seen if e != "turn"), timeout=60_000)
    ticks.stop()
    steps = [e for e in seen if e != "turn"]
    assert steps == [(name, True) for name in names] + [("then", True)]
    where = [seen.index(step) for step in steps]
    for before, after in zip(where, where[1:]):  # the loop ran between any two steps
        assert "turn" in seen[before + 1:after], seen
    del importer


def test_a_failing_import_still_imports_the_rest_and_calls_then(qtbot, probe_modules):
    names, seen = probe_modules
    calls: list[int] = []
    importer = StepwiseImport(["ui.no_such_module_here", *names], lambda: calls.append(1))
    qtbot.waitUntil(lambda: bool(calls), timeout=60_000)
    assert calls == [1] and [name for name, _ in seen] == names
    del importer
