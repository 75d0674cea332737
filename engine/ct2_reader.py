"""Read a CTranslate2 ``model.bin`` into numpy arrays, without CTranslate2.

The format is what ``ModelSpec._serialize`` in CTranslate2's ``python/ctranslate2/specs/
model_spec.py`` writes (binary version 6), all little-endian:

* uint32 binary version, string spec name, uint32 spec revision;
* uint32 variable count, then per variable: string name, uint8 rank, uint32 × rank shape,
  uint8 dtype id, uint32 byte count, raw data;
* uint32 alias count, then pairs of strings (alias, variable it stands for).

A string is a uint16 length that counts a trailing NUL, then the UTF-8 bytes and the NUL.
"""
from __future__ import annotations

import json
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import ModelImportError

SUPPORTED_BINARY_VERSION = 6
# CTranslate2's DataType enum order (include/ctranslate2/types.h); bfloat16 is read as its raw
# uint16 bits and widened by the caller, since numpy has no bfloat16.
_DTYPES = {0: np.dtype("<f4"), 1: np.dtype("i1"), 2: np.dtype("<i2"), 3: np.dtype("<i4"),
           4: np.dtype("<f2"), 5: np.dtype("<u2")}
BFLOAT16_ID = 5


@dataclass(frozen=True)
class Ct2Model:
    """The variables of a CTranslate2 model, aliases resolved.

    ``variables`` maps scoped names (``encoder/layer_0/ffn/linear_0/weight``) to read-only
    numpy arrays backed by the file's bytes (no copy); ``bfloat16`` names the ones that hold
    bfloat16 bits as uint16.
    """

    spec_name: str
    revision: int
    variables: dict[str, np.ndarray]
    bfloat16: frozenset[str]


class _Reader:
    def __init__(self, data, path: Path):
        self.data, self.path, self.pos = data, path, 0

    def unpack(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ModelImportError(f"{self.path} is truncated (it ends at byte {len(self.data):,}).")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def string(self) -> str:
        (length,) = self.unpack("<H")
        raw = self.take(length)
        if not raw or raw[-1] != 0:
            raise ModelImportError(f"{self.path} is not a valid CTranslate2 model file.")
        return bytes(raw[:-1]).decode("utf-8", errors="replace")

    def take(self, nbytes: int) -> memoryview:
        if self.pos + nbytes > len(self.data):
            raise ModelImportError(f"{self.path} is truncated (it ends at byte {len(self.data):,}).")
        view = memoryview(self.data)[self.pos:self.pos + nbytes]
        self.pos += nbytes
        return view


def read_ct2_model(path: Path) -> Ct2Model:
    """Parse a CTranslate2 ``model.bin`` (binary version 6).

    The file is memory-mapped; the arrays keep the mapping alive for as long as they are used.

    Raises:
        ModelImportError: the file is missing, truncated, of another binary version, or holds
            a data type this reader does not know.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        raise ModelImportError(f"{path} does not exist.") from None
    except (OSError, ValueError) as error:  # ValueError: mmap of an empty file
        raise ModelImportError(f"Cannot read {path}: {error}.") from None
    reader = _Reader(data, path)
    (version,) = reader.unpack("<I")
    if version != SUPPORTED_BINARY_VERSION:
        raise ModelImportError(
            f"{path} is CTranslate2 binary version {version}; only version "
            f"{SUPPORTED_BINARY_VERSION} (CTranslate2 3.x and 4.x) can be imported.")
    spec_name = reader.string()
    (revision,) = reader.unpack("<I")
    (count,) = reader.unpack("<I")
    variables: dict[str, np.ndarray] = {}
    bfloat16 = set()
    for _ in range(count):
        name = reader.string()
        (rank,) = reader.unpack("<B")
        shape = reader.unpack(f"<{rank}I")
        dtype_id, nbytes = reader.unpack("<BI")
        if dtype_id not in _DTYPES:
            raise ModelImportError(f"{path}: variable {name} has unknown data type {dtype_id}.")
        dtype = _DTYPES[dtype_id]
        if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != nbytes:
            raise ModelImportError(f"{path}: variable {name} has {nbytes} bytes for shape {shape}.")
        variables[name] = np.frombuffer(reader.take(nbytes), dtype=dtype).reshape(shape)
        if dtype_id == BFLOAT16_ID:
            bfloat16.add(name)
    (n_aliases,) = reader.unpack("<I")
    for _ in range(n_aliases):
        alias, target = reader.string(), reader.string()
        if target not in variables:
            raise ModelImportError(f"{path}: alias {alias} points at missing variable {target}.")
        variables[alias] = variables[target]
        if target in bfloat16:
            bfloat16.add(alias)
    if reader.pos != len(data):
        raise ModelImportError(f"{path} has {len(data) - reader.pos:,} unexpected bytes at its end.")
    return Ct2Model(spec_name, revision, variables, frozenset(bfloat16))


def as_float32(model: Ct2Model, name: str) -> np.ndarray:
    """A variable widened to float32; int8/int16 weights are dequantized with their ``_scale``.

    CTranslate2 stores such a weight as ``round(w * scale)``, with one scale per output row
    (int8) or one for the whole matrix (int16).
    """
    value = model.variables[name]
    if name in model.bfloat16:
        return (value.astype(np.uint32) << 16).view(np.float32)
    if value.dtype in (np.int8, np.int16):
        scale = model.variables.get(f"{name}_scale")
        if scale is None:
            raise ModelImportError(f"integer variable {name} has no {name}_scale to dequantize it.")
        scale = scale.astype(np.float32).reshape(-1, *([1] * (value.ndim - 1)))
        return value.astype(np.float32) / scale
    return value.astype(np.float32)


VOCABULARY_FILES = ("vocabulary.json", "vocabulary.txt")  # in the order they are looked for


def find_vocabulary(model_dir: Path) -> Path | None:
    """The vocabulary file of a CTranslate2 model directory, or None.

    Newer CTranslate2 versions write ``vocabulary.json`` (``_save_vocabulary`` in
    ``specs/model_spec.py``), older ones ``vocabulary.txt`` (Systran's
    faster-distil-whisper-large-v3, for one, has the JSON file). The JSON file wins when both
    are there, as in CTranslate2's own loader (``load_vocabulary``, src/models/model_reader.cc).
    """
    for name in VOCABULARY_FILES:
        if (Path(model_dir) / name).is_file():
            return Path(model_dir) / name
    return None


def read_vocabulary(path: Path) -> list[str]:
    """Read ``vocabulary.json`` (a JSON list of tokens) or ``vocabulary.txt``.

    The text file has one token per line, split on ``\\n`` only. Empty lines are tokens too
    (Whisper's token 50256 is the empty string), so neither ``splitlines`` (which also splits on
    other separators) nor stripping may be used; only the newline that ends the file is not a
    token.

    Raises:
        ModelImportError: the JSON file is not a list of strings.
    """
    if Path(path).suffix == ".json":
        try:
            tokens = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ModelImportError(f"{path} is not a readable JSON file: {error}.") from None
        if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens):
            raise ModelImportError(f"{path} does not hold a JSON list of tokens.")
        return tokens
    text = Path(path).read_text(encoding="utf-8")
    tokens = text.split("\n")
    if tokens and tokens[-1] == "":
        tokens.pop()
    return tokens


def read_config(path: Path) -> dict:
    """Read ``config.json`` (CTranslate2's model configuration)."""
    try:
        config = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelImportError(f"{path} is not a readable JSON file: {error}.") from None
    if not isinstance(config, dict):
        raise ModelImportError(f"{path} does not hold a JSON object.")
    return config
