"""Convert a CTranslate2 Whisper model (a faster-whisper directory) to a whisper.cpp ggml file.

numpy only: no torch, no CTranslate2. The mapping, established on OpenAI's Whisper base as
converted by CTranslate2 4.x (binary version 6, WhisperSpec revision 3):

* self-attention ``linear_0`` is the fused query/key/value projection (split in three);
  cross-attention ``linear_0`` is the query and ``linear_1`` the fused key/value; the last
  ``linear_N`` is the output projection;
* the key bias CTranslate2 stores (zeros) is dropped: whisper.cpp has no key bias tensors;
* ``decoder/projection/weight`` is an alias of the token embedding (whisper.cpp reuses it too);
* the vocabulary's regular tokens (those before ``<|endoftext|>``) are written as raw bytes;
  whisper.cpp makes the special tokens itself from ``n_vocab``.
"""
from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Callable

import numpy as np

from engine.ct2_reader import (VOCABULARY_FILES, Ct2Model, as_float32, find_vocabulary, read_config,
                               read_ct2_model, read_vocabulary)
from engine.errors import ModelImportError
from engine.ggml_layout import GgmlHparams
from engine.ggml_writer import (QUANT_TYPES, byte_level_tokens, check_quant, check_shapes, file_ftype,  # noqa: F401 (QUANT_TYPES: re-exported for the CLI)
                                write_whisper_ggml)

# Besides these, one of VOCABULARY_FILES (vocabulary.json or the older vocabulary.txt).
REQUIRED_FILES = ("model.bin", "config.json")
_LAYER = re.compile(r"^(encoder|decoder)/layer_(\d+)/")
_END_OF_TEXT = "<|endoftext|>"
_WHISPER_SPEC = "WhisperSpec"


def is_ct2_whisper_dir(path: Path) -> bool:
    """True if ``path`` holds the files of a CTranslate2 Whisper model (checks the spec name)."""
    path = Path(path)
    if not all((path / name).is_file() for name in REQUIRED_FILES) or find_vocabulary(path) is None:
        return False
    try:
        with (path / "model.bin").open("rb") as handle:
            head = handle.read(6 + len(_WHISPER_SPEC))
    except OSError:
        return False
    return head[6:] == _WHISPER_SPEC.encode() and head[4:6] == struct.pack("<H", len(_WHISPER_SPEC) + 1)


def import_ct2_model(src_dir: Path, dest: Path, quant: str = "f16",
                     progress: Callable[[float], None] | None = None) -> Path:
    """Write the ggml model for the CTranslate2 Whisper model in ``src_dir`` to ``dest``.

    The file is written to ``dest`` + ``.part``, fsynced, checked with
    :func:`~engine.ggml_format.inspect_ggml`, then renamed over ``dest``; on any error the
    ``.part`` file is removed and ``dest`` is left as it was.

    Args:
        src_dir: Directory with ``model.bin``, ``config.json`` and ``vocabulary.json`` (or the
            older ``vocabulary.txt``).
        dest: The ggml file to create.
        quant: One of :data:`QUANT_TYPES`; the big matrices are stored in that type and the
            rest as whisper.cpp's quantizer leaves them (f16 conv weights, f32 for the others).
        progress: Called with the fraction done, from 0.0 to 1.0, on the calling thread.

    Returns:
        ``dest``.

    Raises:
        ModelImportError: ``src_dir`` is not a CTranslate2 Whisper model we can convert (the
            message names what is missing or wrong), or ``dest`` cannot be written.
    """
    check_quant(quant)
    src_dir, dest = Path(src_dir), Path(dest)
    _check_dir(src_dir)
    read_config(src_dir / "config.json")
    model = read_ct2_model(src_dir / "model.bin")
    if model.spec_name != _WHISPER_SPEC:
        raise ModelImportError(f"{src_dir} holds a CTranslate2 {model.spec_name} model, not Whisper.")
    hparams = _hparams(model, file_ftype(quant), src_dir)
    vocabulary = find_vocabulary(src_dir)
    tokens = _regular_tokens(read_vocabulary(vocabulary), hparams.n_vocab, vocabulary)
    arrays = _whisper_tensors(model, hparams)
    check_shapes(hparams, arrays, f"{src_dir}/model.bin")
    return write_whisper_ggml(dest, hparams, tokens, arrays, quant, progress)


def _check_dir(src_dir: Path) -> None:
    if not src_dir.is_dir():
        raise ModelImportError(f"{src_dir} is not a directory.")
    missing = [name for name in REQUIRED_FILES if not (src_dir / name).is_file()]
    hint = ""
    if find_vocabulary(src_dir) is None:
        missing.append(VOCABULARY_FILES[1])
        hint = f" (or {VOCABULARY_FILES[0]}, which newer CTranslate2 versions write)"
    if missing:
        raise ModelImportError(f"{src_dir} is not a CTranslate2 Whisper model: "
                               f"{', '.join(missing)} missing{hint}.")


def _count_layers(model: Ct2Model, side: str, src_dir: Path) -> int:
    # Only layer_<i>/ scopes count: encoder/layer_norm is the final norm, not a layer.
    found = {int(m.group(2)) for name in model.variables
             if (m := _LAYER.match(name)) and m.group(1) == side}
    if not found or found != set(range(len(found))):
        raise ModelImportError(f"{src_dir}/model.bin has no complete set of {side} layers.")
    return len(found)


