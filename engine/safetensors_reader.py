"""Read (and, for tests and tools, write) ``.safetensors`` files with numpy only, no torch.

The format (huggingface/safetensors, ``docs`` and ``safetensors/src/tensor.rs``):

* 8 bytes: little-endian uint64 ``N``, the header's length;
* ``N`` bytes: a JSON object mapping each tensor name to ``{"dtype", "shape", "data_offsets":
  [begin, end]}`` (offsets relative to the end of the header), plus an optional
  ``"__metadata__"`` object of strings;
* the tensor data, little-endian, C order.

The file is memory-mapped, so a 3 GB large-v3 checkpoint costs address space, not memory: each
tensor is a read-only view until the importer converts it. numpy has no bfloat16, so BF16
tensors come back as float32 (their bits shifted into the high half of a float32).
"""
from __future__ import annotations

import json
import mmap
import struct
from pathlib import Path
from typing import Iterator, Mapping

import numpy as np

from engine.errors import ModelImportError

# safetensors dtype name -> numpy dtype; "BF16" is read as uint16 bits and widened.
_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4",
           "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}
_NUMPY_NAMES = {np.dtype("<f4"): "F32", np.dtype("<f2"): "F16", np.dtype("<i4"): "I32",
                np.dtype("<i8"): "I64", np.dtype("i1"): "I8", np.dtype("u1"): "U8"}
# A header larger than this is not a model's (large-v3's is ~60 kB); refuse before reading it.
_MAX_HEADER = 100 << 20


class SafetensorsFile(Mapping[str, np.ndarray]):
    """The tensors of one ``.safetensors`` file, by name, read lazily from a memory map.

    Indexing returns a read-only array viewing the file (BF16: a new float32 array). The map
    stays open as long as this object or any returned view is alive.

    Raises:
        ModelImportError: the file is missing, truncated, or its header is not valid.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            with self.path.open("rb") as handle:
                self._data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except FileNotFoundError:
            raise ModelImportError(f"{self.path} does not exist.") from None
        except (OSError, ValueError) as error:  # ValueError: mmap of an empty file
            raise ModelImportError(f"Cannot read {self.path}: {error}.") from None
        self._entries, self.metadata, self._start = self._parse_header()

    def _parse_header(self) -> tuple[dict[str, dict], dict, int]:
        size = len(self._data)
        if size < 8:
            raise ModelImportError(f"{self.path} is too short to be a safetensors file.")
        (length,) = struct.unpack_from("<Q", self._data, 0)
        if length > _MAX_HEADER:
            raise ModelImportError(f"{self.path} is not a safetensors file (it announces a "
                                   f"{length:,}-byte header).")
        if length > size - 8:
            raise ModelImportError(f"{self.path} is truncated: it ends inside its header "
                                   f"({size:,} bytes, header of {length:,}).")
        try:
            header = json.loads(bytes(self._data[8:8 + length]).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ModelImportError(f"{self.path} is not a safetensors file (unreadable header).") from None
        if not isinstance(header, dict):
            raise ModelImportError(f"{self.path} is not a safetensors file (header is not an object).")
        metadata = header.pop("__metadata__", None) or {}
        start = 8 + length
        for name, entry in header.items():
            self._check_entry(name, entry, size - start)
        return header, metadata, start

    def _check_entry(self, name: str, entry, data_size: int) -> None:
        try:
            dtype, shape, (begin, end) = entry["dtype"], list(entry["shape"]), entry["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise ModelImportError(f"{self.path}: tensor {name} has a malformed header entry.") from None
        if dtype not in _DTYPES:
            raise ModelImportError(f"{self.path}: tensor {name} has unsupported dtype {dtype}.")
        numel = int(np.prod(shape, dtype=np.int64))
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= data_size):
            raise ModelImportError(f"{self.path} is truncated: tensor {name} ends at byte "
                                   f"{end:,} of {data_size:,} data bytes.")
        if end - begin != numel * np.dtype(_DTYPES[dtype]).itemsize:
            raise ModelImportError(f"{self.path}: tensor {name} has {end - begin} bytes "
                                   f"for {dtype} shape {tuple(shape)}.")

    def dtype_name(self, name: str) -> str:
        """The stored dtype ("F32", "F16", "BF16", ...) of tensor ``name``."""
        return self._entries[name]["dtype"]

    def shape(self, name: str) -> tuple[int, ...]:
        """The shape of tensor ``name`` without touching its data."""
        return tuple(self._entries[name]["shape"])

    def __getitem__(self, name: str) -> np.ndarray:
        entry = self._entries[name]
        begin, end = entry["data_offsets"]
        raw = memoryview(self._data)[self._start + begin:self._start + end]
        array = np.frombuffer(raw, dtype=_DTYPES[entry["dtype"]]).reshape(entry["shape"])
        if entry["dtype"] == "BF16":
            return (array.astype(np.uint32) << 16).view(np.float32)
        return array

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def write_safetensors(path: Path, tensors: Mapping[str, np.ndarray],
                      metadata: Mapping[str, str] | None = None) -> Path:
    """Write ``tensors`` as a safetensors file (F32/F16/integer arrays; tests build models so).

    Tensors are stored in the order given, each 8-byte aligned as the reference writer does.
    """
    header: dict = {"__metadata__": dict(metadata)} if metadata else {}
    offset, blobs = 0, []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        dtype = _NUMPY_NAMES[array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype]
        blob = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # the data starts 8-byte aligned
    with Path(path).open("wb") as out:
        out.write(struct.pack("<Q", len(raw)))
        out.write(raw)
        for blob in blobs:
            out.write(blob)
    return Path(path)
