"""Folders and files that only their owner can open: 0700 folders, 0600 files, any umask.

Murmur keeps what people said (history, the audio of a dictation, logs) and their models and
settings; none of it is for other accounts on the machine. ``mkdir(mode)`` and ``open(mode)``
are filtered through the umask — a umask of 0 would leave a folder made with the default mode
world-writable, one of 0o277 makes 0500 — so every path made here is set to its exact mode
after it is created, and a folder made with ``parents=True`` never gets the default mode for the
parents in between.

Only paths of this user are changed; a folder of another user where ours should be is refused
(``/tmp/murmur-<uid>`` made by someone else would let them watch our socket).

Any thread: each call is a few system calls on paths the caller names.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: os.PathLike | str, *, tighten: bool = True) -> Path:
    """Make ``path`` a folder, creating missing parents too, each exactly 0700.

    Args:
        path: the folder.
        tighten: also set an existing ``path`` to 0700 (False for a folder that is not ours to
            change, such as ``$XDG_RUNTIME_DIR``, which its creator made 0700 already).

    Raises:
        PermissionError: ``path`` exists and belongs to another user.
        OSError: it cannot be created.
    """
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass  # made meanwhile by another thread or process; it is checked below
        _set_mode(folder, DIR_MODE)
    if tighten and not missing:
        _set_mode(path, DIR_MODE)
    return path


def private_file(path: os.PathLike | str, flags: int = os.O_RDWR) -> int:
    """Open ``path`` (created when missing) as a 0600 file and return the descriptor.

    An existing file is set to 0600 too: a file left readable by an older version or a restore
    from a backup is closed off the next time Murmur opens it.
    """
    fd = os.open(path, flags | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def touch_private(path: os.PathLike | str) -> Path:
    """Create ``path`` as an empty 0600 file if missing; set an existing one to 0600."""
    os.close(private_file(path))
    return Path(path)


def private_tree(root: os.PathLike | str) -> Path:
    """Make ``root`` and every folder below it 0700 and every file 0600 (symlinks left alone).

    For Murmur's own folders at start: a folder an older version made 0755, or a file copied
    in by hand, is closed off. Symlinks are not followed: what they point to is not ours.
    """
    root = private_dir(root)
    for folder, dirs, files in os.walk(root):
        for names, mode in ((dirs, DIR_MODE), (files, FILE_MODE)):
            for name in names:
                entry = Path(folder, name)
                try:
                    if not entry.is_symlink() and (entry.is_dir() or entry.is_file()):
                        _set_mode(entry, mode)
                except FileNotFoundError:
                    pass  # renamed or deleted meanwhile (a finished download, a spool file)
    return root


def _set_mode(path: Path, mode: int) -> None:
    info = path.stat()
    if info.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user; Murmur will not keep its "
                              "files there.")
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)


def close_off_user_dirs(app_name: str) -> list[str]:
    """``private_tree`` over the app's XDG data, config, cache and state folders that exist.

    Returns:
        One sentence per folder that could not be closed off (for the log); empty when all were.
    """
    import platformdirs

    problems = []
    for where in (platformdirs.user_data_path, platformdirs.user_config_path,
                  platformdirs.user_cache_path, platformdirs.user_state_path):
        folder = where(app_name)
        if folder.is_dir():
            try:
                private_tree(folder)
            except OSError as error:
                problems.append(f"{folder} could not be made private: {error}")
    return problems


def current_umask() -> int:
    """The process's umask, read without changing it (Linux's /proc; a set-and-restore round trip
    elsewhere, which another thread creating a file at that instant could see)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
