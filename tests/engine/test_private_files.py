"""engine/private_files.py on the real file system, under permissive and odd umasks.

Each test sets the process umask (restored afterwards) and checks every path component it
created with ``os.stat``: folders exactly 0700, files exactly 0600.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from engine.private_files import private_dir, private_file, private_tree, touch_private

UMASKS = [0o000, 0o022, 0o077, 0o277]


@pytest.fixture(params=UMASKS, ids=[f"umask{u:03o}" for u in UMASKS])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_every_missing_folder_is_made_0700(tmp_path, umask):
    leaf = tmp_path / "a" / "b" / "c"
    assert private_dir(leaf) == leaf
    for folder in (tmp_path / "a", tmp_path / "a" / "b", leaf):
        assert mode(folder) == 0o700, folder


def test_an_existing_folder_is_tightened_and_its_parents_left_alone(tmp_path, umask):
    parent = tmp_path / "share"
    parent.mkdir()
    os.chmod(parent, 0o755)
    ours = parent / "murmur"
    ours.mkdir()
    os.chmod(ours, 0o777)
    private_dir(ours)
    assert mode(ours) == 0o700
    assert mode(parent) == 0o755  # the user's folder, not ours to change


def test_tighten_false_leaves_an_existing_folder(tmp_path, umask):
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    os.chmod(runtime, 0o710)
    private_dir(runtime, tighten=False)
    assert mode(runtime) == 0o710
    private_dir(runtime / "new", tighten=False)
    assert mode(runtime / "new") == 0o700


def test_files_are_0600_new_or_existing(tmp_path, umask):
    new = tmp_path / "new.db"
    fd = private_file(new)
    os.write(fd, b"words")
    os.close(fd)
    assert mode(new) == 0o600 and new.read_bytes() == b"words"
    old = tmp_path / "old.ini"
    old.write_text("x")
    os.chmod(old, 0o644)
    touch_private(old)
    assert mode(old) == 0o600 and old.read_text() == "x"  # tightened, not truncated


def test_a_tree_is_closed_off_without_following_symlinks(tmp_path, umask):
    outside = tmp_path / "shared-model.bin"
    outside.write_bytes(b"model")
    os.chmod(outside, 0o644)
    root = tmp_path / "murmur"
    (root / "models").mkdir(parents=True)
    os.chmod(root, 0o755)
    os.chmod(root / "models", 0o777)
    (root / "history.sqlite3").write_bytes(b"")
    os.chmod(root / "history.sqlite3", 0o664)
    (root / "models" / "ggml-base.bin").symlink_to(outside)
    private_tree(root)
    assert mode(root) == 0o700 and mode(root / "models") == 0o700
    assert mode(root / "history.sqlite3") == 0o600
    assert mode(outside) == 0o644  # what a link points to is not ours


def test_a_folder_of_another_user_is_refused(tmp_path):
    if os.getuid() != 0:
        pytest.skip("only root can make a folder owned by another user")
    planted = tmp_path / "murmur-1000"
    planted.mkdir(mode=0o777)
    os.chown(planted, 65534, 65534)
    with pytest.raises(PermissionError, match="another user"):
        private_dir(planted)
