"""Save a PNG of one X window (by id) from another process: ``screen_grab.py WINDOW_ID OUT.png``.

Used to take the README's screenshot of Murmur while it records speech under Xvfb.
"""
from __future__ import annotations

import subprocess
import sys

from PySide6.QtGui import QGuiApplication


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    # Grab the window's rectangle from the root (no window manager: the window is at its own
    # position, and grabbing by id would miss the parts drawn by child windows).
    window = int(sys.argv[1], 0)
    geometry = subprocess.run(["xdotool", "getwindowgeometry", "--shell", str(window)],
                              capture_output=True, text=True, check=True).stdout
    g = dict(line.split("=", 1) for line in geometry.split())
    pixmap = app.primaryScreen().grabWindow(0, int(g["X"]), int(g["Y"]), int(g["WIDTH"]),
                                            int(g["HEIGHT"]))
    return 0 if pixmap.save(sys.argv[2]) else 1


if __name__ == "__main__":
    sys.exit(main())
