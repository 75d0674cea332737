"""keep_crash_traces: a fatal signal leaves every thread's Python stack in ``crash.log``, and the
next launch moves it aside and says where it is.

Each case runs in its own ``python`` process (the crash must be real, and ``faulthandler`` is
process-wide: pytest's own handler stays untouched). The process is ended by a real SIGSEGV
(``os.kill`` of itself) or SIGABRT, as a crash in native code would end it.
"""
from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

from app.crash_trace import previous_crash_notice

ROOT = Path(__file__).resolve().parents[2]


def run_launch(log_dir: Path, then: str = "") -> subprocess.CompletedProcess:
    """A "launch": logging to stderr, ``keep_crash_traces(log_dir)``, then ``then``."""
    code = ("import logging, os, signal, sys\n"
            "logging.basicConfig(stream=sys.stderr, level=logging.INFO, "
            "format='%(levelname)s %(message)s')\n"
            "from app.crash_trace import keep_crash_traces\n"
            f"previous = keep_crash_traces({str(log_dir)!r})\n"
            "print(previous)\n"
            "def deep_in_the_app():\n"
            f"    {then or 'pass'}\n"
            "deep_in_the_app()\n")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, preexec_fn=no_core_file)


def no_core_file() -> None:
    """The crash must not leave a core file in the checkout (where it runs)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def test_a_segfault_leaves_the_stacks_in_crash_log_and_the_next_launch_says_so(tmp_path):
    crashed = run_launch(tmp_path, "os.kill(os.getpid(), signal.SIGSEGV)")
    assert crashed.returncode == -signal.SIGSEGV
    trace = (tmp_path / "crash.log").read_text()
    assert trace.startswith("Fatal Python error: Segmentation fault"), trace
    assert "in deep_in_the_app" in trace  # the crashing thread's stack, by function
    assert "Fatal Python error" not in crashed.stderr  # in the file, not (only) on stderr
    assert stat.S_IMODE((tmp_path / "crash.log").stat().st_mode) == 0o600

    relaunched = run_launch(tmp_path)
    assert relaunched.returncode == 0, relaunched.stderr
    kept = tmp_path / "crash.log.1"
    assert relaunched.stdout.strip() == str(kept) and kept.read_text() == trace
    assert f"Murmur stopped unexpectedly last time; what it was doing is in {kept}" \
        in relaunched.stderr
    assert (tmp_path / "crash.log").read_text() == ""  # ready for this run's crash, if any


def test_a_clean_run_leaves_nothing_to_report(tmp_path):
    assert run_launch(tmp_path).returncode == 0
    again = run_launch(tmp_path)
    assert again.stdout.strip() == "None" and "unexpectedly" not in again.stderr
    assert not (tmp_path / "crash.log.1").exists()
    assert previous_crash_notice(None) == ""


def test_the_window_line_names_the_kept_trace(tmp_path):
    assert previous_crash_notice(tmp_path / "crash.log.1") == (
        f"Murmur quit unexpectedly last time. What it was doing is saved in "
        f"{tmp_path / 'crash.log.1'} for a bug report.")


def test_only_the_last_crash_before_this_one_is_kept(tmp_path):
    run_launch(tmp_path, "os.kill(os.getpid(), signal.SIGABRT)")
    run_launch(tmp_path, "os.kill(os.getpid(), signal.SIGSEGV)")  # moves the abort aside
    run_launch(tmp_path)  # moves the segfault aside, over the abort
    assert (tmp_path / "crash.log.1").read_text().startswith("Fatal Python error: Segmentation")


def test_a_folder_it_cannot_write_leaves_the_stacks_on_stderr(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the log folder should be")
    crashed = run_launch(blocked, "os.kill(os.getpid(), signal.SIGSEGV)")
    assert crashed.returncode == -signal.SIGSEGV
    assert "crash traces go to stderr" in crashed.stderr
    assert "Fatal Python error: Segmentation fault" in crashed.stderr
    assert "in deep_in_the_app" in crashed.stderr
    assert os.path.isfile(blocked)
