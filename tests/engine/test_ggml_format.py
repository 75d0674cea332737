"""ggml writer ↔ inspector round trip, and every kind of bad file inspect_ggml must refuse."""
from __future__ import annotations

import dataclasses
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from engine.errors import ModelFileError
from engine.ggml_format import inspect_ggml, write_header, write_tensor
from engine.ggml_layout import GgmlHparams, model_size_name, whisper_tensor_layout

TINY = GgmlHparams(n_vocab=24, n_audio_ctx=8, n_audio_state=64, n_audio_head=2, n_audio_layer=1,
                   n_text_ctx=6, n_text_state=64, n_text_head=2, n_text_layer=1, n_mels=80, ftype=1)
TOKENS = [b"a", b"", b"\xff\xfe", b" the"]
HPARAMS_AT = 4  # byte offset of n_vocab
HEADER_SIZE = 4 + 44 + 8 + 80 * 201 * 4 + 4 + sum(4 + len(t) for t in TOKENS)


def _payload(spec, rng) -> bytes:
    if spec.type_name == "f32":
        return rng.standard_normal(spec.shape).astype("<f4").tobytes()
    if spec.type_name == "f16":
        return rng.standard_normal(spec.shape).astype("<f2").tobytes()
    return rng.integers(0, 256, spec.nbytes, dtype=np.uint8).tobytes()


def write_model(path: Path, hparams: GgmlHparams = TINY) -> dict[str, bytes]:
    """Write a complete random-weight model; return name -> the data bytes written."""
    rng = np.random.default_rng(3)
    written = {}
    with path.open("wb") as out:
        write_header(out, hparams, rng.random((hparams.n_mels, 201), dtype=np.float32), TOKENS)
        for spec in whisper_tensor_layout(hparams):
            written[spec.name] = _payload(spec, rng)
            write_tensor(out, spec, written[spec.name])
    return written


@pytest.mark.parametrize("ftype,weight_type", [(1, "f16"), (2007, "q8_0"), (2009, "q5_1")])
def test_round_trip_names_shapes_types_and_data(tmp_path, ftype, weight_type):
    hparams = dataclasses.replace(TINY, ftype=ftype)
    path = tmp_path / "model.bin"
    written = write_model(path, hparams)
    info = inspect_ggml(path)
    layout = whisper_tensor_layout(hparams)
    assert info.hparams == hparams and info.ftype == weight_type
    assert info.n_tensors == len(layout) == 7 + 15 + 4 + 24
    assert info.n_vocab_tokens == len(TOKENS)
    assert info.file_size == path.stat().st_size
    assert [(t.name, t.shape, t.type_name) for t in info.tensors] == \
           [(s.name, s.shape, s.type_name) for s in layout]
    types = {t.name: t.type_name for t in info.tensors}
    assert types["encoder.conv1.weight"] == "f16"               # 3-D: never quantized
    assert types["encoder.conv1.bias"] == "f32"                 # quantizer skip list
    assert types["decoder.positional_embedding"] == "f32"
    assert types["decoder.blocks.0.mlp_ln.bias"] == "f32"       # 1-D
    assert types["decoder.token_embedding.weight"] == weight_type
    assert types["encoder.blocks.0.attn.query.weight"] == weight_type
    assert "encoder.blocks.0.attn.key.bias" not in types
    data = path.read_bytes()
    for tensor in info.tensors:
        assert data[tensor.offset:tensor.offset + tensor.nbytes] == written[tensor.name]


def test_write_tensor_refuses_wrong_data_size(tmp_path):
    spec = whisper_tensor_layout(TINY)[0]
    with (tmp_path / "x").open("wb") as out, pytest.raises(ValueError):
        write_tensor(out, spec, b"\0" * (spec.nbytes - 1))


def _patched(data: bytes, offset: int, fmt: str, *values) -> bytes:
    patched = bytearray(data)
    struct.pack_into(fmt, patched, offset, *values)
    return bytes(patched)


def _hparam(data: bytes, name: str, value: int) -> bytes:
    index = [f.name for f in dataclasses.fields(GgmlHparams)].index(name)
    return _patched(data, HPARAMS_AT + 4 * index, "<i", value)


FIRST_TENSOR = HEADER_SIZE  # encoder.positional_embedding: 2 dims, f32
FIRST_NAME = FIRST_TENSOR + 12 + 8

