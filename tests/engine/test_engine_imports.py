"""``engine/`` stands alone: importing every one of its modules loads no Qt, none of the app's
GUI-side packages, and no other inference stack (the model importer is numpy only)."""
from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import engine

REPO = Path(__file__).resolve().parents[2]
#: Top-level packages engine/ must never pull in: Qt, the packages above it, and the frameworks
#: a CTranslate2 / Transformers checkpoint would tempt one to use.
FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "app", "ui", "desktop", "torch", "ctranslate2",
             "transformers", "faster_whisper", "safetensors")


def test_engine_loads_no_qt_no_app_and_no_other_inference_stack():
    modules = sorted(m.name for m in pkgutil.iter_modules(engine.__path__, "engine."))
    assert {"engine.whisper_engine", "engine.ct2_import", "engine.download"} <= set(modules)
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert ast.literal_eval(done.stdout.strip()) == []
