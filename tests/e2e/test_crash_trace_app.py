"""A native crash of the running app leaves its threads' stacks in ``crash.log``, and the next
launch says so in its log and its window (app/crash_trace.py).

Real parts: Murmur started as a user would (``launch_murmur``, tests/e2e/murmur_app.py: private
Xvfb, private PulseAudio null sink as the microphone, the real Whisper model, ``python main.py``),
ended by a real SIGSEGV sent to its process once it is ready, as a crash inside Qt or PortAudio
would end it; then started again with the same folders.
"""
from __future__ import annotations

import os
import signal

from xvfb import wait_until


def test_a_segfault_leaves_every_threads_stack_and_the_next_launch_says_where(launch_murmur):
    # `exec`s the app with no core file allowed: the crash must not leave one in the checkout.
    first = launch_murmur(prefix=("sh", "-c", 'ulimit -c 0 && exec "$@"', "sh"))
    first.wait_ready()
    os.kill(first.process.pid, signal.SIGSEGV)
    assert first.process.wait(30) == -signal.SIGSEGV
    trace = first.crash_log().read_text()
    assert trace.startswith("Fatal Python error: Segmentation fault"), trace
    # The GUI thread was in Qt's event loop, called from the app's composition root.
    assert "in run_desktop_app" in trace and trace.count("Thread 0x") >= 3, trace

    second = launch_murmur()
    second.wait_ready()
    kept = first.crash_log().with_name("crash.log.1")
    assert kept.read_text() == trace
    wait_until(lambda: f"Murmur stopped unexpectedly last time; what it was doing is in {kept}"
               in second.log.read_text(errors="replace"), 30, "the warning in the log")
    assert first.crash_log().read_text() == ""
    wait_until(lambda: "Murmur quit unexpectedly last time. What it was doing is saved in "
               f"{kept} for a bug report." in second.details()["window"], 30,
               "the window to say so")
