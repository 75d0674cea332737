"""A process that is mid-dictation when the test kills it: RingRecorder spooling jfk.wav.

Usage: ``recorder_peer.py SPOOL_DIR WAV``. Writes the clip into a ring in 0.5 s blocks, drains
each into the spool, prints ``spooled <n>`` after each, and waits for SIGKILL (it never finishes
the dictation).
"""
from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from app.recorder import RingRecorder  # noqa: E402
from audio.decode import decode_file  # noqa: E402
from ring_source import RingSource  # noqa: E402  (this script's own folder is on sys.path)


def main() -> int:
    app = QCoreApplication(sys.argv)  # noqa: F841 - QTimer needs an application
    spool, wav = Path(sys.argv[1]), Path(sys.argv[2])
    samples = decode_file(wav).samples
    source = RingSource(16_000, preroll=0)  # the dictation is the clip, from its first sample
    recorder = RingRecorder(source, spool, drain_ms=60_000)  # drained by hand below
    recorder.begin()
    for start in range(0, len(samples), 8000):
        source.ring.write(samples[start:start + 8000])
        recorder._drain()
        print(f"spooled {recorder.recorded_samples}", flush=True)
    print("done", flush=True)
    threading.Event().wait()  # mid-dictation until killed
    return 0


if __name__ == "__main__":
    sys.exit(main())
