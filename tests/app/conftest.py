"""app/ tests use QObjects only: Qt's offscreen platform, so no display is needed."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
