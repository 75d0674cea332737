"""``audio/`` stands alone: importing its modules loads neither Qt nor ``engine``."""
from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import audio

REPO = Path(__file__).resolve().parents[2]


def loaded_after_import(modules: list[str]) -> list[str]:
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'engine', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    return ast.literal_eval(out.stdout)


def test_audio_loads_no_qt_no_torch_and_no_engine():
    modules = sorted(m.name for m in pkgutil.iter_modules(audio.__path__, "audio."))
    assert "audio.capture" in modules and "audio.vad" in modules
    assert "audio.decode" in modules
    assert loaded_after_import(modules) == []
