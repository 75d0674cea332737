"""Input devices and the backend that opens streams on them.

``Capture`` never imports sounddevice itself: it is handed an ``AudioBackend``. The real one,
``SoundDeviceBackend``, wraps PortAudio through python-sounddevice; tests hand in fakes that call
``on_block`` from their own thread.

Threads: every backend method runs on the capture worker thread, except that ``open_input``'s
``on_block`` and ``finished_callback`` are then called by the audio thread.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from audio.alsa_plugins import release_unused_alsa_plugins

#: ``on_block(data, overflowed)``: one block of mono float32 samples as a bytes-like buffer
#: that is valid only during the call, and whether input was lost before it (truthy).
BlockCallback = Callable[[Any, int], None]


@dataclass(frozen=True)
class InputDevice:
    """A device that can record.

    Attributes:
        name: Name as the host API reports it (what settings remember).
        index: PortAudio device index; only valid until the next ``refresh``.
        default_rate: The device's native sample rate in Hz.
        is_default: True for the system's default input.
    """

    name: str
    index: int
    default_rate: int
    is_default: bool = False


class InputStream(Protocol):
    """The part of ``sounddevice.InputStream`` that capture uses."""

    def start(self) -> None: ...

    def close(self, ignore_errors: bool = True) -> None: ...


class AudioBackend(Protocol):
    """Lists devices and opens mono float32 input streams."""

    def refresh(self) -> None:
        """Re-read the device list (PortAudio only sees devices present at initialisation)."""

    def input_devices(self) -> tuple[InputDevice, ...]:
        """Devices with at least one input channel."""

    def supports_rate(self, device: InputDevice, rate: int) -> bool:
        """Whether ``device`` can be opened mono float32 at ``rate``."""

    def open_input(self, device: InputDevice, rate: int, blocksize: int,
                   on_block: BlockCallback, finished_callback: Callable[[], None]
                   ) -> InputStream:
        """Open (not start) a mono float32 stream; raises on failure."""


def choose_device(devices: tuple[InputDevice, ...], name: str | None) -> InputDevice | None:
    """Pick the device to open.

    Args:
        devices: What the backend lists now.
        name: The user's choice; None follows the system default. An exact name wins, then a
            case-insensitive substring (device names often gain a suffix such as ", ALSA").

    Returns:
        The device, or None when ``name`` matches nothing or there are no devices at all.
    """
    if name is None:
        defaults = [d for d in devices if d.is_default]
        return (defaults or list(devices) or [None])[0]
    for device in devices:
        if device.name == name:
            return device
    wanted = name.casefold()
    for device in devices:
        if wanted in device.name.casefold():
            return device
    return None


class SoundDeviceBackend:
    """``AudioBackend`` over python-sounddevice (PortAudio)."""

    def __init__(self) -> None:
        self._module = None  # sounddevice, once first used

    @property
    def _sd(self):
        if self._module is None:
            self._load()
        return self._module

    def _load(self) -> None:
        # Imported on first use, not in __init__ (so fakes need no PortAudio library either):
        # the import initialises PortAudio, which scans every ALSA device (~0.1 s), and Capture
        # first uses its backend on its own thread, so the launch's GUI thread does not wait.
        import sounddevice

        self._module = sounddevice
        # The import scanned the devices; what the scan loaded is not needed (alsa_plugins).
        release_unused_alsa_plugins()

    def refresh(self) -> None:
        if self._module is None:
            self._load()  # the import's scan is fresh: no second one
            return
        # sounddevice's documented way to re-scan: terminate and re-initialise PortAudio. Only
        # safe while no stream is open, which Capture guarantees.
        self._sd._terminate()
        self._sd._initialize()
        release_unused_alsa_plugins()

    def input_devices(self) -> tuple[InputDevice, ...]:
        try:
            default_in = self._sd.default.device[0]
            if default_in is None or default_in < 0:
                default_in = self._sd.query_hostapis(0)["default_input_device"]
        except Exception:  # no host API at all: nothing is the default
            default_in = -1
        return tuple(
            InputDevice(name=info["name"], index=i,
                        default_rate=int(info["default_samplerate"]),
                        is_default=(i == default_in))
            for i, info in enumerate(self._sd.query_devices())
            if info["max_input_channels"] > 0)

    def supports_rate(self, device: InputDevice, rate: int) -> bool:
        try:
            self._sd.check_input_settings(device=device.index, channels=1, dtype="float32",
                                          samplerate=rate)
        except Exception:
            return False
        return True

    def open_input(self, device: InputDevice, rate: int, blocksize: int,
                   on_block: BlockCallback, finished_callback: Callable[[], None]
                   ) -> InputStream:
        # PortAudio calls back 21 times a second for as long as the app runs, so the Python
        # per call is kept to the least: a CFFI callback of our own hands PortAudio's buffer
        # straight on. sounddevice's own wrapper makes a NumPy array and a flags object per
        # call, which cost a quarter of a percent of a core in the idle app (PERFORMANCE.md,
        # session 16). ``wrap_callback=None`` is sounddevice's way to take a C callback.
        sd = self._sd
        ffi, lib = sd._ffi, sd._lib
        as_buffer, overflow = ffi.buffer, lib.paInputOverflow
        continue_ = lib.paContinue
        sample_bytes = ffi.sizeof("float")

        @ffi.callback("PaStreamCallback", error=lib.paAbort)
        def on_portaudio_block(input_ptr, _output_ptr, frames, _time, status, _user):
            on_block(as_buffer(input_ptr, frames * sample_bytes), status & overflow)
            return continue_

        stream = sd._StreamBase(kind="input", wrap_callback=None, callback=on_portaudio_block,
                                device=device.index, samplerate=rate, channels=1,
                                dtype="float32", blocksize=blocksize,
                                finished_callback=finished_callback)
        return _PortAudioInput(stream, on_portaudio_block)


class _PortAudioInput:
    """An open PortAudio input stream and the CFFI callback it calls, kept alive together."""

    def __init__(self, stream, callback) -> None:
        self._stream = stream
        self._callback = callback  # PortAudio holds only its address

    def start(self) -> None:
        self._stream.start()

    def close(self, ignore_errors: bool = True) -> None:
        self._stream.close(ignore_errors=ignore_errors)
