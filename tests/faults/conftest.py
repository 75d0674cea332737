"""Fault tests inject each fault into the real app or the real component.

The running app, the private Xvfb and PulseAudio and the target window are the end-to-end
fixtures (tests/e2e/murmur_app.py); tests here import the harness modules by plain name.
"""
from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
for harness in (TESTS / "e2e", TESTS / "desktop", TESTS / "audio"):
    if str(harness) not in sys.path:
        sys.path.insert(0, str(harness))

from murmur_app import (  # noqa: E402,F401  (fixtures, found by pytest by name)
    launch_murmur, murmur, murmur_german, open_target, pulse, target, x_server)
