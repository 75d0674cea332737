"""Fixtures for tests that need a real X desktop: one private Xvfb per test session."""
from __future__ import annotations

import subprocess

import pytest
from xvfb import XServer

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
