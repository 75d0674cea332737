"""Every file and folder the app's parts create is the user's alone, whatever the umask.

Real components on the real file system: SQLite history (with its -wal/-shm files), the
QSettings INI file, the instance socket and its lock (a real QLocalServer), the log file with
rotation, the models folder and the cue sounds. Each test runs under a permissive umask
(0o000, then 0o022) and walks what was created: folders exactly 0700, files exactly 0600,
sockets without group or other bits. Symlinks are not ours and are skipped.
"""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from app.cues import write_wav
from app.history import History
from app.instance import InstanceServer
from app.logs import PrivateRotatingFileHandler, setup_logging, transcript_log
from app.settings import Settings, open_settings, save_settings
from engine.model_store import ModelStore

UMASKS = [0o000, 0o022]


@pytest.fixture(params=UMASKS, ids=[f"umask{u:03o}" for u in UMASKS])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def problems_under(root: Path) -> list[str]:
    """Every path below ``root`` (and ``root``) whose mode lets another user in."""
    found = []
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            continue
        if stat.S_ISDIR(info.st_mode) and mode != 0o700:
            found.append(f"{path} is a folder of mode {mode:o}")
        elif stat.S_ISREG(info.st_mode) and mode != 0o600:
            found.append(f"{path} is a file of mode {mode:o}")
        elif mode & 0o077:
            found.append(f"{path} has mode {mode:o}")
    return found


def test_history_database_and_its_journals(tmp_path, umask):
    root = tmp_path / "data" / "murmur"
    history = History(root / "history.sqlite3")
    history.add("words someone said", 1.0, 0.5, 0.3, "base", "en")
    names = {p.name for p in root.iterdir()}
    history_files = {"history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm"}
    assert history_files <= names  # the WAL files exist while the connection is open
    assert problems_under(tmp_path / "data") == []
    history.close()


def test_history_closes_off_files_left_readable(tmp_path, umask):
    root = tmp_path / "murmur"
    History(root / "history.sqlite3").add("first", 1, 1, 1, "m", "en")
    for path in [root, *root.iterdir()]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    history = History(root / "history.sqlite3")
    history.add("second", 1, 1, 1, "m", "en")
    assert problems_under(root) == []
    history.close()


def test_settings_file_new_and_rewritten(tmp_path, umask):
    store = open_settings(tmp_path / "config")
    save_settings(store, Settings(language="fr"))
    save_settings(store, Settings(language="de"))  # Qt replaces the file on each save
    assert (tmp_path / "config" / "murmur" / "murmur.ini").read_text().count("language=de") == 1
    assert problems_under(tmp_path / "config") == []


def test_settings_file_written_readable_by_someone_else_is_closed_off(tmp_path, umask):
    folder = tmp_path / "config" / "murmur"
    folder.mkdir(parents=True, mode=0o755)
    (folder / "murmur.ini").write_text("[General]\nlanguage=en\n")
    os.chmod(folder / "murmur.ini", 0o644)
    save_settings(open_settings(tmp_path / "config"), Settings())
    assert problems_under(folder) == []  # (tmp_path / "config" is the user's, made by the test)


def test_instance_socket_its_lock_and_its_folder(qapp, tmp_path, umask):
    server = InstanceServer(lambda: "idle", path=tmp_path / "murmur-0" / "m.sock")
    try:
        assert server.listen()
        assert {p.name for p in (tmp_path / "murmur-0").iterdir()} == {"m.sock", "m.sock.lock"}
        assert problems_under(tmp_path / "murmur-0") == []
    finally:
        server.close()


def test_log_files_new_and_rotated(tmp_path, umask):
    handler = PrivateRotatingFileHandler(tmp_path / "murmur.log", maxBytes=200, backupCount=2)
    logger = logging.getLogger("murmur.test_private_modes")
    logger.addHandler(handler)
    try:
        for n in range(20):
            logger.warning("line %d of the log, long enough to rotate soon", n)
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert {p.name for p in tmp_path.iterdir()} == {"murmur.log", "murmur.log.1", "murmur.log.2"}
    assert problems_under(tmp_path) == []


@pytest.fixture
def restored_logging():
    root = logging.getLogger()
    handlers, level, disabled = root.handlers[:], root.level, transcript_log.disabled
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    transcript_log.disabled = disabled


@pytest.mark.parametrize("debug", [False, True])
def test_log_setup_keeps_dictated_text_out_unless_debug(tmp_path, umask, restored_logging, debug):
    path = setup_logging(verbose=True, debug=debug, log_dir=tmp_path / "state" / "murmur")
    logging.getLogger("murmur.test").info("a dictation of 3 words")
    transcript_log.debug("dictated: %r", "pineapple submarine orchestra")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "a dictation of 3 words" in text
    assert ("pineapple submarine orchestra" in text) is debug
    assert problems_under(tmp_path / "state") == []


def test_models_folder_and_cue_sounds(tmp_path, umask):
    ModelStore(tmp_path / "data" / "murmur" / "models").ensure_root()
    write_wav(tmp_path / "cache" / "murmur" / "sounds" / "start.wav", np.zeros(480, np.float32))
    assert problems_under(tmp_path / "data") == []
    assert problems_under(tmp_path / "cache") == []


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640)])
def test_an_export_follows_the_users_umask(tmp_path, mask, expected):
    """Exports are documents for other programs: the umask decides, as for any saved file."""
    from app.file_export import write_export
    from engine.options import Segment

    old = os.umask(mask)
    try:
        path = write_export([Segment(0.0, 1.0, "hello")], tmp_path / "out.txt", "txt", 1.0)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == expected


def test_instance_refuses_a_socket_folder_planted_by_another_user(qapp, tmp_path):
    """``/tmp/murmur-<uid>`` made by someone else (world-writable, theirs): no socket there."""
    if os.getuid() != 0:
        pytest.skip("only root can make a folder owned by another user")
    planted = tmp_path / "murmur-1000"
    planted.mkdir()
    os.chmod(planted, 0o777)
    os.chown(planted, 65534, 65534)
    server = InstanceServer(lambda: "idle", path=planted / "m.sock")
    with pytest.raises(PermissionError, match="another user"):
        server.listen()
    assert list(planted.iterdir()) == []
