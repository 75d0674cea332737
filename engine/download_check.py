"""Checking a downloaded model against the catalog's size and digests."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from engine.catalog import CatalogEntry
from engine.errors import DownloadCancelled, DownloadError

__all__ = ["DiscardPart", "DownloadCancelled", "file_matches", "verify"]


class DiscardPart(DownloadError):
    """The partial file is wrong or could not be written: delete it, then report this."""


def _digests(fd: int, entry: CatalogEntry, cancel: threading.Event | None) -> dict[str, str]:
    """The catalog's digests of the open file, computed in one pass."""
    hashes = {name: hashlib.new(name) for name in ("sha1", "sha256") if getattr(entry, name)}
    position = 0
    while True:
        if cancel is not None and cancel.is_set():
            raise DownloadCancelled(f"Download of '{entry.name}' cancelled while checking it.")
        block = os.pread(fd, 1 << 20, position)
        if not block:
            break
        position += len(block)
        for digest in hashes.values():
            digest.update(block)
    return {name: digest.hexdigest() for name, digest in hashes.items()}


def verify(fd: int, entry: CatalogEntry, cancel: threading.Event | None) -> None:
    size = os.fstat(fd).st_size
    if entry.size_bytes is not None and size != entry.size_bytes:
        raise DiscardPart(f"The downloaded {entry.filename} has {size:,} bytes instead of "
                           f"{entry.size_bytes:,}; it was discarded.")
    for name, actual in _digests(fd, entry, cancel).items():
        wanted = getattr(entry, name).lower()
        if actual != wanted:
            raise DiscardPart(
                f"Checksum mismatch for {entry.filename}: expected {name.upper()} {wanted}, got "
                f"{actual}. The download was discarded and nothing was installed.")


def file_matches(path: Path, entry: CatalogEntry, cancel: threading.Event | None) -> bool:
    """True when the file at ``path`` is exactly the catalog's file."""
    if entry.size_bytes is not None and path.stat().st_size != entry.size_bytes:
        return False
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        wanted = {name: getattr(entry, name).lower() for name in ("sha1", "sha256")
                  if getattr(entry, name)}
        return _digests(fd, entry, cancel) == wanted
    finally:
        os.close(fd)
