"""The model catalog: every entry well-formed, names unique, lookups right."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from engine import catalog
from engine.catalog import CATALOG, CatalogEntry, find, model_filename

# The official names whisper.cpp's download script offers (tinydiarize lives elsewhere).
EXPECTED_NAMES = {
    "tiny", "tiny.en", "tiny-q5_1", "tiny.en-q5_1", "tiny-q8_0",
    "base", "base.en", "base-q5_1", "base.en-q5_1", "base-q8_0",
    "small", "small.en", "small-q5_1", "small.en-q5_1", "small-q8_0",
    "medium", "medium.en", "medium-q5_0", "medium.en-q5_0", "medium-q8_0",
    "large-v1", "large-v2", "large-v2-q5_0", "large-v2-q8_0",
    "large-v3", "large-v3-q5_0", "large-v3-turbo", "large-v3-turbo-q5_0", "large-v3-turbo-q8_0",
}


def test_names_are_unique_and_the_official_set():
    names = [entry.name for entry in CATALOG]
    assert len(names) == len(set(names))
    assert set(names) == EXPECTED_NAMES


@pytest.mark.parametrize("entry", CATALOG, ids=lambda entry: entry.name)
def test_entry_is_well_formed(entry: CatalogEntry):
    url = urlsplit(entry.url)
    assert url.scheme == "https"
    assert url.netloc == "huggingface.co"
    assert url.path == f"/ggerganov/whisper.cpp/resolve/main/ggml-{entry.name}.bin"
    assert entry.filename == f"ggml-{entry.name}.bin" == model_filename(entry.name)
    assert entry.sha1 is not None and re.fullmatch(r"[0-9a-f]{40}", entry.sha1)
    assert entry.sha256 is not None and re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
    assert entry.size_bytes is not None and entry.size_bytes > 1_000_000
    assert entry.multilingual == (".en" not in entry.name)
    assert entry.disk.endswith("iB") and entry.ram.startswith("~")
    if "-q" in entry.name:
        assert entry.quantization in ("q5_0", "q5_1", "q8_0")
        assert entry.name.endswith(entry.quantization)
    else:
        assert entry.quantization is None


def test_digests_are_unique():
    # Two entries sharing a digest would mean a copy-paste slip in the table.
    for field in ("sha1", "sha256"):
        values = [getattr(entry, field) for entry in CATALOG]
        assert len(values) == len(set(values)), field


def test_quantized_files_are_smaller_than_their_originals():
    for entry in CATALOG:
        if entry.quantization:
            original = find(entry.name.rsplit("-", 1)[0])
            assert original is not None, entry.name
            assert entry.size_bytes < original.size_bytes


def test_default_model_is_base_q8_0():
    entry = find(catalog.DEFAULT_MODEL)
    assert entry is not None
    assert entry.name == "base-q8_0" and catalog.DEFAULT_QUANT == "q8_0"
    assert entry.filename == "ggml-base-q8_0.bin"
    # The size the CTranslate2 importer produces for the same weights, quantized the same way.
    assert entry.size_bytes == 81_768_585


@pytest.mark.parametrize("query, expected", [
    ("base", "base"),
    ("  small.en ", "small.en"),
    ("ggml-large-v3-turbo-q5_0.bin", "large-v3-turbo-q5_0"),
    ("large", None),
    ("small.en-tdrz", None),
    ("", None),
    ("BASE", None),
])
def test_find(query, expected):
    entry = find(query)
    assert (entry.name if entry else None) == expected


def test_entries_are_frozen():
    with pytest.raises(AttributeError):
        CATALOG[0].sha1 = "0" * 40  # type: ignore[misc]


@pytest.mark.parametrize("n_bytes, text", [
    (512, "512 B"),
    (2048, "2 KiB"),
    (147_951_465, "141 MiB"),
    (3_095_033_483, "2.9 GiB"),
])
def test_format_size(n_bytes, text):
    assert catalog.format_size(n_bytes) == text