# name, how to damage a good file (bytes -> bytes), words the error must contain
BAD_FILES = [
    ("empty", lambda d: b"", "is empty"),
    ("wrong magic", lambda d: b"RIFF" + d[4:], "not a whisper.cpp ggml model"),
    ("gguf", lambda d: b"GGUF" + d[4:], "GGUF"),
    ("cut in magic", lambda d: d[:3], "not a whisper.cpp ggml model"),
    ("cut in hparams", lambda d: d[:30], "truncated"),
    ("cut in mel filters", lambda d: d[:5000], "truncated"),
    ("cut in vocabulary", lambda d: d[:HEADER_SIZE - 3], "truncated"),
    ("cut in tensor header", lambda d: d[:FIRST_TENSOR + 6], "truncated: expected"),
    ("cut in tensor data", lambda d: d[:-10], "truncated: expected"),
    ("negative n_vocab", lambda d: _hparam(d, "n_vocab", -5), "n_vocab = -5 is out of range"),
    ("absurd layer count", lambda d: _hparam(d, "n_audio_layer", 100000), "n_audio_layer"),
    ("zero heads", lambda d: _hparam(d, "n_text_head", 0), "n_text_head"),
    ("state mismatch", lambda d: _hparam(d, "n_text_state", 128), "differs from n_text_state"),
    ("heads do not divide", lambda d: _hparam(d, "n_audio_head", 3), "multiple of the number of heads"),
    ("unknown ftype", lambda d: _hparam(d, "ftype", 5), "unknown ftype 5"),
    ("all f32", lambda d: _hparam(d, "ftype", 0), "f32"),
    ("mel bands mismatch", lambda d: _patched(d, 48, "<i", 40), "mel filterbank"),
    ("vocabulary too big", lambda d: _patched(d, 48 + 8 + 80 * 201 * 4, "<i", 10**6), "vocabulary entries"),
    ("absurd token length", lambda d: _patched(d, 48 + 8 + 80 * 201 * 4 + 4, "<i", 10**8), "vocabulary entry"),
    ("unknown tensor type", lambda d: _patched(d, FIRST_TENSOR + 8, "<i", 99), "unknown type 99"),
    ("bad n_dims", lambda d: _patched(d, FIRST_TENSOR, "<i", 9), "bad tensor header"),
    ("f32 tensor marked f16", lambda d: _patched(d, FIRST_TENSOR + 8, "<i", 1), "stored as f16"),
    ("swapped dims", lambda d: _patched(d, FIRST_TENSOR + 12, "<ii", 8, 64), "has shape (64, 8)"),
    ("unexpected name", lambda d: _patched(d, FIRST_NAME, "<4s", b"XXXX"), "unexpected tensor"),
    ("trailing garbage", lambda d: d + b"\0" * 5, "unexpected data after its last tensor"),
    ("extra tensor", lambda d: d + d[FIRST_TENSOR:FIRST_TENSOR + 64], "unexpected data"),
]


@pytest.mark.parametrize("damage,message", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_files_raise_model_file_error(tmp_path, damage, message):
    good = tmp_path / "good.bin"
    write_model(good)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(damage(good.read_bytes()))
    with pytest.raises(ModelFileError, match=re.escape(message)) as caught:
        inspect_ggml(bad)
    assert str(bad) in str(caught.value)


def test_truncation_reports_expected_and_actual_size(tmp_path):
    path = tmp_path / "model.bin"
    write_model(path)
    size = path.stat().st_size
    last = inspect_ggml(path).tensors[-1]
    path.write_bytes(path.read_bytes()[:last.offset - 30])  # a whole tensor is missing
    with pytest.raises(ModelFileError, match=f"expected {size:,} bytes, found {last.offset - 30:,}"):
        inspect_ggml(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        inspect_ggml(tmp_path / "nope.bin")
    with pytest.raises(ModelFileError, match="not a file"):
        inspect_ggml(tmp_path)


@pytest.mark.parametrize("layers,state,text_layers,n_vocab,n_mels,name", [
    (4, 384, 4, 51865, 80, "tiny"),
    (6, 512, 6, 51864, 80, "base.en"),
    (6, 512, 6, 51865, 80, "base"),
    (12, 768, 12, 51865, 80, "small"),
    (24, 1024, 24, 51864, 80, "medium.en"),
    (32, 1280, 32, 51865, 80, "large"),
    (32, 1280, 32, 51866, 128, "large-v3"),
    (32, 1280, 4, 51866, 128, "large-v3-turbo"),
    (3, 512, 6, 51865, 80, "unknown"),
])
def test_model_size_names(layers, state, text_layers, n_vocab, n_mels, name):
    hparams = dataclasses.replace(TINY, n_audio_layer=layers, n_audio_state=state, n_text_state=state,
                                  n_text_layer=text_layers, n_vocab=n_vocab, n_mels=n_mels)
    assert model_size_name(hparams) == name
