"""What the model manager can do to the models folder: list, download, import, delete.

Qt-free, so the dialog (``ui/model_manager.py``) only shows rows and buttons; tests swap the
downloader for a fake. Download and import run on the dialog's worker thread and take
``progress(done, total)`` and a cancel event, ``ui/task_worker.py``'s calling convention.

Threads: ``rows`` and ``delete`` on the GUI thread; ``download`` and ``import_model`` on a
worker (they only touch their own files; ``ModelStore`` holds no state besides its folder).
"""
from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.catalog import CATALOG, CatalogEntry, find, format_size
from engine.errors import DownloadCancelled, ModelFileError
from engine.ggml_layout import model_languages
from engine.model_import import import_model
from engine.model_store import InstalledModel, ModelStore

Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class ModelRow:
    """One line of the model manager.

    Attributes:
        name: The model's name (``base``, ``small.en-q5_1``, an imported name).
        size: Download or file size, e.g. ``142 MiB``.
        languages: What it understands ("English only", "99 languages", "imported").
        installed: A usable file is in the models folder.
        partial_bytes: Bytes of an interrupted download that a resume would keep (0: none).
        problem: Why an installed file cannot be used, or None.
        in_catalog: It can be downloaded (again).
    """

    name: str
    size: str
    languages: str
    installed: bool
    partial_bytes: int
    problem: str | None
    in_catalog: bool


def imported_languages(model: InstalledModel) -> str:
    """The languages column for a model the user brought, from its vocabulary."""
    if model.info is None:  # damaged: its problem column says why
        return "imported"
    return f"{model_languages(model.info.hparams)} (imported)"


class ModelActions:
    """Operations on ``store`` (the models folder).

    Args:
        store: The models folder.
        downloader: ``download_model``'s signature; tests pass a fake.
    """

    def __init__(self, store: ModelStore, downloader: Callable[..., Path] | None = None) -> None:
        self.store = store
        if downloader is None:
            from engine.download import download_model as downloader
        self._download = downloader

    def rows(self) -> list[ModelRow]:
        """The catalog with installed state, then imported models."""
        installed = {model.name: model for model in self.store.installed()}
        rows = []
        for entry in CATALOG:
            model = installed.pop(entry.name, None)
            part = self.store.root / f"{entry.filename}.part"
            partial = part.stat().st_size if part.is_file() else 0
            rows.append(ModelRow(entry.name, entry.disk, entry.languages, model is not None,
                                 partial, model.problem if model else None, True))
        for name, model in installed.items():
            rows.append(ModelRow(name, format_size(model.size_bytes), imported_languages(model),
                                 True, 0, model.problem, False))
        return rows

    def download(self, name: str, progress: Progress, cancel: threading.Event) -> Path:
        """Fetch a catalog model (resuming a partial file). Raises ``DownloadError``."""
        entry: CatalogEntry | None = find(name)
        if entry is None:
            raise ModelFileError(f"'{name}' is not in the catalog.")
        return self._download(entry, self.store.ensure_root(), progress=progress, cancel=cancel)

    def import_model(self, source: Path, progress: Progress, cancel: threading.Event) -> Path:
        """Convert or copy the model at ``source`` into the folder, named after ``source``.

        Raises:
            ModelImportError: not a model we can use (the message names what is missing).
            DownloadCancelled: cancelled before the file was put in place.
        """
        source = Path(source)
        self.store.ensure_root()
        with tempfile.TemporaryDirectory(dir=self.store.root, prefix=".import-") as tmp:
            staged, _layout = import_model(source, Path(tmp) / "model.bin", "f16",
                                           lambda fraction: progress(int(fraction * 1000), 1000))
            if cancel.is_set():
                raise DownloadCancelled(f"Import of {source.name} cancelled.")
            dest = self.store.path_for(self._free_name(source))
            os.replace(staged, dest)
            os.chmod(dest, 0o600)
        return dest

    def delete(self, name: str) -> None:
        """Remove a model's file and any partial download of it. Raises ``OSError``, or
        ``ModelFileError`` when nothing of that name is installed."""
        self.store.delete(name)

    def _free_name(self, source: Path) -> str:
        stem = source.name[:-len(".bin")] if source.name.endswith(".bin") else source.name
        stem = stem[len("ggml-"):] if stem.startswith("ggml-") else stem
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "imported"
        name, n = base, 2
        while self.store.path_for(name).exists() or find(name) is not None:
            name, n = f"{base}-{n}", n + 1
        return name

