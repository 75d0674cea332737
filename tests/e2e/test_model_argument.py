"""``python main.py --model NAME|PATH`` starts the app with that model instead of the setting's.

Starts the real app with ``launch_murmur`` (tests/e2e/murmur_app.py: private Xvfb, private
PulseAudio null sink as the microphone, ``python main.py --model …``). The model is the real
Whisper base file, under another file name in a folder of the test's own (``PATH``), or the
catalog name of the installed default (``NAME``). Which file the engine really loaded is read
from the engine child's command line in /proc (engine/child_proc.py passes the path).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from xvfb import wait_until

from engine.catalog import DEFAULT_MODEL, model_filename
from tests.engine_procs import engine_children

pytestmark = pytest.mark.model


def loaded_model_file(murmur) -> Path:
    """The model file of the app's (dictation) engine child."""
    (child,) = engine_children(murmur.process.pid)
    cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
    return Path(os.fsdecode(cmdline[cmdline.index(b"engine.engine_child") + 1]))


def test_model_path_argument_loads_that_file(launch_murmur, default_model_path, tmp_path):
    mine = tmp_path / "own models" / "my-whisper.bin"
    mine.parent.mkdir()
    mine.symlink_to(default_model_path)
    murmur = launch_murmur(args=("--model", str(mine)))
    details = murmur.wait_ready()
    assert details["model"] == "my-whisper.bin" and details["model_problem"] in (None, ""), details
    assert loaded_model_file(murmur) == mine


def test_model_name_argument_loads_the_installed_catalog_model(launch_murmur):
    # The setting names a model that is not installed; the argument wins for this run.
    murmur = launch_murmur(ini="[General]\nlanguage=en\nthreads=2\nmodel=small\n",
                           args=("--model", DEFAULT_MODEL))
    details = murmur.wait_ready()
    assert details["model"] == model_filename(DEFAULT_MODEL), details
    assert loaded_model_file(murmur).name == model_filename(DEFAULT_MODEL)


def test_a_model_path_that_is_not_there_is_said_and_the_app_runs(launch_murmur, tmp_path):
    murmur = launch_murmur(args=("--model", str(tmp_path / "missing.bin")))
    details = wait_until(lambda: (d := murmur.details()) and d.get("model_problem") and d, 120,
                         "the model problem in the status")
    assert "missing.bin" in details["model_problem"] and not details["model_loaded"], details
