"""Fault 4: a model download that goes wrong, through the real command line.

Each case runs ``python main.py models download tiny-q5_1`` in its own process, as a user would,
against a real HTTP server on 127.0.0.1 (``tests/http_server.py``) named by
``MURMUR_MODEL_BASE_URL`` (the mirror setting; plain HTTP is accepted for loopback only). The
server cannot hold the real file (no network here), so it serves bytes of the catalog's exact
length that fail the checksum: every case ends refused, and what matters is what the user is told
and what is left on disk. A completed resume with good bytes is shown on the real downloader in
tests/engine/test_download.py.

Disk full: the models folder is a 4 MiB tmpfs mounted in a private mount namespace
(``unshare --map-root-user --mount``, which needs no privileges where user namespaces are on);
the download runs inside it and the test lists the folder from inside too.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from http_server import ModelServer, unused_port

from engine.catalog import find

ROOT = Path(__file__).resolve().parents[2]
NAME = "tiny-q5_1"  # the smallest catalog file (31 MiB)
ENTRY = find(NAME)
FAKE = bytes(range(256)) * (ENTRY.size_bytes // 256) + b"\0" * (ENTRY.size_bytes % 256)
HALF = ENTRY.size_bytes // 2


def models_dir() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "murmur" / "models"


def download(base_url: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "MURMUR_MODEL_BASE_URL": base_url}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "models", "download", NAME],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


def said_clearly(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr


def test_an_interrupted_download_keeps_its_part_and_the_next_one_resumes_from_it():
    with ModelServer({ENTRY.filename: FAKE}) as server:
        server.drop_after = HALF
        message = said_clearly(download(server.url))
        assert "dropped" in message and "resume" in message
        part = models_dir() / (ENTRY.filename + ".part")
        assert part.stat().st_size == HALF
        assert not (models_dir() / ENTRY.filename).exists()

        server.drop_after = None
        message = said_clearly(download(server.url))
        assert server.requests[-1].range == f"bytes={HALF}-"  # resumed, not started over
        assert server.requests[-1].status == 206
    assert "Checksum mismatch" in message  # these bytes are not the model
    assert not part.exists() and not (models_dir() / ENTRY.filename).exists()


def test_wrong_bytes_are_rejected_and_the_installed_file_is_not_replaced():
    models_dir().mkdir(parents=True)
    installed = models_dir() / ENTRY.filename
    installed.write_bytes(b"what the user had")
    with ModelServer({ENTRY.filename: FAKE}) as server:
        message = said_clearly(download(server.url))
    assert "Checksum mismatch" in message
    assert installed.read_bytes() == b"what the user had"
    assert list(models_dir().iterdir()) == [installed]


def test_a_server_that_is_gone_is_said_in_one_line():
    message = said_clearly(download(f"http://127.0.0.1:{unused_port()}/", timeout=60))
    assert len(message.strip().splitlines()) == 1
    assert "127.0.0.1" in message or "connect" in message.lower()
    assert not models_dir().exists() or not list(models_dir().iterdir())


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--map-root-user", "--mount", "true"],
                           capture_output=True, timeout=10)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="no user+mount namespaces on this kernel")
def test_a_full_disk_is_said_and_the_partial_file_is_cleaned_up(tmp_path):
    models = models_dir()
    models.mkdir(parents=True)
    listing = tmp_path / "listing.txt"
    with ModelServer({ENTRY.filename: FAKE}) as server:
        command = [sys.executable, str(ROOT / "main.py"), "models", "download", NAME]
        script = (f"mount -t tmpfs -o size=4m tmpfs {shlex.quote(str(models))} && "
                  f"{shlex.join(command)}; status=$?; "
                  f"ls -A {shlex.quote(str(models))} > {shlex.quote(str(listing))}; exit $status")
        result = subprocess.run(["unshare", "--map-root-user", "--mount", "sh", "-c", script],
                                capture_output=True, text=True, timeout=120, cwd=ROOT,
                                env={**os.environ, "MURMUR_MODEL_BASE_URL": server.url})
    message = said_clearly(result)
    assert "space" in message.lower() or "full" in message.lower(), message
    assert listing.read_text().split() == []  # no .part, no model: the disk is given back
