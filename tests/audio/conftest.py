"""Fixtures for audio tests that use real plumbing: a private PulseAudio virtual microphone."""
from __future__ import annotations

import shutil

import pytest
from pulse_server import PulseServer


@pytest.fixture(scope="session")
def pulse_server(tmp_path_factory):
    """One private PulseAudio daemon for the session (tests may kill and restart it)."""
    for tool in ("pulseaudio", "pactl", "paplay"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: `make test` installs pulseaudio and pulseaudio-utils")
    server = PulseServer(tmp_path_factory.mktemp("pulse"))
    with server:
        yield server


@pytest.fixture
def pulse(pulse_server, monkeypatch):
    """This test's PortAudio/libpulse clients talk to the private daemon, which is running."""
    if pulse_server.process.poll() is not None:
        pulse_server.start()  # an earlier test killed it
    for name, value in pulse_server.env.items():
        monkeypatch.setenv(name, value)
    return pulse_server
