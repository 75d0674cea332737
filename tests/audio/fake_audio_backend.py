"""A fake ``AudioBackend``: devices that the test adds and removes, streams fed from a thread.

Not a mock: it behaves like PortAudio as far as capture can tell — ``on_block`` runs on its
own thread with ``(float32 bytes, overflowed)``, ``finished_callback`` fires when the device
vanishes or the stream is closed, and the device list only changes on ``refresh``.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from audio.devices import InputDevice


Source = Callable[[int, int], np.ndarray]  # (first_sample_index, n) -> samples


def ramp_source(start: int, n: int) -> np.ndarray:
    """Each sample is its own index modulo 2**20: any lost or repeated sample shows."""
    return (np.arange(start, start + n) % (1 << 20)).astype(np.float32)


class FakeStream:
    """Calls ``on_block`` with ``blocksize`` frames from ``source``, ``speed`` x real time."""

    def __init__(self, backend: "FakeBackend", device: InputDevice, rate: int, blocksize: int,
                 on_block, finished_callback) -> None:
        self.backend, self.device, self.rate = backend, device, rate
        self.blocksize = blocksize or 256
        self.on_block, self.finished_callback = on_block, finished_callback
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        if self.backend.start_error:
            raise RuntimeError(self.backend.start_error)
        self.thread.start()

    def close(self, ignore_errors: bool = True) -> None:
        self.closed.set()
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(5)

    def _run(self) -> None:
        sent, t0 = 0, time.perf_counter()
        block = np.zeros(self.blocksize, np.float32)  # reused, as PortAudio reuses its buffer
        while not self.closed.is_set():
            if self.device.name not in self.backend.present:  # unplugged
                break
            if self.backend.stalled.is_set():  # alive but silent, like a wedged driver
                self.backend.stall_seen.set()  # no block is on its way any more
                self.closed.wait(0.01)
                continue
            due = t0 + sent / (self.rate * self.backend.speed)
            if self.closed.wait(max(0.0, due - time.perf_counter())):
                break
            block[:] = self.backend.source(sent, self.blocksize)
            overflowed = sent // self.blocksize in self.backend.overflow_blocks
            self.on_block(memoryview(block).cast("B"), overflowed)
            sent += self.blocksize
            self.backend.frames_sent = sent
        self.finished_callback()


class FakeBackend:
    """Devices by name -> native rate; ``rates`` lists the rates each accepts (default: any)."""

    def __init__(self, devices: dict[str, int], default: str | None = None,
                 rates: dict[str, tuple[int, ...]] | None = None, speed: float = 1.0,
                 source: Source = ramp_source) -> None:
        self.present = dict(devices)
        self.default, self.rates = default, rates or {}
        self.speed, self.source = speed, source
        self.overflow_blocks: set[int] = set()
        self.stalled = threading.Event()
        self.stall_seen = threading.Event()  # a stream thread found ``stalled`` set
        self.start_error: str | None = None  # e.g. "Device unavailable [PaErrorCode -9985]"
        self.streams: list[FakeStream] = []
        self.frames_sent = 0
        self.refresh_times: list[float] = []
        self._listed = dict(self.present)

    def stall(self, timeout: float = 5.0) -> None:
        """Stall the device and return once its stream has seen it: a block it was already
        waiting to deliver when ``stalled`` was set has reached ``on_block`` by then."""
        self.stall_seen.clear()
        self.stalled.set()
        if not self.stall_seen.wait(timeout):
            raise TimeoutError("the fake stream did not see the stall")

    def refresh(self) -> None:
        self.refresh_times.append(time.monotonic())
        self._listed = dict(self.present)

    def input_devices(self) -> tuple[InputDevice, ...]:
        return tuple(InputDevice(name=name, index=i, default_rate=rate,
                                 is_default=(name == self.default))
                     for i, (name, rate) in enumerate(self._listed.items()))

    def supports_rate(self, device: InputDevice, rate: int) -> bool:
        return rate in self.rates.get(device.name, (rate,))

    def open_input(self, device, rate, blocksize, on_block, finished_callback) -> FakeStream:
        if device.name not in self.present:
            raise RuntimeError(f"Error opening InputStream: device '{device.name}' unavailable")
        stream = FakeStream(self, device, rate, blocksize, on_block, finished_callback)
        self.streams.append(stream)
        return stream
