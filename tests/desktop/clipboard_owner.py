"""A Qt app on the real X clipboard: owns rich content, or reports what the clipboard holds.

``python clipboard_owner.py`` offers plain text, HTML, a noisy image (Qt serves it as image/png,
image/bmp, ... and, being large, through INCR) and a custom binary format; prints ``ready`` once
it owns the clipboard, then serves until killed.

``--exit-when-replaced``: quit as soon as another program owns the clipboard (as xclip does,
and as an app the user closes would): the owner is gone between a paste's save and restore.
``--size N``: the image's side in pixels.

``python clipboard_owner.py --dump`` prints, as one JSON line, what a Qt app reads from the
clipboard: text, HTML, image size, the custom format. It shows that restored formats are
usable by a real toolkit, not just byte-identical.
"""
from __future__ import annotations

import json
import os
import sys

TEXT = "Before: café, Straße, über, 中文"
HTML = "<p>Before: <b>café</b> <i>中文</i></p>"
CUSTOM_TYPE = "application/x-murmur-test"
CUSTOM = bytes(range(256)) * 4
SIZE = 300  # noise compresses badly: a ~270 KB PNG, served in INCR chunks
#: Deadline of a test's own read of a rich clipboard on a loaded 2-core machine (the read
#: returns as soon as every format is in; the app's own budget is READ_TIMEOUT_S).
TEST_READ_TIMEOUT_S = 20


def main() -> None:
    os.environ["QT_QPA_PLATFORM"] = "xcb"  # the real X clipboard, never offscreen
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QGuiApplication, QImage

    app = QGuiApplication(sys.argv)
    clipboard = QGuiApplication.clipboard()
    if "--dump" in sys.argv[1:]:
        mime = clipboard.mimeData()
        image = clipboard.image()
        print(json.dumps({
            "text": mime.text(), "html": mime.html(),
            "image": [image.width(), image.height()],
            "custom": bytes(mime.data(CUSTOM_TYPE)).hex(),
        }), flush=True)
        return
    args = sys.argv[1:]
    size = int(args[args.index("--size") + 1]) if "--size" in args else SIZE
    image = QImage(os.urandom(size * size * 4), size, size, QImage.Format.Format_RGB32).copy()
    mime = QMimeData()
    mime.setText(TEXT)
    mime.setHtml(HTML)
    mime.setImageData(image)
    mime.setData(CUSTOM_TYPE, CUSTOM)
    clipboard.setMimeData(mime)
    if "--exit-when-replaced" in args:
        clipboard.changed.connect(lambda _mode: None if clipboard.ownsClipboard() else app.quit())
    print("ready", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
