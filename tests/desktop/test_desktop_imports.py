"""The desktop layer never loads Qt, and imports cleanly where there is no X display."""
from __future__ import annotations

import os
import subprocess
import sys

MODULES = ("desktop.chord", "desktop.hotkey", "desktop.selection", "desktop.clipboard",
           "desktop.xwindow", "desktop.inject")


def test_desktop_imports_without_qt_and_without_display():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    code = (
        "import sys\n"
        f"for name in {MODULES!r}: __import__(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pynput'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"  # no Qt, and pynput only once a listener starts
