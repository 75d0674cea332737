"""Helpers the end-to-end tests share: xdotool and the X clipboard of the test's Xvfb.

(Kept out of conftest.py so test modules import them by a unique name.)
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from xvfb import XServer

from app.history import History


def set_clipboard(server: XServer, text: str) -> None:
    """Make ``xclip`` own the CLIPBOARD with ``text`` (it stays in the background serving it)."""
    subprocess.run(["xclip", "-selection", "clipboard", "-i"], input=text.encode(),
                   env=server.env, check=True, timeout=10)


def clipboard_text(server: XServer) -> str:
    return subprocess.run(["xclip", "-selection", "clipboard", "-o"], env=server.env,
                          capture_output=True, timeout=10).stdout.decode()


def xdotool(server: XServer, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=server.env, check=True, timeout=10)


def history_texts() -> list[str]:
    """The texts in the app's history (this test's XDG data dir), newest first; [] before the app
    made the database."""
    path = Path(os.environ["XDG_DATA_HOME"]) / "murmur" / "history.sqlite3"
    if not path.exists():
        return []
    history = History(path)
    try:
        return [entry.text for entry in history.entries()]
    finally:
        history.close()
