"""One entry point for ``models import``: recognise what the user brought and convert it.

Three layouts are accepted, told apart by their files:

* a CTranslate2 / faster-whisper directory: ``model.bin``, ``config.json``, ``vocabulary.json``
  or ``vocabulary.txt`` (:mod:`engine.ct2_import`);
* a Hugging Face Transformers directory: ``config.json`` with ``"model_type": "whisper"``,
  ``model.safetensors`` (or shards) and ``vocab.json`` / ``tokenizer.json``
  (:mod:`engine.hf_import`);
* a whisper.cpp ggml ``.bin`` file (:mod:`engine.ggml_import`), copied as it is.

Once the layout is clear, the layout's own importer names exactly which file, key or tensor is
missing; when no layout fits, the message lists what each would need.
"""
from __future__ import annotations

import enum
from pathlib import Path
from typing import Callable

from engine.ct2_import import import_ct2_model
from engine.ct2_reader import VOCABULARY_FILES
from engine.errors import ModelImportError
from engine.ggml_import import import_ggml_file, is_ggml_file
from engine.hf_import import CONFIG, WEIGHTS, WEIGHTS_INDEX, import_hf_model, read_hf_config


class ModelLayout(enum.Enum):
    """What a path given to ``models import`` holds."""

    CT2 = "CTranslate2"
    TRANSFORMERS = "Transformers"
    GGML = "ggml"


_EXPECTED = ("expected a CTranslate2 / faster-whisper directory (model.bin, config.json, "
             "vocabulary.json or .txt), a Transformers directory (config.json, model.safetensors, "
             "vocab.json) or a whisper.cpp ggml .bin file")


def detect_layout(source: Path) -> ModelLayout:
    """Tell which importer ``source`` is for, from file names and magic numbers only.

    Raises:
        ModelImportError: ``source`` does not exist, or fits no layout (the message names what
            is missing).
    """
    source = Path(source)
    if not source.exists():
        raise ModelImportError(f"{source} does not exist.")
    if source.is_file():
        if is_ggml_file(source):
            return ModelLayout.GGML
        raise ModelImportError(f"{source} is not a whisper.cpp ggml model (wrong magic number); "
                               f"{_EXPECTED}.")
    names = {path.name for path in source.iterdir()}
    if "model.bin" in names or names & set(VOCABULARY_FILES):
        return ModelLayout.CT2
    if CONFIG in names:
        read_hf_config(source)  # refuses a config.json of another model type, by name
        return ModelLayout.TRANSFORMERS
    if WEIGHTS in names or WEIGHTS_INDEX in names:
        raise ModelImportError(f"{source} looks like a Transformers model but {CONFIG} is missing.")
    raise ModelImportError(f"{source} holds no Whisper model: model.bin, {CONFIG} and "
                           f"{WEIGHTS} are all missing; {_EXPECTED}.")


def import_model(source: Path, dest: Path, quant: str = "f16",
                 progress: Callable[[float], None] | None = None) -> tuple[Path, ModelLayout]:
    """Convert or copy the model at ``source`` into the ggml file ``dest``.

    Args:
        source: a CTranslate2 or Transformers directory, or a ggml file.
        dest: the ggml file to create (atomically: ``dest`` never holds a partial file).
        quant: weight type for conversions ("f16", "q8_0", "q5_1"); a ggml file keeps its own.
        progress: called with the fraction done, from 0.0 to 1.0, on the calling thread.

    Returns:
        ``dest`` and the layout that was found.

    Raises:
        ModelImportError: with one sentence naming what is missing or wrong.
    """
    layout = detect_layout(source)
    if layout is ModelLayout.GGML:
        return import_ggml_file(source, dest, progress), layout
    if layout is ModelLayout.TRANSFORMERS:
        return import_hf_model(source, dest, quant, progress), layout
    return import_ct2_model(source, dest, quant, progress), layout
