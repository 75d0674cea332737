"""``main.py recordings list | discard``: the real command line in a subprocess, on spool files
in this test's own XDG data dir (what a killed or failed dictation leaves there)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from app.recorder import default_spool_dir

MAIN = Path(__file__).resolve().parents[2] / "main.py"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(MAIN), "recordings", *args], capture_output=True,
                          text=True, timeout=60)


def kept_file(stamp: str, seconds: float) -> Path:
    spool = default_spool_dir()
    spool.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = spool / f"dictation-{stamp}-42-1{stamp[-2:]}.f32"
    path.write_bytes(np.zeros(int(seconds * 16_000), "<f4").tobytes())
    return path


def test_list_and_discard():
    assert cli().stdout.strip() == "No kept dictations."
    early, late, third = (kept_file("20261126-103200", 14), kept_file("20261126-103300", 2.5),
                          kept_file("20261126-103400", 1))
    listed = cli("list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0] == f"{early.name}\t2026-11-26 10:32:00\t14.0 s"
    assert lines[1] == f"{late.name}\t2026-11-26 10:33:00\t2.5 s"
    assert "main.py retry" in lines[-1]

    wrong = cli("discard", "no-such.f32")
    assert wrong.returncode == 1 and wrong.stderr.count("\n") == 1 and "no-such" in wrong.stderr
    assert early.exists()  # nothing discarded on a wrong name

    assert cli("discard", early.name).stdout.strip() == "Discarded 1 kept dictation."
    assert not early.exists() and late.exists()
    assert cli("discard", "--all").stdout.strip() == "Discarded 2 kept dictations."
    assert list(default_spool_dir().iterdir()) == []
