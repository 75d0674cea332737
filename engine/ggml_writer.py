"""Write a whisper.cpp ggml model from OpenAI-named arrays, atomically; shared by the importers.

Every importer (CTranslate2, Hugging Face Transformers) maps its source onto OpenAI's state-dict
names (``encoder.blocks.0.attn.query.weight`` …) and hands the arrays here, so the file layout,
the quantizers and the write-to-``.part``-then-rename rule live in one place.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Mapping, Sequence

import numpy as np

from engine.catalog import QUANT_TYPES
from engine.errors import ModelImportError
from engine.ggml_format import inspect_ggml, write_header, write_tensor
from engine.ggml_layout import (F16, F32, FTYPE_IDS, QNT_VERSION, QNT_VERSION_FACTOR, GgmlHparams,
                                TensorSpec, whisper_tensor_layout)
from engine.mel_filters import whisper_mel_filters
from engine.quantize import quantize_q5_1, quantize_q8_0

_QUANTIZERS = {"q8_0": quantize_q8_0, "q5_1": quantize_q5_1}


def check_quant(quant: str) -> None:
    """Raise ModelImportError unless ``quant`` is one of :data:`QUANT_TYPES`."""
    if quant not in QUANT_TYPES:
        raise ModelImportError(f"Unknown type {quant!r}: choose one of {', '.join(QUANT_TYPES)}.")


def file_ftype(quant: str) -> int:
    """The ftype field for ``quant``: quantized files also carry the quantizer's version."""
    return FTYPE_IDS[quant] + (QNT_VERSION * QNT_VERSION_FACTOR if quant in _QUANTIZERS else 0)


def check_shapes(hparams: GgmlHparams, arrays: Mapping[str, np.ndarray], source: str) -> None:
    """Raise ModelImportError naming the first tensor whose shape the hparams do not call for."""
    for spec in whisper_tensor_layout(hparams):
        shape = tuple(arrays[spec.name].shape)
        if shape != spec.shape:
            raise ModelImportError(f"{source}: {spec.name} has shape {shape}, expected {spec.shape}.")


def write_whisper_ggml(dest: Path, hparams: GgmlHparams, tokens: Sequence[bytes],
                       arrays: Mapping[str, np.ndarray], quant: str,
                       progress: Callable[[float], None] | None = None) -> Path:
    """Write ``arrays`` (OpenAI names, shapes already checked) as a ggml file at ``dest``.

    The file goes to ``dest`` + ``.part``, is fsynced, checked with
    :func:`~engine.ggml_format.inspect_ggml`, then renamed over ``dest``; on any error (even
    KeyboardInterrupt) the ``.part`` file is removed and ``dest`` is left as it was.

    Args:
        dest: the file to create.
        hparams: the file's hyper-parameters; ``ftype`` must match ``quant``.
        tokens: the regular vocabulary tokens as raw bytes.
        arrays: every tensor of :func:`~engine.ggml_layout.whisper_tensor_layout` by name.
        quant: one of :data:`QUANT_TYPES`.
        progress: called with the fraction written, from 0.0 to 1.0, on the calling thread.

    Raises:
        ModelImportError: ``dest`` cannot be written.
    """
    layout = whisper_tensor_layout(hparams)
    total, done = sum(spec.nbytes for spec in layout), 0
    with atomic_model_file(dest, inspect_ggml) as out:
        write_header(out, hparams, whisper_mel_filters(hparams.n_mels), tokens)
        for spec in layout:
            write_tensor(out, spec, _encode(spec, arrays[spec.name], quant))
            done += spec.nbytes
            if progress:
                progress(done / total)
    return dest


@contextmanager
def atomic_model_file(dest: Path, check: Callable[[Path], object]) -> Iterator[BinaryIO]:
    """Write a model to ``dest`` + ``.part``; on success fsync it, ``check`` it, rename it over
    ``dest``. On any error (even KeyboardInterrupt) the ``.part`` file is removed and ``dest``
    is left as it was, so a model path never holds a partial file.

    Raises:
        ModelImportError: ``dest`` cannot be written (disk full, read-only, ...).
    """
    part = dest.with_suffix(dest.suffix + ".part")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with part.open("wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        check(part)
        os.replace(part, dest)
        fsync_dir(dest.parent)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise ModelImportError(f"Cannot write {dest}: {error.strerror or error}.") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _encode(spec: TensorSpec, array: np.ndarray, quant: str) -> bytes | np.ndarray:
    if spec.ggml_type == F32:
        return array.astype("<f4", copy=False)
    if spec.ggml_type == F16:
        return array.astype("<f2", copy=False)
    return _QUANTIZERS[quant](array)


def byte_decoder() -> dict[str, int]:
    """Invert GPT-2's bytes_to_unicode: printable bytes stand for themselves, the other 68
    bytes (controls, space, ...) were moved to code points 256 and up, in byte order."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    moved = [b for b in range(256) if b not in printable]
    table = {chr(b): b for b in printable}
    table.update({chr(256 + i): b for i, b in enumerate(moved)})
    return table


def byte_level_tokens(tokens: Sequence[str], where: str) -> list[bytes]:
    """The raw bytes of GPT-2 byte-level BPE token strings, as whisper.cpp's vocabulary wants.

    Raises:
        ModelImportError: a token has a character no byte maps to (``where`` names the source).
    """
    decoder = byte_decoder()
    out = []
    for index, token in enumerate(tokens):
        try:
            out.append(bytes(decoder[char] for char in token))
        except KeyError:
            raise ModelImportError(f"{where}: token {index} ({token!r}) is not a byte-level "
                                   "BPE token.") from None
    return out


def fsync_dir(directory: Path) -> None:
    """Make a rename durable by syncing its directory (not possible on every platform)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
