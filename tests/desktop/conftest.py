"""Fixtures for tests that need a real X desktop: one private Xvfb per test session, real
target windows and clipboard owners in other processes."""
from __future__ import annotations

import subprocess

import pytest
from x_apps import TargetWindow, start_helper, stop_helper
from xvfb import XServer

from desktop.selection import SelectionOwner

XDOTOOL_TIMEOUT_S = 10


@pytest.fixture(scope="session")
def x_server():
    """A private Xvfb for the whole session (starting one takes ~0.1 s, but why repeat it)."""
    with XServer.start() as server:
        yield server


@pytest.fixture
def x_display(x_server, monkeypatch):
    """This test runs against the private Xvfb: ``DISPLAY`` points at it."""
    monkeypatch.setenv("DISPLAY", x_server.display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return x_server


@pytest.fixture
def xdotool(x_display):
    """Run ``xdotool ARGS...`` against the private display; returns its stdout."""

    def run(*args: str) -> str:
        done = subprocess.run(["xdotool", *args], env=x_display.env, capture_output=True,
                              text=True, timeout=XDOTOOL_TIMEOUT_S, check=True)
        return done.stdout.strip()

    return run


@pytest.fixture
def open_target(x_display, xdotool, tmp_path):
    """Factory: open a target window, focused and empty (see ``target_window.py`` for flags)."""
    procs = []

    def open_(terminal: bool = False, no_paste: bool = False, focus: bool = True) -> TargetWindow:
        out = tmp_path / f"target{len(procs)}.txt"
        args = [str(out), *(["--terminal"] if terminal else []), *(["--no-paste"] if no_paste else [])]
        proc, line = start_helper("target_window.py", *args, env=x_display.env)
        procs.append(proc)
        window = TargetWindow(int(line), out, proc)
        if focus:
            xdotool("windowfocus", "--sync", str(window.id))
        return window

    yield open_
    for proc in procs:
        stop_helper(proc)


@pytest.fixture
def rich_clipboard(x_display):
    """A Qt app owning the clipboard with text, HTML, an image and a custom format."""
    proc, _ = start_helper("clipboard_owner.py", env=dict(x_display.env, QT_QPA_PLATFORM="xcb"))
    yield proc
    stop_helper(proc)


@pytest.fixture
def selection_owner(x_display):
    owner = SelectionOwner()
    yield owner
    owner.close()
