"""The real desktop for end-to-end tests: see murmur_app.py for what runs and how it starts."""
from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# The desktop and audio harnesses import their siblings by plain name.
for harness in (TESTS / "e2e", TESTS / "desktop", TESTS / "audio"):
    if str(harness) not in sys.path:
        sys.path.insert(0, str(harness))

from murmur_app import (  # noqa: E402,F401  (fixtures, found by pytest by name)
    launch_murmur, murmur, murmur_german, open_target, pulse, target, x_server)
