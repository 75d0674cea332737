"""Import a whisper.cpp ggml file someone already has: check it, then copy it into place.

The file is checked with :func:`engine.ggml_format.inspect_ggml` before a byte is copied (so a
GGUF file, a truncated download or another program's ``.bin`` is refused with its reason) and
again after the copy, which goes to ``dest.part`` and is renamed over ``dest`` only when complete.
The weights are copied as they are: a q5_1 file stays q5_1 (re-quantizing a quantized file
would only lose precision).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from engine.errors import ModelFileError, ModelImportError
from engine.ggml_format import GGML_MAGIC, GgmlModelInfo, inspect_ggml
from engine.ggml_writer import fsync_dir

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
    part = dest.with_suffix(dest.suffix + ".part")
    done = 0
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with src.open("rb") as source, part.open("wb") as out:
            while chunk := source.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(min(1.0, done / info.file_size))
            out.flush()
            os.fsync(out.fileno())
        # The source may have changed while we copied; check what was actually written.
        check_ggml_file(part)
        os.replace(part, dest)
        fsync_dir(dest.parent)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise ModelImportError(f"Cannot write {dest}: {error.strerror or error}.") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return dest
