"""Microphone capture into a 16 kHz ring buffer that never drops a sample.

The stream stays open while the app runs, so the first syllable is already in the ring when the
hotkey goes down (pre-roll). Data path::

    PortAudio thread:  callback ──copy──▶ raw ring (device rate)
    capture worker:    raw ring ──soxr──▶ ``ring`` (16 kHz) ──▶ readers (GUI, segmenter, ...)

The worker also supervises the stream: a stream that finishes on its own, or stops delivering
samples, is a lost device (an event, never an exception); the worker then looks for a device
with a growing pause (``retry_seconds`` up to ``max_retry_seconds``) and resumes. ``ring`` indices keep counting across a loss.

Threads:
    * ``_on_block``, ``_on_finished``: PortAudio's audio thread. Copy and count only.
    * ``_run`` and the ``_worker_*`` methods, and the ``on_event`` listener: the capture worker.
    * Public methods: the controller's (GUI) thread.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable

from audio.capture_types import (BLOCK_SECONDS, CaptureEvent, CaptureEventKind, CaptureOptions,
                                 CaptureStats)
from audio.devices import AudioBackend, InputDevice, InputStream, choose_device
from audio.resample import TARGET_RATE, StreamResampler
from audio.ring_buffer import RingBuffer

log = logging.getLogger(__name__)


class Capture:
    """Keeps a microphone open and the last ``buffer_seconds`` of 16 kHz mono audio at hand.

    Readers keep a cursor into ``ring`` (``ring.read(cursor)``). Events (``CaptureEvent``) go
    to ``on_event``, called on the worker thread: a Qt controller re-emits them as a queued
    signal.

    Args:
        backend: Lists devices and opens streams (``SoundDeviceBackend`` or a test fake).
        options: See ``CaptureOptions``.
        on_event: Listener for ``CaptureEvent``s (OPENED, DEVICE_LOST, NO_DEVICE, CLOSED).
    """

    def __init__(self, backend: AudioBackend, options: CaptureOptions = CaptureOptions(),
                 on_event: Callable[[CaptureEvent], None] | None = None) -> None:
        self._backend = backend
        self._options = options
        self._on_event = on_event or (lambda event: None)
        self.ring = RingBuffer(int(options.buffer_seconds * TARGET_RATE))
        # Requests from the GUI to the worker: plain stores of immutable values, atomic under
        # the GIL; the worker reads each once per tick.
        self._device_name = options.device
        self._want_open = not options.close_when_idle
        self._switch_requested = False
        self._stopping = False
        self._held = False  # a recording runs: drain every poll_seconds
        self._live = False  # a live view shows the ring: the same
        # Published by the worker for the GUI, same reasoning: whole immutable objects.
        self._devices: tuple[InputDevice, ...] = ()
        self._stats = CaptureStats()
        # (ring end index, monotonic time just after it was written): every sample before that
        # index had arrived by then, which dates a key press in ring indexes (``hold``).
        self._ring_clock: tuple[int, float] = (0, 0.0)
        self._last_event: CaptureEvent | None = None
        # Single writer each: the audio thread. The worker only reads them.
        self._raw = RingBuffer(1)
        self._overflows = 0
        self._finished = False
        # Worker-only state.
        self._stream: InputStream | None = None
        self._resampler: StreamResampler | None = None
        self._raw_cursor = 0
        self._lost = 0
        self._last_progress = 0.0
        self._next_attempt = 0.0
        self._retry_delay = options.retry_seconds
        self._last_problem: str | None = None  # said once, not at every retry
        self._wake = threading.Event()
        self._drained = threading.Condition()  # never touched by the audio thread
        self._thread: threading.Thread | None = None

    # ---- controller (GUI) thread ------------------------------------------------------------
    def start(self) -> None:
        """Start the worker, which opens the stream unless ``close_when_idle``. Once only."""
        self._thread = threading.Thread(target=self._run, name="murmur-capture", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Close the stream and end the worker, waiting at most ``timeout`` seconds."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def hold(self, pressed_at: float | None = None) -> int:
        """A recording starts now: make sure the microphone is open; return its first index.

        Args:
            pressed_at: When the key that started it went down (``time.monotonic``), if a key
                did. The GUI thread may handle the press late (a busy moment at launch, say);
                the recording then still starts ``preroll_seconds`` before the press, not before
                the moment it was handled.

        Returns:
            The ``ring`` index where the recording starts: ``preroll_seconds`` before the press
            (or now) if the stream was running (clamped to the current stream's start), else now.
        """
        end = self.ring.end_index
        if pressed_at is not None:
            written, at = self._ring_clock
            # Samples written by ``at`` arrived by then: dating the press from it can only
            # start the recording earlier than the press, never later.
            end = min(end, written - int(max(0.0, at - pressed_at) * TARGET_RATE))
        self._held = True
        self._wake.set()  # drain now, and from now on every poll_seconds
        if not self._want_open or self._stats.device is None:
            self._want_open = True
            self._wake.set()
            return end
        preroll = int(self._options.preroll_seconds * TARGET_RATE)
        return max(self._stats.session_start, self.ring.oldest_index, end - preroll)

    def release(self) -> None:
        """The recording ended: close the microphone again when ``close_when_idle``."""
        self._held = False
        if self._options.close_when_idle:
            self._want_open = False
            self._wake.set()

    def set_live(self, live: bool) -> None:
        """A view shows the ring as it fills (True) or nobody looks (False): with neither a
        view nor a recording the worker drains only every ``idle_poll_seconds``."""
        self._live = live
        self._wake.set()

    def select_device(self, name: str | None) -> None:
        """Record from the device called ``name`` from now on (None: the system default)."""
        self._device_name = name
        self._switch_requested = True
        self._wake.set()

    def last_event(self) -> CaptureEvent | None:
        """The newest event sent to ``on_event`` (any thread; a plain store of an immutable
        value). A listener connected after ``start`` reads it first, so nothing said before it
        was listening is missed."""
        return self._last_event

    def devices(self) -> tuple[InputDevice, ...]:
        """Input devices as the worker last listed them."""
        return self._devices

    def stats(self) -> CaptureStats:
        """Counters, and the open stream's device and rate."""
        return dataclasses.replace(self._stats, overflows=self._overflows,
                                   lost_samples=self._lost)

    def wait_drained(self, timeout: float = 2.0) -> bool:
        """Wait until every sample delivered so far by the callback is in ``ring``.

        Call it when a recording ends, before reading its tail. Returns False on time-out.
        """
        raw, target = self._raw, self._raw.end_index
        self._wake.set()
        with self._drained:
            return self._drained.wait_for(
                lambda: self._raw is not raw or self._raw_cursor >= target, timeout)

    # ---- audio thread -----------------------------------------------------------------------
    def _on_block(self, data, overflowed: int) -> None:
        # Copy and count only: no sample allocation, no logging, no locks, no events.
        if overflowed:
            self._overflows += 1
        self._raw.write_bytes(data)

    def _on_finished(self) -> None:
        # Also fires after our own close(); the worker ignores it then.
        self._finished = True

    # ---- worker thread ----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stopping:
                fresh = self._held or self._live
                timeout = self._options.poll_seconds if fresh else self._options.idle_poll_seconds
                if self._stream is None and self._want_open:  # (re)open when due, not later
                    timeout = min(timeout, max(0.0, self._next_attempt - time.monotonic()))
                self._wake.wait(timeout)
                self._wake.clear()
                self._worker_tick(time.monotonic())
        except Exception:  # never let the worker die silently
            log.exception("capture worker failed")
            self._emit(CaptureEventKind.DEVICE_LOST, "Audio capture failed unexpectedly; "
                       "restart Murmur to record again.")
        finally:
            self._worker_close(CaptureEventKind.CLOSED, "Microphone closed.")

    def _worker_tick(self, now: float) -> None:
        if self._stream is not None:
            self._worker_drain(now)
            name = self._stats.device
            if self._finished:
                self._worker_lose(now, f"Microphone '{name}' went away or failed; recording "
                                       "resumes when it is back.")
            elif now - self._last_progress > self._options.stall_seconds:
                self._worker_lose(now, f"Microphone '{name}' stopped delivering audio; "
                                       "recording resumes when it works again.")
            elif self._switch_requested:
                self._worker_close(CaptureEventKind.CLOSED, f"Switching away from '{name}'.")
                self._next_attempt = now
            elif not self._want_open:
                self._worker_close(CaptureEventKind.CLOSED, "Microphone closed while idle.")
        self._switch_requested = False
        if self._stream is None and self._want_open and now >= self._next_attempt:
            self._worker_open(now)
        elif self._stream is None and not self._want_open and self._last_problem is not None:
            # Closed while idle, so no longer looking: the problem is not current any more, and
            # the next ``hold`` reports it afresh if it persists.
            self._last_problem = None
            self._emit(CaptureEventKind.CLOSED, "Microphone closed while idle.")

    def _worker_drain(self, now: float, last: bool = False) -> None:
        got = self._raw.read(self._raw_cursor)
        self._lost += got.lost
        if len(got.samples) or last:
            self.ring.write(self._resampler.process(got.samples, last=last))
            self._ring_clock = (self.ring.end_index, time.monotonic())
            self._last_progress = now if len(got.samples) else self._last_progress
        with self._drained:
            self._raw_cursor = got.end
            self._drained.notify_all()

    def _worker_open(self, now: float) -> None:
        self._next_attempt = now + self._retry_delay
        # Back off while nothing can be opened; reset once a stream runs or is lost.
        self._retry_delay = min(2 * self._retry_delay, self._options.max_retry_seconds)
        try:
            # PortAudio lists only devices present when it was initialised (maybe before the
            # sound server was up, or before a device came back): every open re-scans.
            self._backend.refresh()
            self._devices = self._backend.input_devices()
        except Exception as error:  # a broken host API is "no device", not a crash
            log.warning("listing input devices failed: %s", error)
            self._devices = ()
        device = choose_device(self._devices, self._device_name)
        if device is None and self._device_name is not None:
            device = choose_device(self._devices, None)
        if device is None:
            self._worker_problem("No microphone found. Murmur keeps running and starts "
                                 "recording when one is connected.")
            return
        rate = self._options.open_rate or (
            TARGET_RATE if self._backend.supports_rate(device, TARGET_RATE)
            else device.default_rate)
        self._raw = RingBuffer(int(rate * self._options.raw_seconds))
        self._raw_cursor, self._finished = 0, False
        self._resampler = StreamResampler(rate)
        blocksize = self._options.blocksize
        if blocksize is None:
            blocksize = round(rate * BLOCK_SECONDS)
        stream = None
        try:
            stream = self._backend.open_input(device, rate, blocksize,
                                              self._on_block, self._on_finished)
            stream.start()
        except Exception as error:
            if stream is not None:
                stream.close(ignore_errors=True)
            self._worker_problem(f"Could not open microphone '{device.name}': {error}",
                                 device.name)
            return
        self._stream, self._last_progress, self._last_problem = stream, now, None
        self._retry_delay = self._options.retry_seconds
        self._stats = dataclasses.replace(self._stats, device=device.name, rate=rate,
                                          session_start=self.ring.end_index,
                                          opened=self._stats.opened + 1)
        note = "" if device.name == self._device_name or self._device_name is None else (
            f" ('{self._device_name}' is not connected)")
        self._emit(CaptureEventKind.OPENED, f"Recording from '{device.name}' at {rate} Hz{note}.",
                   device.name, rate)

    def _worker_problem(self, message: str, device: str | None = None) -> None:
        if message != self._last_problem:
            self._last_problem = message
            self._emit(CaptureEventKind.NO_DEVICE, message, device)

    def _worker_lose(self, now: float, message: str) -> None:
        self._worker_close(CaptureEventKind.DEVICE_LOST, message)
        self._retry_delay = self._options.retry_seconds
        self._next_attempt = now + self._retry_delay

    def _worker_close(self, kind: CaptureEventKind, message: str) -> None:
        if self._stream is None:
            return
        stream, self._stream = self._stream, None
        try:
            stream.close(ignore_errors=True)
        except Exception as error:  # closing a dead device may complain; it is closed anyway
            log.warning("closing the input stream: %s", error)
        self._worker_drain(time.monotonic(), last=True)
        name = self._stats.device
        self._stats = dataclasses.replace(self._stats, device=None, rate=None)
        self._emit(kind, message, name)

    def _emit(self, kind: CaptureEventKind, message: str, device: str | None = None,
              rate: int | None = None) -> None:
        log.info("capture: %s", message)
        self._last_event = event = CaptureEvent(kind=kind, message=message, device=device,
                                                rate=rate)
        try:
            self._on_event(event)
        except Exception:  # a listener's bug must not stop capture
            log.exception("capture event listener failed")
