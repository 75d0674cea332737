"""Cost of the audio path: the callback's time per block, and the CPU share of each stage.

    .venv/bin/python bench/audio.py

1. The PortAudio callback (``Capture._on_block``: overflow check + ring copy), called with the
   block's bytes as ``audio.devices`` hands them on, at typical block sizes; percentiles of
   wall time per call.
   A block of 512 frames at 48 kHz lasts 10.7 ms: the callback must stay far below that.
2. CPU share of one core (process time / audio time) of what runs outside the callback for
   every second of audio: draining through soxr (48 kHz and 44.1 kHz devices), spectrogram
   columns (mel 80, pushed at 30 Hz like the GUI timer), Silero VAD (pushed every 20 ms).
3. With ``--live SECONDS``: the whole path on the default input device for that long —
   PortAudio and its host API, the capture worker, a LiveSpectrogram polled at 30 Hz and
   Silero fed every 20 ms — as process CPU time over wall time.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio.capture import Capture  # noqa: E402
from audio.capture_types import CaptureOptions  # noqa: E402
from audio.devices import SoundDeviceBackend  # noqa: E402
from audio.resample import TARGET_RATE, StreamResampler  # noqa: E402
from audio.ring_buffer import RingBuffer  # noqa: E402
from audio.spectrogram import LiveSpectrogram, Spectrogram, SpectrogramOptions  # noqa: E402
from audio.vad import SileroVad  # noqa: E402

SECONDS = 60
CALLS = 20_000


class _NoBackend:
    """Capture is only constructed here, never started: it needs no device."""


def callback_times(blocksize: int, rate: int) -> np.ndarray:
    capture = Capture(_NoBackend())
    capture._raw = RingBuffer(2 * rate)  # what _worker_open would allocate for this rate
    block = np.random.default_rng(0).standard_normal(blocksize).astype(np.float32)
    data = bytearray(block.tobytes())  # a plain buffer, like PortAudio's
    times = np.empty(CALLS)
    for i in range(CALLS):
        start = time.perf_counter_ns()
        capture._on_block(data, 0)
        times[i] = time.perf_counter_ns() - start
    return times / 1000.0  # microseconds


def cpu_share(stage, audio: np.ndarray, rate: int, push: int) -> float:
    start = time.process_time()
    for i in range(0, len(audio), push):
        stage(audio[i:i + push])
    return (time.process_time() - start) / (len(audio) / rate)


def live_share(seconds: float, open_rate: int | None) -> tuple[float, str]:
    """Process CPU / wall time of capture + spectrogram + VAD on the default device."""
    opened = threading.Event()
    capture = Capture(SoundDeviceBackend(), CaptureOptions(open_rate=open_rate),
                      on_event=lambda event: opened.set())
    capture.start()
    if not opened.wait(10) or capture.stats().device is None:
        capture.stop()
        raise SystemExit("no input device could be opened")
    tick = threading.Event()
    start_deadline = time.monotonic() + 10
    while capture.ring.end_index == 0 and time.monotonic() < start_deadline:
        tick.wait(0.05)  # measure the steady state, not the stream's start-up
    view, vad = LiveSpectrogram(capture.ring), SileroVad()
    cursor = capture.ring.end_index
    wall, cpu = time.monotonic(), time.process_time()
    frame = 0
    while time.monotonic() - wall < seconds:
        tick.wait(0.02)  # the pacing of a 50 Hz segmenter; every third tick feeds the view
        got = capture.ring.read(cursor)
        cursor = got.end
        vad.process(got.samples)
        frame += 1
        if frame % 3 == 0:
            view.poll()
    share = (time.process_time() - cpu) / (time.monotonic() - wall)
    stats = capture.stats()
    capture.stop()
    return share, f"{stats.device} at {stats.rate} Hz, overflows {stats.overflows}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", type=float, metavar="SECONDS",
                        help="also run the whole path on the default input device")
    parser.add_argument("--open-rate", type=int, help="with --live: force the device rate")
    args = parser.parse_args()
    print("| callback block | rate | p50 µs | p99 µs | max µs | block lasts µs |")
    print("|---|---|---|---|---|---|")
    for blocksize, rate in [(128, 16_000), (512, 48_000), (1024, 48_000)]:
        t = callback_times(blocksize, rate)
        print(f"| {blocksize} | {rate} | {np.percentile(t, 50):.1f} | "
              f"{np.percentile(t, 99):.1f} | {t.max():.1f} | {1e6 * blocksize / rate:.0f} |")

    rng = np.random.default_rng(1)
    speech16 = (0.1 * rng.standard_normal(SECONDS * TARGET_RATE)).astype(np.float32)
    rows = []
    for rate in (48_000, 44_100):
        device_audio = (0.1 * rng.standard_normal(SECONDS * rate)).astype(np.float32)
        rows.append((f"resample {rate} -> 16000 (20 ms drains)",
                     cpu_share(StreamResampler(rate).process, device_audio, rate, rate // 50)))
    spectrogram = Spectrogram(SpectrogramOptions())
    rows.append(("spectrogram, mel 80 (30 Hz pushes)",
                 cpu_share(spectrogram.push, speech16, TARGET_RATE, TARGET_RATE // 30)))
    vad = SileroVad()
    rows.append(("Silero VAD (20 ms pushes)",
                 cpu_share(vad.process, speech16, TARGET_RATE, TARGET_RATE // 50)))
    print()
    print("| stage | CPU % of one core |")
    print("|---|---|")
    for name, share in rows:
        print(f"| {name} | {100 * share:.2f} |")
    print(f"| total at 48 kHz | {100 * (rows[0][1] + sum(s for _, s in rows[2:])):.2f} |")
    if args.live:
        share, what = live_share(args.live, args.open_rate)
        print(f"\nlive, {what}: {100 * share:.2f} % of one core "
              "(capture + spectrogram + VAD, PortAudio included)")


if __name__ == "__main__":
    main()
