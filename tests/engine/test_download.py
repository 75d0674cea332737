"""The model downloader against a real HTTP server on 127.0.0.1 that misbehaves on purpose.

Every test waits on events or on the download returning — never on the clock — and each one
moves a few hundred kilobytes at most.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import random
import stat
import threading
import time
from collections import namedtuple
from pathlib import Path

import pytest

from engine import download
from engine.catalog import CATALOG, CatalogEntry, find
from engine.download import (MODEL_BASE_URL_ENV, DownloadCancelled, check_download_url,
                             download_model, download_source, format_progress, model_url)
from engine.errors import DownloadError
from http_server import ModelServer, unused_port  # tests/http_server.py

DATA = random.Random(20261126).randbytes(300_000)
HALF = len(DATA) // 2


def make_entry(data: bytes = DATA, *, size: int | None = -1, sha1: bool = True,
               sha256: bool = True) -> CatalogEntry:
    """A catalog-like entry for ``data`` (``size=None`` plays an entry of unknown size)."""
    return CatalogEntry(
        name="test-model",
        size_bytes=len(data) if size == -1 else size,
        sha1=hashlib.sha1(data).hexdigest() if sha1 else None,
        sha256=hashlib.sha256(data).hexdigest() if sha256 else None,
        multilingual=True,
        languages="test",
    )


ENTRY = make_entry()
FILENAME = ENTRY.filename


@pytest.fixture(autouse=True)
def no_base_url_override(monkeypatch):
    monkeypatch.delenv(MODEL_BASE_URL_ENV, raising=False)


@pytest.fixture
def server():
    with ModelServer({FILENAME: DATA}) as running:
        yield running


@pytest.fixture
def models(tmp_path) -> Path:
    return tmp_path / "models"


def part_of(models: Path) -> Path:
    return models / (FILENAME + ".part")


def test_downloads_verifies_and_installs_privately(server, models):
    seen = []
    path = download_model(ENTRY, models, base_url=server.url,
                          progress=lambda done, total: seen.append((done, total)))
    assert path == models / FILENAME
    assert path.read_bytes() == DATA
    assert not part_of(models).exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(models.stat().st_mode) == 0o700
    assert seen[0] == (0, len(DATA)) and seen[-1] == (len(DATA), len(DATA))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert [request.range for request in server.requests] == [None]


def test_dropped_connection_keeps_part_and_resumes_with_range(server, models):
    server.drop_after = HALF
    with pytest.raises(DownloadError, match="dropped") as error:
        download_model(ENTRY, models, base_url=server.url)
    assert "resume" in str(error.value)
    assert part_of(models).read_bytes() == DATA[:HALF]
    assert not (models / FILENAME).exists()

    server.drop_after = None
    seen = []
    path = download_model(ENTRY, models, base_url=server.url,
                          progress=lambda done, total: seen.append(done))
    assert path.read_bytes() == DATA
    assert server.requests[-1].range == f"bytes={HALF}-"
    assert server.requests[-1].status == 206
    assert seen[0] == HALF  # the progress bar starts where the resume starts


def test_wrong_bytes_are_rejected_and_the_installed_model_survives(models):
    wrong = bytearray(DATA)
    wrong[HALF] ^= 0xFF
    models.mkdir()
    installed = models / FILENAME
    installed.write_bytes(b"the model that was here before")
    with ModelServer({FILENAME: bytes(wrong)}) as server:
        with pytest.raises(DownloadError, match="(?i)checksum mismatch"):
            download_model(ENTRY, models, base_url=server.url)
    assert installed.read_bytes() == b"the model that was here before"
    assert not part_of(models).exists()


def test_sha1_alone_is_checked_too(models):
    wrong = DATA[:-1] + bytes([DATA[-1] ^ 1])
    with ModelServer({FILENAME: wrong}) as server:
        with pytest.raises(DownloadError, match="SHA1"):
            download_model(make_entry(sha256=False), models, base_url=server.url)
    assert not part_of(models).exists()


def test_a_file_of_the_wrong_length_is_refused(models):
    with ModelServer({FILENAME: DATA + b"trailing"}) as server:
        with pytest.raises(DownloadError, match="catalog expects"):
            download_model(ENTRY, models, base_url=server.url)
    assert not (models / FILENAME).exists()
    assert not part_of(models).exists()


def test_silent_server_times_out_clearly_and_keeps_part(server, models):
    server.stall_after = HALF
    with pytest.raises(DownloadError, match="stopped answering") as error:
        download_model(ENTRY, models, base_url=server.url, timeout=0.2)
    assert "resume" in str(error.value)
    assert part_of(models).read_bytes() == DATA[:HALF]


def test_server_ignoring_range_restarts_from_zero(server, models):
    models.mkdir()
    part_of(models).write_bytes(b"\0" * HALF)  # would fail the checksum if kept
    server.ignore_range = True
    path = download_model(ENTRY, models, base_url=server.url)
    assert path.read_bytes() == DATA
    assert [(r.range, r.status) for r in server.requests] == [(f"bytes={HALF}-", 200)]


def test_416_on_a_complete_part_just_verifies_it(server, models):
    models.mkdir()
    part_of(models).write_bytes(DATA)
    path = download_model(make_entry(size=None), models, base_url=server.url)
    assert path.read_bytes() == DATA
    assert [(r.range, r.status) for r in server.requests] == [(f"bytes={len(DATA)}-", 416)]


def test_416_on_an_oversized_part_starts_again(server, models):
    models.mkdir()
    part_of(models).write_bytes(DATA + b"junk from an older file")
    path = download_model(make_entry(size=None), models, base_url=server.url)
    assert path.read_bytes() == DATA
    assert [r.status for r in server.requests] == [416, 200]
    assert server.requests[-1].range is None


def test_a_part_longer_than_the_catalog_size_is_dropped_before_asking(server, models):
    models.mkdir()
    part_of(models).write_bytes(DATA + b"junk")
    download_model(ENTRY, models, base_url=server.url)
    assert [r.range for r in server.requests] == [None]


def test_server_gone_is_a_clear_error(models):
    with pytest.raises(DownloadError, match="connection refused"):
        download_model(ENTRY, models, base_url=f"http://127.0.0.1:{unused_port()}/")
    assert not part_of(models).exists()  # nothing was received, so nothing is kept


def test_http_error_status_is_reported(server, models):
    server.status = 503
    with pytest.raises(DownloadError, match="503"):
        download_model(ENTRY, models, base_url=server.url)


@pytest.mark.parametrize("url, allowed", [
    ("https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.bin", True),
    # The hub's storage hosts it redirects model files to.
    ("https://cdn-lfs.hf.co/repos/ab/cd/0123", True),
    ("https://cdn-lfs-us-1.hf.co/repos/ab/cd/0123", True),
    ("https://cas-bridge.xethub.hf.co/xet-bridge-us/0123", True),
    ("https://cdn-lfs.huggingface.co/repos/ab/cd/0123", True),
    ("https://HuggingFace.co./ggerganov/whisper.cpp/resolve/main/ggml-base.bin", True),
    # Not HTTPS.
    ("http://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.bin", False),
    ("ftp://huggingface.co/ggml-base.bin", False),
    ("file:///etc/passwd", False),
    ("https:///no-host.bin", False),
    # HTTPS, but not the catalog's hosts: no mirror was named, so nothing else is reached.
    ("https://mirror.example.org/models/ggml-base.bin", False),
    ("https://evilhuggingface.co/ggml-base.bin", False),
    ("https://huggingface.co.evil.example/ggml-base.bin", False),
    ("https://huggingface.co@evil.example/ggml-base.bin", False),
    ("https://hf.co.evil.example/ggml-base.bin", False),
    # Loopback is a mirror on this computer: only when one is named.
    ("http://127.0.0.1:8000/ggml-base.bin", False),
    ("https://127.0.0.1:8000/ggml-base.bin", False),
])
def test_the_catalog_reaches_only_its_own_https_hosts(url, allowed):
    if allowed:
        check_download_url(url)
    else:
        with pytest.raises(DownloadError, match="HTTPS only|not where the model catalog"):
            check_download_url(url)


def test_every_catalog_url_passes_the_catalog_check():
    for entry in CATALOG:
        assert model_url(entry) == entry.url
        check_download_url(entry.url)


@pytest.mark.parametrize("mirror, url, allowed", [
    ("https://mirror.example.org/models", "https://mirror.example.org/models/ggml-base.bin", True),
    ("https://mirror.example.org/models", "https://cdn.mirror.example.org/x.bin", True),
    ("https://mirror.example.org/models", "https://huggingface.co/ggml-base.bin", False),
    ("https://mirror.example.org/models", "https://example.org/ggml-base.bin", False),
    ("https://mirror.example.org/models", "http://mirror.example.org/ggml-base.bin", False),
    ("http://127.0.0.1:8000/", "http://127.0.0.1:9000/elsewhere.bin", True),
    ("http://127.0.0.1:8000/", "http://localhost:8000/ggml-base.bin", False),
    ("http://127.0.0.1:8000/", "https://example.org/ggml-base.bin", False),
    ("http://localhost:8000/", "http://localhost:8000/ggml-base.bin", True),
    ("http://[::1]:8000/", "http://[::1]:8000/ggml-base.bin", True),
])
def test_a_named_mirror_reaches_only_its_own_host(mirror, url, allowed):
    source = download_source(mirror)
    if allowed:
        check_download_url(url, source)
    else:
        with pytest.raises(DownloadError, match="HTTPS only|not where the mirror"):
            check_download_url(url, source)


@pytest.mark.parametrize("mirror", [
    "http://mirror.example.org/models/", "http://192.168.1.10/", "http://127.0.0.1.example.org/",
    "ftp://127.0.0.1/", "file:///tmp/models/", "models/",
])
def test_a_mirror_must_be_https_or_on_this_computer(mirror, models):
    with pytest.raises(DownloadError, match="HTTPS only"):
        download_model(ENTRY, models, base_url=mirror)
    assert not models.exists()  # refused before anything was created or sent


def test_plain_http_elsewhere_is_refused_before_any_connection(models):
    with pytest.raises(DownloadError, match="HTTPS only"):
        download_model(ENTRY, models, base_url="http://example.org/models/")
    assert not models.exists()


def test_redirect_to_plain_http_is_refused(server, models):
    server.redirects[FILENAME] = "http://example.org/ggml-test-model.bin"
    with pytest.raises(DownloadError, match="HTTPS only"):
        download_model(ENTRY, models, base_url=server.url)


def test_redirect_to_another_host_is_refused_before_connecting(server, models):
    """A loopback mirror redirecting to an HTTPS host elsewhere: refused, nothing sent there
    (the test machine has no network, so a connection attempt would fail differently)."""
    server.redirects[FILENAME] = "https://example.org/ggml-test-model.bin"
    with pytest.raises(DownloadError, match="example.org is not where the mirror"):
        download_model(ENTRY, models, base_url=server.url)
    assert [r.status for r in server.requests] == [302]
    assert not (models / FILENAME).exists()


def test_redirect_to_the_catalog_from_a_mirror_is_refused(server, models):
    server.redirects[FILENAME] = ENTRY.url
    with pytest.raises(DownloadError, match="huggingface.co is not where the mirror"):
        download_model(ENTRY, models, base_url=server.url)


def test_redirect_on_loopback_is_followed(server, models):
    server.files["elsewhere.bin"] = DATA
    server.redirects[FILENAME] = "/cdn/elsewhere.bin"
    assert download_model(ENTRY, models, base_url=server.url).read_bytes() == DATA
    assert [(r.path, r.status) for r in server.requests] == [
        (f"/{FILENAME}", 302), ("/cdn/elsewhere.bin", 200)]


def test_environment_overrides_the_base_url(server, models, monkeypatch):
    monkeypatch.setenv(MODEL_BASE_URL_ENV, server.url)
    assert model_url(ENTRY) == server.url + FILENAME
    assert download_model(ENTRY, models).read_bytes() == DATA


def test_environment_override_obeys_the_same_rule(models, monkeypatch):
    monkeypatch.setenv(MODEL_BASE_URL_ENV, "http://example.org/")
    with pytest.raises(DownloadError, match="HTTPS only"):
        download_model(ENTRY, models)


def test_catalog_url_is_used_by_default():
    base = find("base")
    assert model_url(base) == "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.bin"


def test_disk_full_while_writing_removes_the_part(server, models, monkeypatch):
    real_write = download._write_all
    calls = []

    def fill_disk(fd, data):
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(fd, data)

    monkeypatch.setattr(download, "_write_all", fill_disk)
    with pytest.raises(DownloadError, match="disk .* is full") as error:
        download_model(ENTRY, models, base_url=server.url)
    assert "partial file was removed" in str(error.value)
    assert not part_of(models).exists()
    assert not (models / FILENAME).exists()


def test_too_little_space_is_said_before_downloading(server, models, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(download.shutil, "disk_usage", lambda path: usage(10**9, 10**9, 1000))
    with pytest.raises(DownloadError, match="Not enough disk space"):
        download_model(ENTRY, models, base_url=server.url)
    assert not part_of(models).exists()


def test_cancel_stops_keeps_the_part_and_a_later_call_resumes(server, models):
    cancel = threading.Event()
    with pytest.raises(DownloadCancelled):
        download_model(ENTRY, models, base_url=server.url, cancel=cancel,
                       progress=lambda done, total: done and cancel.set())
    kept = part_of(models).stat().st_size
    assert 0 < kept < len(DATA)

    path = download_model(ENTRY, models, base_url=server.url)
    assert path.read_bytes() == DATA
    assert server.requests[-1].range == f"bytes={kept}-"


def test_cancel_interrupts_a_silent_server_at_once(server, models):
    server.stall_after = HALF
    cancel, got_all_it_sends = threading.Event(), threading.Event()
    # Cancel from another thread once the download has everything the server will send, so
    # the download thread is (about to be) blocked reading from a server that says nothing.
    canceller = threading.Thread(target=lambda: got_all_it_sends.wait(5) and cancel.set())
    canceller.start()
    started = time.monotonic()
    with pytest.raises(DownloadCancelled, match="kept to resume"):
        download_model(ENTRY, models, base_url=server.url, cancel=cancel, timeout=30,
                       progress=lambda done, total: done >= HALF and got_all_it_sends.set())
    canceller.join()
    assert time.monotonic() - started < 5  # the 30 s timeout did not have to expire
    assert part_of(models).stat().st_size == HALF


def test_a_good_installed_model_needs_no_network(server, models):
    models.mkdir()
    (models / FILENAME).write_bytes(DATA)
    assert download_model(ENTRY, models, base_url=server.url).read_bytes() == DATA
    assert server.requests == []


def test_a_damaged_installed_model_is_replaced(server, models):
    models.mkdir()
    (models / FILENAME).write_bytes(DATA[:HALF])
    assert download_model(ENTRY, models, base_url=server.url).read_bytes() == DATA


def test_an_entry_without_checksum_is_refused(server, models):
    with pytest.raises(DownloadError, match="no checksum"):
        download_model(make_entry(sha1=False, sha256=False), models, base_url=server.url)
    assert server.requests == []


def test_a_second_simultaneous_download_is_refused(server, models):
    models.mkdir()
    with open(part_of(models), "wb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(DownloadError, match="already running"):
            download_model(ENTRY, models, base_url=server.url)
    assert server.requests == []


@pytest.mark.parametrize("done, total, text", [
    (0, None, "0 B"),
    (5 << 20, None, "5 MiB"),
    (12 << 20, 147_951_465, "12 MiB of 141 MiB (8%)"),
    (147_951_465, 147_951_465, "141 MiB of 141 MiB (100%)"),
])
def test_format_progress(done, total, text):
    assert format_progress(done, total) == text
