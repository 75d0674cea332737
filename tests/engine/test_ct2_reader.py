"""The CTranslate2 model.bin reader, on small files written by the test (the ct2_bytes fixture)."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from engine.ct2_reader import as_float32, read_config, read_ct2_model, read_vocabulary
from engine.errors import ModelImportError

BFLOAT16 = "bfloat16"  # ct2_bytes writes (BFLOAT16, uint16 bits) as CTranslate2's bfloat16


def _variables():
    return {
        "a/f32": np.arange(6, dtype=np.float32).reshape(2, 3),
        "a/f16": np.array([0.5, -2.0, 65504.0], np.float16),
        "b/num_heads": np.int16(8),
        "b/i32": np.array([1, -2], np.int32),
        "c/weight": np.array([[127, -64], [10, 20]], np.int8),
        "c/weight_scale": np.array([127.0, 10.0], np.float32),
        "d/bf16": (BFLOAT16, np.array([0x3F80, 0xC000], np.uint16)),  # 1.0, -2.0
    }


def test_reads_every_dtype_shape_and_alias(tmp_path, ct2_bytes):
    path = tmp_path / "model.bin"
    path.write_bytes(ct2_bytes(_variables(), {"z/alias": "a/f16"}, spec="WhisperSpec", revision=3))
    model = read_ct2_model(path)
    assert (model.spec_name, model.revision) == ("WhisperSpec", 3)
    for name, value in _variables().items():
        if isinstance(value, tuple):
            continue
        got = model.variables[name]
        assert got.dtype == value.dtype and got.shape == np.shape(value)
        np.testing.assert_array_equal(got, value)
    assert model.variables["z/alias"] is model.variables["a/f16"]
    assert int(model.variables["b/num_heads"]) == 8
    assert model.bfloat16 == {"d/bf16"}
    np.testing.assert_array_equal(as_float32(model, "d/bf16"), [1.0, -2.0])
    # int8 weights are stored as round(w * scale), one scale per row.
    np.testing.assert_allclose(as_float32(model, "c/weight"), [[1.0, -64 / 127], [1.0, 2.0]])
    assert as_float32(model, "a/f16").dtype == np.float32


def _corrupt_cases(ct2_bytes):
    good = ct2_bytes(_variables())
    unknown_dtype = bytearray(ct2_bytes({"x": np.zeros(2, np.float32)}))
    # The dtype byte of the only variable sits after version, spec, revision, count, name, rank, dim.
    dtype_at = 4 + len(b"WhisperSpec") + 3 + 8 + 2 + 2 + 1 + 4
    assert unknown_dtype[dtype_at] == 0
    unknown_dtype[dtype_at] = 9
    bad_size = bytearray(ct2_bytes({"x": np.zeros(2, np.float32)}))
    struct.pack_into("<I", bad_size, dtype_at + 1, 7)
    return {
        "version 5": (ct2_bytes(_variables(), version=5), "binary version 5"),
        "truncated": (good[: len(good) // 2], "truncated"),
        "header only": (good[:3], "truncated"),
        "unknown dtype": (bytes(unknown_dtype), "unknown data type 9"),
        "size mismatch": (bytes(bad_size), "7 bytes for shape"),
        "trailing bytes": (good + b"\0\0", "unexpected bytes"),
        "dangling alias": (ct2_bytes({"x": np.zeros(2, np.float32)}, {"y": "nope"}), "missing variable nope"),
        "empty": (b"", "Cannot read"),
    }


CORRUPT_CASES = ["version 5", "truncated", "header only", "unknown dtype", "size mismatch",
                 "trailing bytes", "dangling alias", "empty"]


@pytest.mark.parametrize("case", CORRUPT_CASES)
def test_corrupt_files_raise_model_import_error(tmp_path, ct2_bytes, case):
    data, message = _corrupt_cases(ct2_bytes)[case]
    path = tmp_path / "model.bin"
    path.write_bytes(data)
    with pytest.raises(ModelImportError, match=message):
        read_ct2_model(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelImportError, match="does not exist"):
        read_ct2_model(tmp_path / "model.bin")


def test_int8_without_scale_is_refused(tmp_path, ct2_bytes):
    path = tmp_path / "model.bin"
    path.write_bytes(ct2_bytes({"w": np.ones((2, 2), np.int8)}))
    with pytest.raises(ModelImportError, match="w_scale"):
        as_float32(read_ct2_model(path), "w")


@pytest.mark.parametrize("text,tokens", [
    ("a\nb\n", ["a", "b"]),
    ("a\n\nb\n", ["a", "", "b"]),          # an empty line is a token (Whisper's 50256)
    ("a\nb", ["a", "b"]),                  # no final newline
    ("a\u2028b\n", ["a\u2028b"]),          # only \n separates tokens, not other line breaks
    ("\n", [""]),
])
def test_vocabulary_splits_on_newline_only(tmp_path, text, tokens):
    path = tmp_path / "vocabulary.txt"
    path.write_text(text, encoding="utf-8")
    assert read_vocabulary(path) == tokens


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_bad_config(tmp_path, text):
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(ModelImportError, match="config.json"):
        read_config(path)
