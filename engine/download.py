"""Download a catalog model: resumable, verified, and never a corrupt file where a model goes.

The bytes stream into ``<models dir>/ggml-NAME.bin.part``. An interrupted download (dropped
connection, silent server, cancel) keeps that file, and the next call resumes it with an HTTP
``Range`` request. Only when the whole file has the catalog's size, SHA-1 and SHA-256 is it
fsynced and renamed onto ``ggml-NAME.bin`` (0600, in a 0700 folder); wrong bytes are deleted,
and a model already in place is never touched before then.

This is the only code in Murmur that opens a network connection. It reaches the catalog's
HTTPS hosts only; ``MURMUR_MODEL_BASE_URL`` (or ``base_url=``) names a mirror instead — HTTPS, or
plain HTTP on this computer, which is how the tests point it at their loopback server — and
then only that mirror's host. Every redirect is held to the same rule
(``engine/download_net.DownloadSource``).

Threads: ``download_model`` blocks the thread that calls it (the CLI's main thread, or a worker
in the app) and calls ``progress`` on that thread. ``cancel`` may be set from any thread; a small
watcher thread then shuts the socket down so that a read blocked on a silent server returns at
once.
"""
from __future__ import annotations

import errno
import fcntl
import http.client
import os
import shutil
import socket
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import SplitResult, urljoin, urlsplit

from engine.catalog import CatalogEntry, format_size
from engine.download_check import DiscardPart, DownloadCancelled, file_matches, verify
from engine.download_net import (CATALOG_SOURCE, CancelWatch, DownloadSource, check_download_url,
                                 connection, content_range, content_range_total, mirror_source)
from engine.errors import DownloadError
from engine.private_files import private_dir, private_file

MODEL_BASE_URL_ENV = "MURMUR_MODEL_BASE_URL"
CHUNK_BYTES = 256 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "murmur/0.1 (model downloader)"

Progress = Callable[[int, "int | None"], None]


# What _Fetch._accept answers besides (start, total): ask again from zero, or nothing to fetch.
_RETRY = object()
_COMPLETE = object()


def download_source(base_url: str | None = None) -> DownloadSource:
    """Where downloads may go: the mirror ``base_url``, else ``$MURMUR_MODEL_BASE_URL``, else
    the catalog.

    Raises:
        DownloadError: the mirror is neither HTTPS nor plain HTTP on this computer.
    """
    base = base_url or os.environ.get(MODEL_BASE_URL_ENV) or None
    return mirror_source(base) if base else CATALOG_SOURCE


def model_url(entry: CatalogEntry, base_url: str | None = None) -> str:
    """Where ``entry`` is fetched from (see ``download_source``); the result has passed its
    source's check."""
    source = download_source(base_url)
    url = entry.url if source is CATALOG_SOURCE else urljoin(source.base_url, entry.filename)
    check_download_url(url, source)
    return url


def format_progress(done: int, total: int | None) -> str:
    """``12 MiB of 141 MiB (8%)`` — for a progress line; ``12 MiB`` when the total is unknown."""
    if not total:
        return format_size(done)
    return f"{format_size(done)} of {format_size(total)} ({100 * done // total}%)"


def download_model(entry: CatalogEntry, dest_dir: Path, *, progress: Progress | None = None,
                   cancel: threading.Event | None = None, timeout: float = 30.0,
                   base_url: str | None = None) -> Path:
    """Fetch ``entry`` into ``dest_dir`` and return the verified model file.

    A file already in place that matches the catalog is returned without using the network.

    Args:
        entry: what to fetch; it must carry at least one checksum.
        dest_dir: the models folder (created 0700 when missing).
        progress: called with (bytes on disk, total bytes or None) as data arrives.
        cancel: set it from any thread to stop; the partial file is kept.
        timeout: seconds the server may stay silent (connecting or sending) before giving up.
        base_url: fetch ``<base_url>/ggml-NAME.bin`` instead of the catalog URL.

    Raises:
        DownloadCancelled: ``cancel`` was set.
        DownloadError: anything else that went wrong, as one sentence for the user.
    """
    if not (entry.sha1 or entry.sha256):
        raise DownloadError(f"Model '{entry.name}' has no checksum in the catalog; "
                            "refusing to install it unverified.")
    source = download_source(base_url)
    url = model_url(entry, base_url)
    dest_dir = Path(dest_dir)
    try:
        private_dir(dest_dir)
    except OSError as error:
        raise DownloadError(f"Cannot use {dest_dir} for models: {error.strerror or error}.") from error
    final = dest_dir / entry.filename
    part = dest_dir / (entry.filename + ".part")
    if final.is_file() and file_matches(final, entry, cancel):
        os.chmod(final, 0o600)
        if progress:
            progress(entry.size_bytes or final.stat().st_size, entry.size_bytes)
        return final

    fd = _open_part(part, entry)
    try:
        _Fetch(entry, source, url, fd, progress, cancel, timeout, dest_dir).run()
        verify(fd, entry, cancel)
        os.fsync(fd)
    except DiscardPart:
        part.unlink(missing_ok=True)
        raise
    except BaseException as error:
        if os.fstat(fd).st_size == 0:
            part.unlink(missing_ok=True)  # nothing worth resuming
        if isinstance(error, OSError):  # truncating, fsync, reading the file back
            raise DownloadError(f"Could not write {part}: {error.strerror or error}.") from error
        raise
    finally:
        os.close(fd)
    os.replace(part, final)
    _fsync_dir(dest_dir)
    return final


def _open_part(part: Path, entry: CatalogEntry) -> int:
    """Open (or create, 0600) the partial file and lock it against a second downloader."""
    try:
        fd = private_file(part)
    except OSError as error:
        raise DownloadError(f"Cannot create {part}: {error.strerror or error}.") from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DownloadError(f"Another download of '{entry.name}' is already running.") from None
    return fd


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` at the file position (os.write may write fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class _Fetch:
    """One resumable transfer into the open partial file (the thread of download_model)."""

    def __init__(self, entry: CatalogEntry, source: DownloadSource, url: str, fd: int,
                 progress: Progress | None, cancel: threading.Event | None, timeout: float,
                 dest_dir: Path):
        self.entry, self.source, self.url, self.fd = entry, source, url, fd
        self.progress, self.cancel, self.timeout, self.dest_dir = progress, cancel, timeout, dest_dir

    def run(self) -> None:
        expected = self.entry.size_bytes
        with CancelWatch(self.cancel) as watch:
            # Two restarts at most: a server ignoring Range (200) or refusing it (416).
            for _ in range(3):
                self._check_cancel()
                offset = os.fstat(self.fd).st_size
                if expected is not None and offset > expected:
                    offset = self._restart()
                if expected is not None and offset == expected:
                    return  # complete already: only verification is left
                conn, response = self._open(offset, watch)
                try:
                    answer = self._accept(response, offset)
                    if answer is _RETRY:
                        continue
                    if answer is _COMPLETE:
                        return
                    start, total = answer
                    self._check_room(total, start)
                    self._stream(response, start, total)
                    return
                finally:
                    conn.close()
        raise DownloadError(f"The server at {urlsplit(self.url).hostname} keeps answering "
                            "resume requests inconsistently; try again later.")

    def _restart(self) -> int:
        os.ftruncate(self.fd, 0)
        return 0

    def _accept(self, response: http.client.HTTPResponse, offset: int):
        """(where the body goes in the file, the file's total size), or _RETRY / _COMPLETE."""
        status = response.status
        expected = self.entry.size_bytes
        if status == 416:  # Range Not Satisfiable: the .part is as long as, or longer than, the file
            total = content_range_total(response.getheader("Content-Range"))
            if total is not None and total == offset and expected in (None, total):
                return _COMPLETE  # nothing more to read: verification decides
            self._restart()
            return _RETRY
        if status == 206:
            start, total = content_range(response.getheader("Content-Range"))
            if start != offset:
                self._restart()
                return _RETRY
        elif status == 200:
            if offset:
                self._restart()  # the server ignored Range and sends the whole file
            start = 0
            length = response.getheader("Content-Length")
            total = int(length) if length and length.isdigit() else None
        else:
            raise DownloadError(f"The server answered {status} {response.reason} for {self.url}.")
        if expected is not None and total is not None and total != expected:
            raise DiscardPart(f"The server offers {self.entry.filename} as {total:,} bytes but the "
                               f"catalog expects {expected:,}; nothing was installed.")
        return start, expected if expected is not None else total

    def _check_room(self, total: int | None, start: int) -> None:
        if total is None:
            return
        free = shutil.disk_usage(self.dest_dir).free
        if free < total - start:
            raise DownloadError(
                f"Not enough disk space in {self.dest_dir}: {self.entry.filename} needs "
                f"{format_size(total - start)} more and only {format_size(free)} is free.")

    def _stream(self, response: http.client.HTTPResponse, start: int, total: int | None) -> None:
        os.lseek(self.fd, start, os.SEEK_SET)
        done = start
        self._report(done, total)
        while True:
            self._check_cancel()
            try:
                chunk = response.read1(CHUNK_BYTES)
            except (OSError, http.client.HTTPException) as error:
                self._check_cancel()  # a shut-down socket is how cancel interrupts a read
                raise self._network_error(error) from error
            if not chunk:
                break
            if total is not None and done + len(chunk) > total:
                raise DiscardPart(f"The server sent more than the {total:,} bytes of "
                                   f"{self.entry.filename}; the download was discarded.")
            try:
                _write_all(self.fd, chunk)
            except OSError as error:
                raise self._write_error(error) from error
            done += len(chunk)
            self._report(done, total)
        self._check_cancel()
        if total is not None and done < total:
            raise DownloadError(
                f"The connection to {urlsplit(self.url).hostname} dropped after "
                f"{format_progress(done, total)}. The partial download was kept; run the "
                "download again to resume it.")

    def _report(self, done: int, total: int | None) -> None:
        if self.progress:
            self.progress(done, total)

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            kept = os.fstat(self.fd).st_size
            raise DownloadCancelled(f"Download of '{self.entry.name}' cancelled; "
                                    f"{format_size(kept)} kept to resume later.")

    def _write_error(self, error: OSError) -> DownloadError:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return DiscardPart(f"The disk holding {self.dest_dir} is full: {self.entry.filename} "
                                "could not be saved, and the partial file was removed. Free some "
                                "space and try again.")
        return DiscardPart(f"Could not write {self.entry.filename} in {self.dest_dir}: "
                            f"{error.strerror or error}. The partial file was removed.")

    def _open(self, offset: int, watch: CancelWatch):
        """Connect and send the GET, following redirects that pass the source's check."""
        url = self.url
        for _ in range(MAX_REDIRECTS + 1):
            parts = self.source.check(url)
            conn = connection(parts, self.timeout)
            watch.attach(conn)
            headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
                       "Connection": "close"}
            if offset:
                headers["Range"] = f"bytes={offset}-"
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            try:
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                self._check_cancel()
                raise self._network_error(error, parts) from error
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                conn.close()
                if not location:
                    raise DownloadError(f"The server redirected {url} to nowhere.")
                url = urljoin(url, location)
                continue
            return conn, response
        raise DownloadError(f"Too many redirects while fetching {self.url}.")

    def _network_error(self, error: BaseException, parts: SplitResult | None = None) -> DownloadError:
        parts = parts or urlsplit(self.url)
        where = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        keep = " The partial download was kept; run the download again to resume it."
        if isinstance(error, TimeoutError):
            return DownloadError(f"The server at {where} stopped answering (nothing for "
                                 f"{self.timeout:g} s).{keep}")
        if isinstance(error, ConnectionRefusedError):
            return DownloadError(f"Could not connect to {where}: connection refused. Is the server "
                                 "down, or the address wrong?")
        if isinstance(error, socket.gaierror):
            return DownloadError(f"Could not find the server {parts.hostname} ({error.strerror}). "
                                 "Check the network connection.")
        if isinstance(error, ssl.SSLCertVerificationError):
            return DownloadError(f"The certificate of {parts.hostname} could not be verified "
                                 f"({error.verify_message}); nothing was downloaded.")
        return DownloadError(f"The connection to {where} failed: {error or type(error).__name__}.{keep}")


def _fsync_dir(path: Path) -> None:
    """Make the rename durable: fsync the folder that holds the new name."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
