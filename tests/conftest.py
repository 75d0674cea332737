"""Fixtures every test shares.

* Every test runs with its own XDG config/data/cache/state dirs, so no test ever reads or writes
  the user's real settings, history or models.
* ``default_model_path`` is the real Whisper base model (ggml f16) that ``make setup`` provisions:
  ``make test`` exports its path as ``MURMUR_TEST_MODEL``. Tests open it read-only. Without the
  variable (a bare ``pytest`` run) the model tests are skipped with the reason printed, never
  silently passed.
* Cyclic garbage is collected on the main thread only, between tests, as the app collects it on
  its GUI thread (ui/gui_thread_gc.py): Qt objects in cycles must not be freed by whichever
  engine, relay or capture thread happens to allocate.
"""
from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from ui.gui_thread_gc import collect_due

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = REPO_ROOT / "tests" / "data"


@pytest.fixture(autouse=True, scope="session")
def no_collection_on_other_threads():
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def collect_between_tests(no_collection_on_other_threads):
    yield
    collect_due()


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Point every XDG directory at a fresh temporary folder for this test."""
    root = tmp_path_factory.mktemp("xdg")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        path = root / var.lower()
        path.mkdir()
        monkeypatch.setenv(var, str(path))
    return root


@pytest.fixture(scope="session")
def default_model_path() -> Path:
    """The provisioned real Whisper base model (read-only)."""
    value = os.environ.get("MURMUR_TEST_MODEL")
    if not value:
        pytest.skip("MURMUR_TEST_MODEL is not set: run the suite with `make test`")
    path = Path(value)
    if not path.is_file():
        pytest.fail(f"MURMUR_TEST_MODEL points at {path}, which does not exist")
    return path


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA
