"""The whisper.cpp ggml model file: its tensor layout, a writer, and a cheap inspector.

File layout (all integers little-endian int32), as ``models/convert-pt-to-ggml.py`` writes it and
``whisper_model_load`` in ``src/whisper.cpp`` reads it:

1. magic ``0x67676d6c`` ("ggml");
2. hparams: n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx,
   n_text_state, n_text_head, n_text_layer, n_mels, ftype (``1000 * qnt_version + ggml_ftype``);
3. mel filters: n_mel, n_fft, then ``n_mel * n_fft`` float32;
4. vocabulary: count, then per token its byte length and bytes (regular tokens only; whisper.cpp
   creates the special tokens itself from n_vocab);
5. tensors until end of file: n_dims, name length, ggml type, dims (``ne0`` first: the numpy
   shape reversed), name, raw data.

whisper.cpp aborts the whole process on some malformed files (an unknown ftype hits a
``GGML_ASSERT``), so the engine runs :func:`inspect_ggml` on every file first. The inspector reads
headers only and seeks over tensor data.
"""
from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Sequence

if TYPE_CHECKING:  # the writers import it: reading a header (every launch) needs no numpy
    import numpy as np

from engine.errors import ModelFileError
from engine.ggml_layout import (
    FTYPE_NAMES,
    GGML_TYPES,
    GgmlHparams,
    TensorSpec,
    check_hparams,
    model_size_name,
    whisper_tensor_layout,
)

GGML_MAGIC = 0x67676D6C
GGUF_MAGIC = 0x46554747  # b"GGUF" read as little-endian int32: a newer format whisper.cpp rejects
_HPARAMS = struct.Struct("<11i")
_MAX_FFT_BINS = 4096
_MAX_TOKEN_BYTES = 4096
_MAX_NAME_BYTES = 1024


@dataclass(frozen=True)
class GgmlTensorInfo:
    """One tensor as stored: numpy-order ``shape``, ggml type name, where its data starts."""

    name: str
    shape: tuple[int, ...]
    type_name: str
    offset: int
    nbytes: int


@dataclass(frozen=True)
class GgmlModelInfo:
    """What :func:`inspect_ggml` learned from a complete, well-formed model file."""

    path: Path
    hparams: GgmlHparams
    ftype: str          # "f16", "q8_0", "q5_1", ...
    size_name: str      # "tiny", "base", "large-v3", "base.en", ... or "unknown" ("unknown.en")
    n_vocab_tokens: int  # regular tokens stored in the file
    n_tensors: int
    file_size: int      # the exact size the headers call for (== the size on disk)
    tensors: tuple[GgmlTensorInfo, ...]


def write_header(out: BinaryIO, hparams: GgmlHparams, filters: np.ndarray,
                 tokens: Sequence[bytes]) -> None:
    """Write magic, hparams, the mel filterbank (float32, n_mel × n_fft) and the vocabulary."""
    import numpy as np

    out.write(struct.pack("<i", GGML_MAGIC))
    out.write(_HPARAMS.pack(*(getattr(hparams, f.name) for f in fields(hparams))))
    filters = np.ascontiguousarray(filters, dtype="<f4")
    out.write(struct.pack("<ii", *filters.shape))
    out.write(filters.tobytes())
    out.write(struct.pack("<i", len(tokens)))
    for token in tokens:
        out.write(struct.pack("<i", len(token)))
        out.write(token)


def write_tensor(out: BinaryIO, spec: TensorSpec, data: bytes | np.ndarray) -> None:
    """Write one tensor header and its data, which must be exactly ``spec.nbytes`` long."""
    import numpy as np

    payload = memoryview(np.ascontiguousarray(data) if isinstance(data, np.ndarray) else data)
    if payload.nbytes != spec.nbytes:
        raise ValueError(f"{spec.name}: {payload.nbytes} bytes of data, the layout needs {spec.nbytes}")
    name = spec.name.encode("utf-8")
    out.write(struct.pack("<iii", len(spec.shape), len(name), spec.ggml_type))
    out.write(struct.pack(f"<{len(spec.shape)}i", *reversed(spec.shape)))
    out.write(name)
    out.write(payload.cast("B"))


class _Cursor:
    """Bounds-checked little-endian reads over the mapped file."""

    def __init__(self, buf: mmap.mmap, path: Path):
        self.buf, self.path, self.pos, self.size = buf, path, 0, len(buf)

    def ints(self, count: int, what: str) -> tuple[int, ...]:
        end = self.pos + 4 * count
        if end > self.size:
            raise ModelFileError(f"{self.path} is truncated: it ends inside the {what} "
                                 f"(file has {self.size:,} bytes).")
        values = struct.unpack_from(f"<{count}i", self.buf, self.pos)
        self.pos = end
        return values

    def skip(self, nbytes: int, what: str) -> int:
        start, self.pos = self.pos, self.pos + nbytes
        if self.pos > self.size:
            raise ModelFileError(f"{self.path} is truncated: it ends inside the {what} "
                                 f"(file has {self.size:,} bytes).")
        return start


def inspect_ggml(path: Path) -> GgmlModelInfo:
    """Check that ``path`` is a complete whisper.cpp ggml model and describe it.

    Walks the header, the vocabulary and every tensor header, seeking over tensor data, and
    compares them with the tensors whisper.cpp will ask for. Cheap: no tensor data is read.

    Raises:
        ModelFileError: with one sentence for the user when the file is missing, empty, not a
            ggml model, has absurd hyper-parameters, an unknown type, unexpected, misshapen or
            missing tensors, is truncated (expected vs actual size), or has trailing data.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ModelFileError(f"Model file {path} does not exist.") from None
    except OSError as error:
        raise ModelFileError(f"Cannot read model file {path}: {error.strerror}.") from None
    if not path.is_file():
        raise ModelFileError(f"{path} is not a file.")
    if size == 0:
        raise ModelFileError(f"Model file {path} is empty.")
    try:
        with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _inspect(_Cursor(buf, path))
    except OSError as error:
        raise ModelFileError(f"Cannot read model file {path}: {error.strerror}.") from None


def _inspect(cur: _Cursor) -> GgmlModelInfo:
    path = cur.path
    if cur.size < 4 or struct.unpack_from("<I", cur.buf, 0)[0] not in (GGML_MAGIC, GGUF_MAGIC):
        raise ModelFileError(f"{path} is not a whisper.cpp ggml model (wrong magic number).")
    if struct.unpack_from("<I", cur.buf, 0)[0] == GGUF_MAGIC:
        raise ModelFileError(f"{path} is a GGUF file, not a whisper.cpp ggml model.")
    cur.pos = 4
    hparams = GgmlHparams(*cur.ints(11, "hyper-parameters"))
    problem = check_hparams(hparams)
    if problem:
        raise ModelFileError(f"{path} is not a usable whisper.cpp model: {problem}.")
    n_mel, n_fft = cur.ints(2, "mel filter header")
    if n_mel != hparams.n_mels or not 0 < n_fft <= _MAX_FFT_BINS:
        raise ModelFileError(f"{path} is corrupt: mel filterbank of {n_mel}×{n_fft} "
                             f"for a model with {hparams.n_mels} mel bands.")
    cur.skip(4 * n_mel * n_fft, "mel filterbank")
    (n_tokens,) = cur.ints(1, "vocabulary")
    if not 0 <= n_tokens <= hparams.n_vocab:
        raise ModelFileError(f"{path} is corrupt: {n_tokens} vocabulary entries for "
                             f"n_vocab = {hparams.n_vocab}.")
    for _ in range(n_tokens):
        (length,) = cur.ints(1, "vocabulary")
        if not 0 <= length <= _MAX_TOKEN_BYTES:
            raise ModelFileError(f"{path} is corrupt: a vocabulary entry of {length} bytes.")
        cur.skip(length, "vocabulary")
    layout = {spec.name: spec for spec in whisper_tensor_layout(hparams)}
    expected_size = cur.pos + sum(spec.header_size + spec.nbytes for spec in layout.values())
    tensors = _walk_tensors(cur, layout, expected_size)
    return GgmlModelInfo(path=path, hparams=hparams, ftype=FTYPE_NAMES[hparams.ftype % 1000],
                         size_name=model_size_name(hparams), n_vocab_tokens=n_tokens,
                         n_tensors=len(tensors), file_size=cur.size, tensors=tuple(tensors))


def _walk_tensors(cur: _Cursor, layout: dict[str, TensorSpec],
                  expected_size: int) -> list[GgmlTensorInfo]:
    path, found, seen = cur.path, [], set()
    truncated = ModelFileError(f"{path} is truncated: expected {expected_size:,} bytes, "
                               f"found {cur.size:,}.")
    while cur.pos < cur.size:
        if len(found) == len(layout):
            raise ModelFileError(f"{path} has {cur.size - cur.pos:,} bytes of unexpected data "
                                 f"after its last tensor (expected {expected_size:,} bytes, "
                                 f"found {cur.size:,}).")
        if cur.pos + 12 > cur.size:
            raise truncated
        n_dims, name_len, ttype = cur.ints(3, "tensor header")
        if not 1 <= n_dims <= 4 or not 0 < name_len <= _MAX_NAME_BYTES:
            raise ModelFileError(f"{path} is corrupt: bad tensor header at byte {cur.pos - 12:,}.")
        if ttype not in GGML_TYPES:
            raise ModelFileError(f"{path} has a tensor of unknown type {ttype}; "
                                 f"this whisper.cpp cannot load it.")
        if cur.pos + 4 * n_dims + name_len > cur.size:
            raise truncated
        ne = cur.ints(n_dims, "tensor header")
        raw_name = bytes(cur.buf[cur.pos:cur.pos + name_len])
        cur.pos += name_len
        name = raw_name.decode("utf-8", errors="replace")
        spec = layout.get(name)
        if spec is None or name in seen:
            raise ModelFileError(f"{path} has an unexpected tensor '{name}'.")
        shape = tuple(reversed(ne))
        if shape != spec.shape:
            raise ModelFileError(f"{path}: tensor '{name}' has shape {shape}, "
                                 f"the model's hyper-parameters call for {spec.shape}.")
        type_name, block, type_size = GGML_TYPES[ttype]
        if ne[0] % block or (spec.numel // block) * type_size != spec.nbytes:
            raise ModelFileError(f"{path}: tensor '{name}' is stored as {type_name}, "
                                 f"but this model's weights are {spec.type_name}.")
        if cur.pos + spec.nbytes > cur.size:
            raise truncated
        seen.add(name)
        found.append(GgmlTensorInfo(name, shape, type_name, cur.skip(spec.nbytes, "tensor data"),
                                    spec.nbytes))
    if len(found) < len(layout):
        if cur.size < expected_size:
            raise truncated
        missing = [name for name in layout if name not in seen]
        raise ModelFileError(f"{path} lacks {len(missing)} tensors, e.g. '{missing[0]}'.")
    return found
