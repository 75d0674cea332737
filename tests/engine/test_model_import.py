"""``models import`` routing: each layout to its importer, ggml files checked and copied
atomically, unknown layouts refused naming what is missing; the safetensors reader's edges."""
from __future__ import annotations

import json
import re
import struct

import numpy as np
import pytest

from engine.ct2_import import import_ct2_model
from engine.errors import ModelImportError
from engine.ggml_format import inspect_ggml
from engine.ggml_import import import_ggml_file
from engine.model_import import ModelLayout, detect_layout, import_model
from engine.model_store import ModelStore, import_model_dir
from engine.safetensors_reader import SafetensorsFile, write_safetensors


@pytest.fixture
def tiny_ggml(tmp_path, tiny_ct2_dir):
    return import_ct2_model(tiny_ct2_dir, tmp_path / "ggml-tiny-test.bin", "q8_0")


def test_each_layout_goes_to_its_importer(tmp_path, tiny_ct2_dir, tiny_hf_dir, tiny_ggml):
    results = {}
    for source in (tiny_ct2_dir, tiny_hf_dir, tiny_ggml):
        dest, layout = import_model(source, tmp_path / "out" / f"{source.name}.bin", "q8_0")
        results[layout] = dest.read_bytes()
    assert set(results) == {ModelLayout.CT2, ModelLayout.TRANSFORMERS, ModelLayout.GGML}
    assert len(set(results.values())) == 1  # one model, three layouts, the same file


def test_a_ggml_file_is_copied_unchanged_with_progress(tmp_path, tiny_ggml):
    fractions = []
    dest = import_ggml_file(tiny_ggml, tmp_path / "models" / "copy.bin", fractions.append)
    assert dest.read_bytes() == tiny_ggml.read_bytes()
    assert fractions[-1] == 1.0 and not list(dest.parent.glob("*.part"))


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.write_bytes(p.read_bytes()[:-10]), "is truncated"),
    (lambda p: p.write_bytes(b"GGUF" + p.read_bytes()[4:]), "GGUF"),
    (lambda p: p.write_bytes(p.read_bytes() + b"\0" * 8), "unexpected data"),
])
def test_a_damaged_ggml_file_is_refused_and_nothing_is_written(tmp_path, tiny_ggml, damage, message):
    damage(tiny_ggml)
    dest = tmp_path / "models" / "copy.bin"
    dest.parent.mkdir()
    dest.write_bytes(b"previous")
    with pytest.raises(ModelImportError, match=message):
        import_model(tiny_ggml, dest) if message != "GGUF" else import_ggml_file(tiny_ggml, dest)
    assert dest.read_bytes() == b"previous" and not dest.with_name("copy.bin.part").exists()


def _dir_with(tmp_path, *names, config=None):
    d = tmp_path / "candidate"
    d.mkdir()
    for name in names:
        (d / name).write_bytes(b"x")
    if config is not None:
        (d / "config.json").write_text(json.dumps(config))
    return d


@pytest.mark.parametrize("make, message", [
    (lambda t: t / "nowhere", "does not exist"),
    (lambda t: _dir_with(t), "model.bin, config.json and model.safetensors are all missing"),
    (lambda t: _dir_with(t, "README.md", "model.onnx"), "holds no Whisper model"),
    (lambda t: _dir_with(t, "model.safetensors"), "Transformers model but config.json is missing"),
    (lambda t: _dir_with(t, "model.safetensors", config={"model_type": "bert"}), "bert model, not Whisper"),
    (lambda t: _dir_with(t, "model.bin"), "config.json, vocabulary.txt missing"),
    (lambda t: _dir_with(t, config={"model_type": "whisper"}), "lacks Whisper sizes"),
    (lambda t: (t / "notes.bin").write_text("hello") and t / "notes.bin", "not a whisper.cpp ggml model"),
])
def test_unknown_layouts_name_what_is_missing(tmp_path, make, message):
    source = make(tmp_path)
    with pytest.raises(ModelImportError, match=re.escape(message)) as info:
        import_model(source, tmp_path / "out.bin")
    assert "\n" not in str(info.value) and not (tmp_path / "out.bin").exists()


def test_detect_layout(tiny_ct2_dir, tiny_hf_dir, tiny_ggml):
    assert [detect_layout(p) for p in (tiny_ct2_dir, tiny_hf_dir, tiny_ggml)] == \
           [ModelLayout.CT2, ModelLayout.TRANSFORMERS, ModelLayout.GGML]


def test_store_names_imports_by_layout(tmp_path, tiny_ct2_dir, tiny_hf_dir, tiny_ggml):
    store = ModelStore(tmp_path / "models")
    renamed = tiny_hf_dir.rename(tiny_hf_dir.parent / "whisper tiny (de)")
    names = [import_model_dir(store, source, None, quant).name for source, quant in
             ((tiny_ct2_dir, "q5_1"), (renamed, "f16"), (renamed, "q8_0"), (tiny_ggml, "f16"))]
    # CTranslate2: size + type (a shape of no OpenAI size: its folder); fine-tunes and ggml
    # files keep their own name (+ type).
    assert names == ["ggml-tiny-ct2-q5_1.bin", "ggml-whisper-tiny-de.bin", "ggml-whisper-tiny-de-q8_0.bin",
                     "ggml-tiny-test-q8_0.bin"]
    with pytest.raises(ModelImportError, match="already installed"):
        import_model_dir(store, tiny_ggml, None, "f16")
    assert not list(store.root.glob(".import-*"))
    assert all(m.problem is None for m in store.installed())


# --- safetensors reader ----------------------------------------------------------------------

def test_safetensors_round_trip_and_metadata(tmp_path):
    tensors = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(5, np.float16),
               "c": np.array([1, -2], np.int64)}
    path = write_safetensors(tmp_path / "t.safetensors", tensors, {"format": "pt"})
    reader = SafetensorsFile(path)
    assert list(reader) == ["a", "b", "c"] and reader.metadata == {"format": "pt"}
    assert reader.shape("a") == (2, 3) and reader.dtype_name("b") == "F16"
    for name, array in tensors.items():
        np.testing.assert_array_equal(reader[name], array)
        assert reader[name].dtype == array.dtype and not reader[name].flags.writeable
    assert (8 + struct.unpack("<Q", path.read_bytes()[:8])[0]) % 8 == 0


def _raw(header: dict, data: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


@pytest.mark.parametrize("content, message", [
    (b"", "Cannot read"),
    (b"\x01\x02", "too short"),
    (struct.pack("<Q", 1 << 40) + b"{}", "announces"),
    (struct.pack("<Q", 50) + b"{}", "ends inside its header"),
    (_raw([1, 2]), "header is not an object"),
    (_raw({"w": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}, b"\0"), "unsupported dtype F8_E4M3"),
    (_raw({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8), "truncated"),
    (_raw({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}, b"\0" * 16), "16 bytes for F32 shape (3,)"),
    (_raw({"w": {"dtype": "F32", "shape": [3]}}), "malformed header entry"),
])
def test_safetensors_corruption_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelImportError, match=re.escape(message)):
        SafetensorsFile(path)
