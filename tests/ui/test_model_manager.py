"""The model manager: states, a fake downloader's progress, cancel and error, a real resumable
download from a loopback server, import, delete and the default."""
from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
from pathlib import Path

import pytest

from app.model_actions import ModelActions
from engine.catalog import CatalogEntry, find
from engine.download_check import DownloadCancelled
from engine.errors import DownloadError
from engine.model_store import ModelStore
from tests.http_server import ModelServer
from ui.model_manager import ModelManagerDialog

ROOT = Path(__file__).resolve().parents[2]

ENGINE_FIXTURES = Path(__file__).resolve().parent.parent / "engine" / "conftest.py"


@pytest.fixture(scope="session")
def engine_fixtures():
    """tests/engine/conftest.py as a module: its tiny CTranslate2 and Transformers builders."""
    spec = importlib.util.spec_from_file_location("engine_test_fixtures", ENGINE_FIXTURES)
    fixtures = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = fixtures  # dataclasses look their module up while defining them
    spec.loader.exec_module(fixtures)
    return fixtures


@pytest.fixture(scope="session")
def tiny_ggml(tmp_path_factory, engine_fixtures) -> bytes:
    """A small but valid whisper.cpp file, converted from the engine tests' tiny CTranslate2."""
    fixtures = engine_fixtures
    from engine.ct2_import import import_ct2_model

    folder = tmp_path_factory.mktemp("tiny")
    source = fixtures.make_ct2_dir(folder / "ct2")
    return import_ct2_model(source, folder / "ggml-tiny-test.bin", "f16", None).read_bytes()