def _hparams(model: Ct2Model, ftype: int, src_dir: Path) -> GgmlHparams:
    needed = ["encoder/num_heads", "decoder/num_heads", "encoder/conv1/weight",
              "encoder/position_encodings/encodings", "decoder/position_encodings/encodings",
              "decoder/embeddings/weight"]
    missing = [name for name in needed if name not in model.variables]
    if missing:
        raise ModelImportError(f"{src_dir}/model.bin lacks Whisper variables: {', '.join(missing)}.")
    v = model.variables
    n_audio_ctx, n_audio_state = v["encoder/position_encodings/encodings"].shape
    n_text_ctx, n_text_state = v["decoder/position_encodings/encodings"].shape
    return GgmlHparams(
        n_vocab=v["decoder/embeddings/weight"].shape[0], n_audio_ctx=n_audio_ctx,
        n_audio_state=n_audio_state, n_audio_head=int(v["encoder/num_heads"]),
        n_audio_layer=_count_layers(model, "encoder", src_dir), n_text_ctx=n_text_ctx,
        n_text_state=n_text_state, n_text_head=int(v["decoder/num_heads"]),
        n_text_layer=_count_layers(model, "decoder", src_dir),
        n_mels=v["encoder/conv1/weight"].shape[1], ftype=ftype)


def _whisper_tensors(model: Ct2Model, hp: GgmlHparams) -> dict[str, np.ndarray]:
    """OpenAI state-dict names -> arrays (views into model.bin where the dtype allows)."""
    missing: list[str] = []

    def get(name: str) -> np.ndarray:
        value = model.variables.get(name)
        if value is None:
            missing.append(name)
            return np.zeros((0,), np.float32)
        if value.dtype in (np.float16, np.float32) and name not in model.bfloat16:
            return value
        return as_float32(model, name)

    out = {"encoder.positional_embedding": get("encoder/position_encodings/encodings"),
           "decoder.positional_embedding": get("decoder/position_encodings/encodings"),
           "decoder.token_embedding.weight": get("decoder/embeddings/weight")}
    for conv in ("conv1", "conv2"):
        out[f"encoder.{conv}.weight"] = get(f"encoder/{conv}/weight")
        out[f"encoder.{conv}.bias"] = get(f"encoder/{conv}/bias").reshape(-1, 1)
    for side, norm in (("encoder", "ln_post"), ("decoder", "ln")):
        out[f"{side}.{norm}.weight"] = get(f"{side}/layer_norm/gamma")
        out[f"{side}.{norm}.bias"] = get(f"{side}/layer_norm/beta")

    def linear(dst: str, src: str) -> None:
        out[f"{dst}.weight"], out[f"{dst}.bias"] = get(f"{src}/weight"), get(f"{src}/bias")

    def attention(dst: str, src: str, fused_qkv: bool) -> None:
        # Whisper's key projection has no bias; CTranslate2's zeros there are not written.
        # (A key bias would not change attention anyway: it adds the same q·b to every score.)
        if fused_qkv:
            q, k, v = np.split(get(f"{src}/linear_0/weight"), 3)
            qb, _, vb = np.split(get(f"{src}/linear_0/bias"), 3)
            out_proj = f"{src}/linear_1"
        else:
            q, qb = get(f"{src}/linear_0/weight"), get(f"{src}/linear_0/bias")
            k, v = np.split(get(f"{src}/linear_1/weight"), 2)
            _, vb = np.split(get(f"{src}/linear_1/bias"), 2)
            out_proj = f"{src}/linear_2"
        out.update({f"{dst}.query.weight": q, f"{dst}.query.bias": qb, f"{dst}.key.weight": k,
                    f"{dst}.value.weight": v, f"{dst}.value.bias": vb})
        linear(f"{dst}.out", out_proj)
        out[f"{dst}_ln.weight"] = get(f"{src}/layer_norm/gamma")
        out[f"{dst}_ln.bias"] = get(f"{src}/layer_norm/beta")

    for side, n_layers in (("encoder", hp.n_audio_layer), ("decoder", hp.n_text_layer)):
        for i in range(n_layers):
            src, dst = f"{side}/layer_{i}", f"{side}.blocks.{i}"
            attention(f"{dst}.attn", f"{src}/self_attention", fused_qkv=True)
            if side == "decoder":
                attention(f"{dst}.cross_attn", f"{src}/attention", fused_qkv=False)
            linear(f"{dst}.mlp.0", f"{src}/ffn/linear_0")
            linear(f"{dst}.mlp.2", f"{src}/ffn/linear_1")
            out[f"{dst}.mlp_ln.weight"] = get(f"{src}/ffn/layer_norm/gamma")
            out[f"{dst}.mlp_ln.bias"] = get(f"{src}/ffn/layer_norm/beta")
    if missing:
        raise ModelImportError(f"model.bin lacks {len(missing)} Whisper variables, "
                               f"e.g. {', '.join(missing[:3])}.")
    return out


def _regular_tokens(vocabulary: list[str], n_vocab: int, path: Path) -> list[bytes]:
    if len(vocabulary) != n_vocab:
        raise ModelImportError(f"{path} has {len(vocabulary)} tokens, the model has {n_vocab}.")
    if _END_OF_TEXT not in vocabulary:
        raise ModelImportError(f"{path} has no {_END_OF_TEXT} token.")
    return byte_level_tokens(vocabulary[:vocabulary.index(_END_OF_TEXT)], f"{path}")

