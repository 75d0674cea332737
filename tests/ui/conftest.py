"""Widget tests run on Qt's offscreen platform: no display needed, nothing appears on screen.

Qt's offscreen platform warns "This plugin does not support propagateSizeHints()" whenever a
top-level widget with a layout is shown, and "... raise()" when a window is raised: limits of
the test platform, not of Murmur (under Xvfb/xcb neither appears), so those two messages are
exempt from ``qt_log_level_fail``. Every other Qt warning fails the test.
"""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_OFFSCREEN_ONLY = pytest.mark.qt_log_ignore(
    r"^This plugin does not support (propagateSizeHints|raise)\(\)")


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here + os.sep):
            item.add_marker(_OFFSCREEN_ONLY)