class FakeDownloader:
    """Writes ``data`` in four steps, reporting each; ``gate`` holds it after the first."""

    def __init__(self, data: bytes, error: str | None = None):
        self.data, self.error = data, error
        self.gate = threading.Event()
        self.first_step = threading.Event()

    def __call__(self, entry, dest_dir, *, progress, cancel):
        total = len(self.data)
        for step in range(1, 5):
            progress(total * step // 4, total)
            self.first_step.set()
            if step == 1:
                self.gate.wait(10)
            if cancel.is_set():
                (dest_dir / f"{entry.filename}.part").write_bytes(self.data[:total // 4])
                raise DownloadCancelled(f"Download of '{entry.name}' cancelled.")
            if self.error:
                raise DownloadError(self.error)
        (dest_dir / entry.filename).write_bytes(self.data)
        return dest_dir / entry.filename


@pytest.fixture
def store(tmp_path) -> ModelStore:
    return ModelStore(tmp_path / "models")


@pytest.fixture
def open_dialog(qtbot):
    dialogs = []

    def make(actions, default="base"):
        dialog = ModelManagerDialog(actions, default)
        qtbot.addWidget(dialog)
        dialog._confirm = lambda question: True
        dialogs.append(dialog)
        return dialog

    yield make
    for dialog in dialogs:
        dialog.runner.stop()


def test_download_shows_progress_and_the_model_turns_installed(qtbot, store, tiny_ggml,
                                                               open_dialog):
    fake = FakeDownloader(tiny_ggml)
    dialog = open_dialog(ModelActions(store, fake))
    assert dialog.table.rowCount() == len([r for r in dialog._rows if r.in_catalog]) > 20
    dialog.select("tiny")
    assert dialog.state_of("tiny") == "—" and dialog.download_button.isEnabled()
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.progress.value() == 250, timeout=5000)
    assert dialog.cancel_button.isEnabled() and not dialog.download_button.isEnabled()
    assert "of" in dialog.status.text() and dialog.state_of("tiny") == "—"
    assert dialog.table.item(0, 3).text() == "downloading 25%"
    with qtbot.waitSignal(dialog.runner.succeeded, timeout=5000):
        fake.gate.set()
    assert dialog.state_of("tiny") == "installed" and "Installed" in dialog.status.text()
    assert not dialog.download_button.isEnabled() and dialog.default_button.isEnabled()
    with qtbot.waitSignal(dialog.default_chosen) as chosen:
        dialog.default_button.click()
    assert chosen.args == ["tiny"] and dialog.state_of("tiny") == "default"


def test_cancel_keeps_the_part_and_offers_to_resume(qtbot, store, tiny_ggml, open_dialog):
    fake = FakeDownloader(tiny_ggml)
    dialog = open_dialog(ModelActions(store, fake))
    dialog.select("base.en")
    dialog.download_button.click()
    qtbot.waitUntil(fake.first_step.is_set, timeout=5000)
    with qtbot.waitSignal(dialog.runner.cancelled, timeout=5000):
        dialog.cancel_button.click()
        fake.gate.set()
    assert "cancelled" in dialog.status.text()
    assert dialog.state_of("base.en").endswith("downloaded")
    assert dialog.download_button.text() == "Resume"


def test_a_failed_download_says_why(qtbot, store, tiny_ggml, open_dialog):
    fake = FakeDownloader(tiny_ggml, error="The server at example.org stopped answering.")
    fake.gate.set()
    dialog = open_dialog(ModelActions(store, fake))
    dialog.select("small")
    with qtbot.waitSignal(dialog.runner.failed, timeout=5000):
        dialog.download_button.click()
    assert dialog.status.text() == "The server at example.org stopped answering."
    assert dialog.status.property("error") is True
    assert dialog.state_of("small") == "—" and dialog.download_button.isEnabled()


def test_a_real_download_from_a_loopback_server_cancels_and_resumes(
        qtbot, store, tiny_ggml, open_dialog, monkeypatch):
    entry = CatalogEntry("tiny", len(tiny_ggml), None, hashlib.sha256(tiny_ggml).hexdigest(),
                         True, "99 languages")
    monkeypatch.setattr("app.model_actions.find", lambda name: entry if name == "tiny" else find(name))
    with ModelServer({entry.filename: tiny_ggml}) as server:
        monkeypatch.setenv("MURMUR_MODEL_BASE_URL", server.url)
        server.stall_after = 100_000
        dialog = open_dialog(ModelActions(store))
        dialog.select("tiny")
        dialog.download_button.click()
        part = store.root / f"{entry.filename}.part"
        # Sent is not yet received: cancel once the bytes are on disk, or nothing is kept.
        qtbot.waitUntil(lambda: part.is_file() and part.stat().st_size == 100_000, timeout=5000)
        with qtbot.waitSignal(dialog.runner.cancelled, timeout=5000):
            dialog.cancel_button.click()
        assert dialog.download_button.text() == "Resume"
        server.stall_after = None
        with qtbot.waitSignal(dialog.runner.succeeded, timeout=10000):
            dialog.download_button.click()
        assert server.requests[-1].range == "bytes=100000-"
    assert dialog.state_of("tiny") == "installed"


def test_import_and_delete(qtbot, store, tiny_ggml, tmp_path, open_dialog):
    source = tmp_path / "ggml-my-voice.bin"
    source.write_bytes(tiny_ggml)
    dialog = open_dialog(ModelActions(store, FakeDownloader(tiny_ggml)))
    with qtbot.waitSignal(dialog.models_changed, timeout=10000):
        dialog.import_from(source)
    assert dialog.state_of("my-voice") == "installed"
    # The test file's small vocabulary is English-only to whisper.cpp (fewer than 51865 tokens).
    assert [r.languages for r in dialog._rows if r.name == "my-voice"] == [
        "English only (imported)"]
    dialog.select("my-voice")
    with qtbot.waitSignal(dialog.models_changed):
        dialog.delete_button.click()
    assert all(r.name != "my-voice" for r in dialog._rows)
    assert not store.path_for("my-voice").exists()


def test_an_unusable_import_is_named(qtbot, store, tmp_path, open_dialog):
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    dialog = open_dialog(ModelActions(store))
    with qtbot.waitSignal(dialog.runner.failed, timeout=5000):
        dialog.import_from(empty)
    text = dialog.status.text()
    assert "not-a-model" in text and "model.bin" in text  # names the folder and what is missing
    assert dialog.status.property("error") is True


def test_the_catalog_shows_each_models_size(store, open_dialog):
    from engine.catalog import CATALOG, format_size

    dialog = open_dialog(ModelActions(store))
    sizes = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text()
             for r in range(dialog.table.rowCount())}
    assert all(sizes[e.name] == format_size(e.size_bytes) for e in CATALOG if e.size_bytes)
    assert sizes["large-v3"].endswith("GiB") and sizes["tiny"].endswith("MiB")


def test_model_folders_of_both_layouts_import_from_the_window(qtbot, store, tmp_path,
                                                               engine_fixtures, open_dialog):
    """A CTranslate2 (faster-whisper) folder and a Transformers folder (config.json +
    model.safetensors) of the engine tests' tiny Whisper, imported as the Import… menu does."""
    f = engine_fixtures
    cfg = f.TinyWhisper()
    ct2 = f.make_ct2_dir(tmp_path / "my-ct2")
    hf = f.make_hf_dir(tmp_path / "my-finetune", f.tiny_whisper_variables(cfg),
                       list(cfg.regular + cfg.specials))
    dialog = open_dialog(ModelActions(store))
    for folder in (ct2, hf):
        with qtbot.waitSignal(dialog.runner.succeeded, timeout=10000):
            dialog.import_from(folder)
        assert dialog.state_of(folder.name) == "installed", dialog.status.text()
    assert store.path_for("my-ct2").read_bytes() == store.path_for("my-finetune").read_bytes()


def test_use_as_default_in_the_windows_model_manager_saves_the_setting(qtbot, tmp_path, store,
                                                                      tiny_ggml):
    """``main.wire_tools``: "Models…" in the window opens the manager; "Use as default" goes
    through the same apply-settings function as the settings dialog (saved and loaded)."""
    import dataclasses

    from PySide6.QtCore import QObject, Signal

    import main
    from app.settings import Settings
    from app.state import State
    from ui.main_window import MainWindow

    class Controller(QObject):
        state_changed = Signal(object)
        state = State.IDLE

    store.ensure_root()
    store.path_for("mine").write_bytes(tiny_ggml)
    window = MainWindow(None)
    qtbot.addWidget(window)
    settings, applied = [Settings(model="base")], []
    files = main.wire_tools(window, Controller(), store, lambda: settings[-1], applied.append)
    try:
        window.models_button.click()
        dialog = window.findChild(ModelManagerDialog)
        dialog.select("mine")
        dialog.default_button.click()
        assert applied == [dataclasses.replace(settings[-1], model="mine")]
        assert dialog.state_of("mine") == "default"
        dialog.done(0)
    finally:
        files.stop()


LAZY_TOOLS_SCRIPT = r"""
import sys
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication
app = QApplication([])
import main
from app.settings import Settings
from app.state import State
from engine.model_store import ModelStore
from ui.main_window import MainWindow

class Controller(QObject):
    state_changed = Signal(object)
    state = State.IDLE

heavy = ("ssl", "urllib.request", "ui.model_manager", "app.model_actions",
         "ui.file_transcription", "soundfile", "html")
window = MainWindow(None)
files = main.wire_tools(window, Controller(), ModelStore(), lambda: Settings(), lambda s: None)
print("before", *[name for name in heavy if name in sys.modules])
window.models_button.click()
print("models", *[name for name in heavy if name in sys.modules])
window.files_button.click()
print("files", *[name for name in heavy if name in sys.modules])
from ui.model_manager import ModelManagerDialog
window.findChild(ModelManagerDialog).done(0)  # stops its task thread
files.stop()
"""


def test_the_model_manager_and_its_download_stack_load_when_first_opened(tmp_path):
    """Memory (issue 5): the manager's modules bring ssl, urllib and email (~9 MiB), the file
    dialog's libsndfile and html (~1.7 MiB), that a session which never opens them should not
    hold. A fresh interpreter (offscreen Qt, private XDG dirs) wires the tools as main.py does,
    then opens "Models…" and then "Transcribe files…" as a user would."""
    import os
    import subprocess

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           **{name: str(tmp_path / name.lower()) for name in
              ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")}}
    done = subprocess.run([sys.executable, "-c", LAZY_TOOLS_SCRIPT], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split(" ", 1) if " " in line else (line, "")
                 for line in done.stdout.splitlines())
    assert lines["before"] == "", lines
    models = {"ssl", "urllib.request", "ui.model_manager", "app.model_actions"}
    assert set(lines["models"].split()) == models, lines
    assert set(lines["files"].split()) == models | {"ui.file_transcription", "soundfile",
                                                    "html"}, lines
