"""Import a whisper.cpp ggml file someone already has: check it, then copy it into place.

The file is checked with :func:`engine.ggml_format.inspect_ggml` before a byte is copied (so a
GGUF file, a truncated download or another program's ``.bin`` is refused with its reason) and
again after the copy, which goes to ``dest.part`` and is renamed over ``dest`` only when complete.
The weights are copied as they are: a q5_1 file stays q5_1 (re-quantizing a quantized file
would only lose precision).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from engine.errors import ModelFileError, ModelImportError
from engine.ggml_format import GGML_MAGIC, GgmlModelInfo, inspect_ggml
from engine.ggml_writer import atomic_model_file

# Copy in 8 MiB pieces: few enough system calls, and progress moves for a 75 MB tiny file too.
_CHUNK = 8 << 20


def is_ggml_file(path: Path) -> bool:
    """True if ``path`` is a file that starts with the ggml magic number (nothing more checked)."""
    try:
        with Path(path).open("rb") as handle:
            return int.from_bytes(handle.read(4), "little") == GGML_MAGIC
    except OSError:
        return False


def check_ggml_file(path: Path) -> GgmlModelInfo:
    """Inspect ``path`` as a model to import; every problem becomes a ModelImportError."""
    try:
        return inspect_ggml(Path(path))
    except ModelFileError as error:
        raise ModelImportError(str(error)) from None


def import_ggml_file(src: Path, dest: Path,
                     progress: Callable[[float], None] | None = None) -> Path:
    """Copy the ggml model ``src`` to ``dest`` after checking it.

    Args:
        src: a whisper.cpp ggml ``.bin`` file.
        dest: where to put it; written as ``dest.part`` and renamed, so ``dest`` never holds a
            partial file and keeps its old content on failure.
        progress: called with the fraction copied, from 0.0 to 1.0, on the calling thread.

    Returns:
        ``dest``.

    Raises:
        ModelImportError: ``src`` is not a complete ggml Whisper model (the inspector's reason),
            or ``dest`` cannot be written.
    """
    src, dest = Path(src), Path(dest)
    info = check_ggml_file(src)
    done = 0
    with atomic_model_file(dest, check_ggml_file) as out, src.open("rb") as source:
        while chunk := source.read(_CHUNK):
            out.write(chunk)
            done += len(chunk)
            if progress:
                progress(min(1.0, done / info.file_size))
    # check_ggml_file ran on the copy too: the source may have changed while it was copied.
    return dest
