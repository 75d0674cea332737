"""``make setup``'s Debian step (the Makefile's ``ensure_apt``), run by the real ``make``.

Missing packages and not root: it prints the exact ``sudo apt-get install …`` line and stops
(the test runs ``make`` as the unprivileged user ``nobody`` with ``runuser``, on a copy of the
Makefile in a world-readable temporary folder). Everything present: it says nothing and goes on
(run as root; installed packages are never reinstalled, so no ``apt-get`` runs). The package
list is replaced on the command line (``APT_APP=…``) with one that cannot exist, so nothing is
ever installed by the test.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_SUCH_PACKAGE = "murmur-test-no-such-package"


@pytest.fixture
def makefile_dir():
    folder = Path(tempfile.mkdtemp(prefix="murmur-make-"))
    try:
        folder.chmod(0o755)
        shutil.copy(ROOT / "Makefile", folder / "Makefile")
        (folder / "Makefile").chmod(0o644)
        yield folder
    finally:
        shutil.rmtree(folder)


def make(folder: Path, *args: str, user: str | None = None) -> subprocess.CompletedProcess:
    command = ["make", "-s", "-C", str(folder), *args]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LC_ALL": "C"})


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"),
                    reason="needs root to run make as another user")
def test_not_root_and_packages_missing_prints_the_sudo_line_and_stops(makefile_dir):
    result = make(makefile_dir, "apt-app", f"APT_APP=coreutils {NO_SUCH_PACKAGE}", "APT_VENV=",
                  user="nobody")
    assert result.returncode != 0, result
    assert f"  sudo apt-get install {NO_SUCH_PACKAGE}\n" in result.stdout, result
    assert "coreutils" not in result.stdout  # only what is missing


def test_everything_installed_says_nothing_and_goes_on(makefile_dir):
    result = make(makefile_dir, "apt-app", "APT_APP=coreutils dpkg", "APT_VENV=")
    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", result


def test_the_app_packages_are_what_the_readme_set_up_installs(makefile_dir):
    """The real list: on this machine (set up by make) every app package is present."""
    result = make(makefile_dir, "apt-app")
    assert result.returncode == 0 and "apt-get" not in result.stdout, result
