"""The model manager's languages column for imported models (app/model_actions.py), from the
vocabulary size in the file's header, as whisper.cpp itself tells the kinds apart. Real files
of each kind are imported in tests/engine/test_english_only_import.py; here the header facts."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.model_actions import imported_languages
from engine.ggml_layout import GgmlHparams
from engine.model_store import InstalledModel

#: Whisper base's header; each case changes only the vocabulary size.
HPARAMS = GgmlHparams(51865, 1500, 512, 8, 6, 448, 512, 8, 6, 80, 1)


def installed(n_vocab: int | None) -> InstalledModel:
    info = None if n_vocab is None else SimpleNamespace(hparams=replace(HPARAMS, n_vocab=n_vocab))
    return InstalledModel("mine", Path("ggml-mine.bin"), 1, info, None if info else "damaged")


@pytest.mark.parametrize("n_vocab, said", [
    (51864, "English only (imported)"),  # tiny.en … medium.en, distil *.en
    (51865, "99 languages (imported)"),  # tiny … large-v2
    (51866, "100 languages (adds Cantonese) (imported)"),  # large-v3, turbo (Cantonese added)
    (None, "imported"),  # a damaged file: its problem is shown instead
])
def test_imported_models_say_which_languages_they_know(n_vocab, said):
    assert imported_languages(installed(n_vocab)) == said
