"""Which tensors a whisper.cpp ggml model holds, in which order, shape and ggml type.

One table serves both directions: the importer writes tensors in this order, and
:func:`engine.ggml_format.inspect_ggml` checks a file against it (names and shapes as
``whisper_model_load`` in whisper.cpp's ``src/whisper.cpp`` creates them; the order is that of
OpenAI's PyTorch state dict, which ``models/convert-pt-to-ggml.py`` writes out).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

# ggml type id -> (name, values per block, bytes per block), from ggml.h / ggml-common.h.
GGML_TYPES = {
    0: ("f32", 1, 4), 1: ("f16", 1, 2), 2: ("q4_0", 32, 18), 3: ("q4_1", 32, 20),
    6: ("q5_0", 32, 22), 7: ("q5_1", 32, 24), 8: ("q8_0", 32, 34),
    10: ("q2_k", 256, 84), 11: ("q3_k", 256, 110), 12: ("q4_k", 256, 144),
    13: ("q5_k", 256, 176), 14: ("q6_k", 256, 210), 30: ("bf16", 1, 2),
}
GGML_TYPE_IDS = {name: type_id for type_id, (name, _, _) in GGML_TYPES.items()}
F32, F16 = GGML_TYPE_IDS["f32"], GGML_TYPE_IDS["f16"]

# ggml_ftype (the file's ftype modulo 1000) -> the type of the big weight matrices.
# ggml_ftype_to_ggml_type asserts (aborting the process) on values missing here.
FTYPE_WEIGHT_TYPE = {0: 0, 1: 1, 2: 2, 3: 3, 7: 8, 8: 6, 9: 7, 10: 10, 11: 11, 12: 12,
                     13: 13, 14: 14, 24: 30}
FTYPE_NAMES = {ftype: GGML_TYPES[wtype][0] for ftype, wtype in FTYPE_WEIGHT_TYPE.items()}
FTYPE_IDS = {name: ftype for ftype, name in FTYPE_NAMES.items()}

# Quantized files say which quantizer made them: ftype = 1000 * GGML_QNT_VERSION + ggml_ftype.
QNT_VERSION = 2
QNT_VERSION_FACTOR = 1000

# Tensors whisper.cpp's quantize tool never quantizes (examples/quantize/quantize.cpp); it also
# quantizes only 2-D tensors, so conv weights (3-D) stay f16 and 1-D tensors stay f32.
QUANT_SKIP = frozenset({"encoder.conv1.bias", "encoder.conv2.bias",
                        "encoder.positional_embedding", "decoder.positional_embedding"})

# (n_audio_layer, n_audio_state, n_text_layer) -> OpenAI's name for the model size.
_SIZE_NAMES = {(4, 384, 4): "tiny", (6, 512, 6): "base", (12, 768, 12): "small",
               (24, 1024, 24): "medium", (32, 1280, 32): "large", (32, 1280, 4): "large-v3-turbo"}
# Vocabulary sizes: English-only models, and large-v3 / turbo (Cantonese added). whisper.cpp
# calls a model multilingual from 51865 tokens on.
_ENGLISH_ONLY_VOCAB = 51864
_WITH_CANTONESE_VOCAB = 51866


@dataclass(frozen=True)
class GgmlHparams:
    """The eleven int32 hyper-parameters at the start of a ggml file, in file order."""

    n_vocab: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int
    n_mels: int
    ftype: int


@dataclass(frozen=True)
class TensorSpec:
    """A tensor as whisper.cpp expects it; ``shape`` is numpy order (ggml's ``ne`` reversed)."""

    name: str
    shape: tuple[int, ...]
    ggml_type: int

    @property
    def type_name(self) -> str:
        return GGML_TYPES[self.ggml_type][0]

    @property
    def numel(self) -> int:
        return prod(self.shape)

    @property
    def nbytes(self) -> int:
        _, block, size = GGML_TYPES[self.ggml_type]
        return self.numel // block * size

    @property
    def header_size(self) -> int:
        return 12 + 4 * len(self.shape) + len(self.name.encode("utf-8"))


def _block(prefix: str, state: int, cross: bool) -> list[tuple[str, tuple[int, ...]]]:
    def attention(kind: str) -> list[tuple[str, tuple[int, ...]]]:
        # No key bias: Whisper's key projection has none.
        return [(f"{prefix}.{kind}.query.weight", (state, state)), (f"{prefix}.{kind}.query.bias", (state,)),
                (f"{prefix}.{kind}.key.weight", (state, state)),
                (f"{prefix}.{kind}.value.weight", (state, state)), (f"{prefix}.{kind}.value.bias", (state,)),
                (f"{prefix}.{kind}.out.weight", (state, state)), (f"{prefix}.{kind}.out.bias", (state,)),
                (f"{prefix}.{kind}_ln.weight", (state,)), (f"{prefix}.{kind}_ln.bias", (state,))]

    return attention("attn") + (attention("cross_attn") if cross else []) + [
        (f"{prefix}.mlp.0.weight", (4 * state, state)), (f"{prefix}.mlp.0.bias", (4 * state,)),
        (f"{prefix}.mlp.2.weight", (state, 4 * state)), (f"{prefix}.mlp.2.bias", (state,)),
        (f"{prefix}.mlp_ln.weight", (state,)), (f"{prefix}.mlp_ln.bias", (state,))]


def whisper_tensor_layout(hp: GgmlHparams) -> list[TensorSpec]:
    """Every tensor of a Whisper model with these hparams, in file order, with its ggml type.

    Types follow convert-pt-to-ggml.py plus whisper.cpp's quantizer: 1-D tensors, positional
    embeddings and conv biases f32; conv weights f16; other 2-D weights the file's weight type.
    """
    wtype = FTYPE_WEIGHT_TYPE[hp.ftype % QNT_VERSION_FACTOR]
    audio, text = hp.n_audio_state, hp.n_text_state
    names = [("encoder.positional_embedding", (hp.n_audio_ctx, audio)),
             ("encoder.conv1.weight", (audio, hp.n_mels, 3)), ("encoder.conv1.bias", (audio, 1)),
             ("encoder.conv2.weight", (audio, audio, 3)), ("encoder.conv2.bias", (audio, 1))]
    for i in range(hp.n_audio_layer):
        names += _block(f"encoder.blocks.{i}", audio, cross=False)
    names += [("encoder.ln_post.weight", (audio,)), ("encoder.ln_post.bias", (audio,)),
              ("decoder.positional_embedding", (hp.n_text_ctx, text)),
              ("decoder.token_embedding.weight", (hp.n_vocab, text))]
    for i in range(hp.n_text_layer):
        names += _block(f"decoder.blocks.{i}", text, cross=True)
    names += [("decoder.ln.weight", (text,)), ("decoder.ln.bias", (text,))]

    def type_of(name: str, shape: tuple[int, ...]) -> int:
        if wtype == F32 or len(shape) < 2 or name in QUANT_SKIP:
            return F32
        return F16 if len(shape) == 3 else wtype

    return [TensorSpec(name, shape, type_of(name, shape)) for name, shape in names]


def check_hparams(hp: GgmlHparams) -> str | None:
    """Return why these hparams cannot be a Whisper model whisper.cpp can run, or None."""
    limits = {"n_vocab": 1 << 20, "n_audio_ctx": 1 << 16, "n_audio_state": 1 << 14,
              "n_audio_head": 1 << 10, "n_audio_layer": 1 << 8, "n_text_ctx": 1 << 16,
              "n_text_state": 1 << 14, "n_text_head": 1 << 10, "n_text_layer": 1 << 8,
              "n_mels": 1 << 9}
    for name, limit in limits.items():
        value = getattr(hp, name)
        if not 0 < value <= limit:
            return f"{name} = {value} is out of range"
    if hp.n_audio_state != hp.n_text_state:
        return f"n_audio_state {hp.n_audio_state} differs from n_text_state {hp.n_text_state}"
    if hp.n_audio_state % hp.n_audio_head or hp.n_text_state % hp.n_text_head:
        return "the state size is not a multiple of the number of heads"
    ftype = hp.ftype % QNT_VERSION_FACTOR
    if hp.ftype < 0 or ftype not in FTYPE_WEIGHT_TYPE:
        return f"unknown ftype {hp.ftype}"
    if ftype == 0:
        # whisper.cpp 1.8.5 loads all-f32 files, then aborts in the encoder (im2col wants f16).
        return "all-f32 models crash whisper.cpp; convert the model to f16"
    return None


def model_size_name(hp: GgmlHparams) -> str:
    """OpenAI's size name: "tiny", "base.en", "large-v3", "large-v3-turbo"; "unknown" (or
    "unknown.en") for other shapes, such as distilled or random models."""
    name = _SIZE_NAMES.get((hp.n_audio_layer, hp.n_audio_state, hp.n_text_layer), "unknown")
    if name == "large" and hp.n_mels == 128:
        name = "large-v3"
    # Kept for unknown shapes too: a CTranslate2 import is named after this, and an English-only
    # model of another shape (e.g. distil-small.en) would otherwise lose the one hint in its name
    # that it understands English only.
    if hp.n_vocab == _ENGLISH_ONLY_VOCAB:
        name += ".en"
    return name


def model_languages(hp: GgmlHparams) -> str:
    """What the model understands, from its vocabulary as whisper.cpp reads it: "English only",
    "99 languages" or "100 languages (adds Cantonese)" (the catalog's wording)."""
    if hp.n_vocab <= _ENGLISH_ONLY_VOCAB:
        return "English only"
    if hp.n_vocab >= _WITH_CANTONESE_VOCAB:
        return "100 languages (adds Cantonese)"
    return "99 languages"
