"""Convert a Hugging Face Transformers Whisper directory (e.g. a fine-tune) to a ggml file.

numpy only: the weights are read from ``model.safetensors`` (or its shards, listed in
``model.safetensors.index.json``) by :mod:`engine.safetensors_reader`, renamed onto OpenAI's
state-dict names, and written by :mod:`engine.ggml_writer` like a CTranslate2 import. The
mapping is that of ``WhisperForConditionalGeneration`` (transformers' ``modeling_whisper.py``,
and the reverse of its ``convert_openai_to_hf.py``):

* ``model.encoder.layers.N.self_attn.{q,k,v,out}_proj`` → ``encoder.blocks.N.attn.{query,key,
  value,out}``; ``k_proj`` has no bias, like OpenAI's key; ``encoder_attn`` → ``cross_attn``;
* ``*_layer_norm`` → ``attn_ln``/``cross_attn_ln``/``mlp_ln``; ``fc1``/``fc2`` → ``mlp.0``/``mlp.2``;
* ``embed_positions`` → ``positional_embedding``; ``embed_tokens`` → ``token_embedding``;
  ``proj_out`` is tied to ``embed_tokens`` (whisper.cpp has no separate output matrix).

Sizes come from ``config.json``; the vocabulary's regular tokens (those before
``<|endoftext|>``) from ``vocab.json`` or ``tokenizer.json``, as raw bytes.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from engine.errors import ModelImportError
from engine.ggml_layout import GgmlHparams
from engine.ggml_writer import byte_level_tokens, check_quant, check_shapes, file_ftype, write_whisper_ggml
from engine.safetensors_reader import SafetensorsFile

CONFIG = "config.json"
WEIGHTS = "model.safetensors"
WEIGHTS_INDEX = "model.safetensors.index.json"
_END_OF_TEXT = "<|endoftext|>"
# config.json key -> GgmlHparams field (the state width is shared by encoder and decoder).
_CONFIG_KEYS = {"vocab_size": "n_vocab", "max_source_positions": "n_audio_ctx",
                "d_model": "n_audio_state", "encoder_attention_heads": "n_audio_head",
                "encoder_layers": "n_audio_layer", "max_target_positions": "n_text_ctx",
                "decoder_attention_heads": "n_text_head", "decoder_layers": "n_text_layer",
                "num_mel_bins": "n_mels"}
# Regular token ids absent from vocab.json are written as empty tokens; more than this many
# means the file is not a Whisper vocabulary.
_MAX_MISSING_TOKENS = 8


def is_hf_whisper_dir(path: Path) -> bool:
    """True if ``path`` has a Transformers ``config.json`` saying ``model_type: whisper``."""
    try:
        config = json.loads((Path(path) / CONFIG).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(config, dict) and config.get("model_type") == "whisper"


def import_hf_model(src_dir: Path, dest: Path, quant: str = "f16",
                    progress: Callable[[float], None] | None = None) -> Path:
    """Write the ggml model for the Transformers Whisper model in ``src_dir`` to ``dest``.

    Args:
        src_dir: Directory with ``config.json``, ``model.safetensors`` (or shards plus
            ``model.safetensors.index.json``) and ``vocab.json`` or ``tokenizer.json``.
        dest: The ggml file to create (written atomically, see :mod:`engine.ggml_writer`).
        quant: "f16", "q8_0" or "q5_1".
        progress: Called with the fraction done, from 0.0 to 1.0, on the calling thread.

    Raises:
        ModelImportError: the directory is not a Whisper model we can convert (the message names
            the missing file, key or tensor, or the wrong shape), or ``dest`` cannot be written.
    """
    check_quant(quant)
    src_dir, dest = Path(src_dir), Path(dest)
    if not src_dir.is_dir():
        raise ModelImportError(f"{src_dir} is not a directory.")
    hparams = _hparams(read_hf_config(src_dir), file_ftype(quant), src_dir)
    tensors = _open_weights(src_dir)
    tokens = _regular_tokens(src_dir, hparams.n_vocab)
    arrays = _whisper_tensors(tensors, hparams, src_dir)
    check_shapes(hparams, arrays, f"{src_dir}")
    return write_whisper_ggml(dest, hparams, tokens, arrays, quant, progress)


def read_hf_config(src_dir: Path) -> dict:
    """``config.json`` of a Transformers Whisper model; refuses other model types."""
    path = Path(src_dir) / CONFIG
    if not path.is_file():
        raise ModelImportError(f"{src_dir} is not a Transformers Whisper model: {CONFIG} missing.")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelImportError(f"{path} is not a readable JSON file: {error}.") from None
    if not isinstance(config, dict):
        raise ModelImportError(f"{path} does not hold a JSON object.")
    if config.get("model_type") != "whisper":
        raise ModelImportError(f"{path} describes a {config.get('model_type', 'unknown')!s} model, "
                               f"not Whisper (model_type must be \"whisper\").")
    return config


def _hparams(config: dict, ftype: int, src_dir: Path) -> GgmlHparams:
    missing = [key for key in _CONFIG_KEYS if not isinstance(config.get(key), int)]
    if missing:
        raise ModelImportError(f"{src_dir}/{CONFIG} lacks Whisper sizes: {', '.join(missing)}.")
    values = {field: config[key] for key, field in _CONFIG_KEYS.items()}
    return GgmlHparams(**values, n_text_state=config["d_model"], ftype=ftype)


def _open_weights(src_dir: Path) -> Mapping[str, np.ndarray]:
    """Tensor name -> array over the one file or every shard the index lists."""
    if (src_dir / WEIGHTS).is_file():
        return SafetensorsFile(src_dir / WEIGHTS)
    if (src_dir / WEIGHTS_INDEX).is_file():
        try:
            weight_map = json.loads((src_dir / WEIGHTS_INDEX).read_text(encoding="utf-8"))["weight_map"]
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
            raise ModelImportError(f"{src_dir}/{WEIGHTS_INDEX} has no readable weight_map.") from None
        shards = {name: SafetensorsFile(src_dir / name) for name in sorted(set(weight_map.values()))}
        return {tensor: shards[shard][tensor] for tensor, shard in weight_map.items()
                if tensor in shards[shard]}
    if any(src_dir.glob("pytorch_model*.bin")) or any(src_dir.glob("*.h5")):
        raise ModelImportError(f"{src_dir} holds PyTorch or TensorFlow weights only; Murmur reads "
                               f"{WEIGHTS} (save the model with safe_serialization=True).")
    raise ModelImportError(f"{src_dir} is not a Transformers Whisper model: {WEIGHTS} missing.")


def _whisper_tensors(tensors: Mapping[str, np.ndarray], hp: GgmlHparams,
                     src_dir: Path) -> dict[str, np.ndarray]:
    """OpenAI state-dict names -> arrays (float16/float32 views into the file where possible)."""
    # WhisperModel checkpoints lack the "model." prefix WhisperForConditionalGeneration adds.
    prefix = "model." if any(name.startswith("model.") for name in tensors) else ""
    missing: list[str] = []

    def get(name: str) -> np.ndarray:
        value = tensors.get(prefix + name)
        if value is None:
            missing.append(prefix + name)
            return np.zeros((0,), np.float32)
        return value if value.dtype in (np.float16, np.float32) else value.astype(np.float32)

    out = {"encoder.positional_embedding": get("encoder.embed_positions.weight"),
           "decoder.positional_embedding": get("decoder.embed_positions.weight"),
           "decoder.token_embedding.weight": get("decoder.embed_tokens.weight"),
           "encoder.ln_post.weight": get("encoder.layer_norm.weight"),
           "encoder.ln_post.bias": get("encoder.layer_norm.bias"),
           "decoder.ln.weight": get("decoder.layer_norm.weight"),
           "decoder.ln.bias": get("decoder.layer_norm.bias")}
    for conv in ("conv1", "conv2"):
        out[f"encoder.{conv}.weight"] = get(f"encoder.{conv}.weight")
        out[f"encoder.{conv}.bias"] = get(f"encoder.{conv}.bias").reshape(-1, 1)

    def linear(dst: str, src: str, bias: bool = True) -> None:
        out[f"{dst}.weight"] = get(f"{src}.weight")
        if bias:
            out[f"{dst}.bias"] = get(f"{src}.bias")

    for side, n_layers in (("encoder", hp.n_audio_layer), ("decoder", hp.n_text_layer)):
        for i in range(n_layers):
            src, dst = f"{side}.layers.{i}", f"{side}.blocks.{i}"
            kinds = [("attn", "self_attn")] + ([("cross_attn", "encoder_attn")] if side == "decoder" else [])
            for kind, scope in kinds:
                linear(f"{dst}.{kind}.query", f"{src}.{scope}.q_proj")
                linear(f"{dst}.{kind}.key", f"{src}.{scope}.k_proj", bias=False)
                linear(f"{dst}.{kind}.value", f"{src}.{scope}.v_proj")
                linear(f"{dst}.{kind}.out", f"{src}.{scope}.out_proj")
                linear(f"{dst}.{kind}_ln", f"{src}.{scope}_layer_norm")
            linear(f"{dst}.mlp.0", f"{src}.fc1")
            linear(f"{dst}.mlp.2", f"{src}.fc2")
            linear(f"{dst}.mlp_ln", f"{src}.final_layer_norm")
    if missing:
        raise ModelImportError(f"{src_dir} lacks {len(missing)} Whisper tensors, "
                               f"e.g. {', '.join(missing[:3])}.")
    _check_tied_output(tensors, out["decoder.token_embedding.weight"], src_dir)
    return out


def _check_tied_output(tensors: Mapping[str, np.ndarray], embedding: np.ndarray, src_dir: Path) -> None:
    # whisper.cpp computes logits with the token embedding; a fine-tune that untied proj_out
    # would silently lose its output layer, so it is refused instead.
    proj = tensors.get("proj_out.weight")
    if proj is not None and (proj.shape != embedding.shape or not np.array_equal(proj, embedding)):
        raise ModelImportError(f"{src_dir}: proj_out.weight differs from the token embedding; "
                               f"whisper.cpp can only run models whose output layer is tied to it.")


def _load_vocab(src_dir: Path) -> dict[str, int]:
    """Token string -> id from vocab.json plus added tokens, or from tokenizer.json."""
    vocab: dict[str, int] = {}
    tokenizer = src_dir / "tokenizer.json"
    sources = [src_dir / "vocab.json", src_dir / "added_tokens.json"]
    for path in sources + [tokenizer]:
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ModelImportError(f"{path} is not a readable JSON file: {error}.") from None
        if path == tokenizer:
            model = data.get("model", {}) if isinstance(data, dict) else {}
            found = dict(model.get("vocab", {}))
            found.update({t["content"]: t["id"] for t in data.get("added_tokens", [])
                          if isinstance(t, dict) and "content" in t and "id" in t})
        else:
            found = data if isinstance(data, dict) else {}
        for token, index in found.items():
            vocab.setdefault(token, index)
    if not vocab:
        raise ModelImportError(f"{src_dir} is not a Transformers Whisper model: "
                               f"vocab.json (or tokenizer.json) missing.")
    return vocab


def _regular_tokens(src_dir: Path, n_vocab: int) -> list[bytes]:
    vocab = _load_vocab(src_dir)
    end = vocab.get(_END_OF_TEXT)
    if not isinstance(end, int) or not 0 < end < n_vocab:
        raise ModelImportError(f"{src_dir}: the vocabulary has no {_END_OF_TEXT} token "
                               f"below vocab_size {n_vocab}.")
    by_id: dict[int, str] = {}
    for token, index in vocab.items():
        if isinstance(index, int) and 0 <= index < end:
            by_id.setdefault(index, token)
    missing = end - len(by_id)
    if missing > _MAX_MISSING_TOKENS:
        raise ModelImportError(f"{src_dir}: the vocabulary lacks {missing} of the {end} tokens "
                               f"before {_END_OF_TEXT}.")
    return byte_level_tokens([by_id.get(index, "") for index in range(end)], str(src_dir))
