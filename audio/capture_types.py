"""Options, events and counters of ``audio.capture.Capture``: the values a controller handles."""
from __future__ import annotations

import enum
from dataclasses import dataclass

#: Default callback block (48 ms): latency is irrelevant for dictation, wake-ups cost CPU. Each
#: block costs about the same (PortAudio's thread through the Python callback, and libpulse's
#: client loop), and the microphone stays open while the app idles: with the window hidden,
#: 20 ms blocks took ~0.8 % of a core, 32 ms ~0.5 %, 48 ms ~0.35 % (bench/resources.py;
#: docs/PERFORMANCE.md, "Memory and idle CPU, session 3"). 48 ms still gives the ~30 Hz
#: spectrogram new columns on two frames of three, and the audio not yet delivered when a
#: recording ends is at most one block.
BLOCK_SECONDS = 0.048


@dataclass(frozen=True)
class CaptureOptions:
    """How capture behaves.

    Attributes:
        device: Device name to record from; None follows the system default input.
        buffer_seconds: History kept at 16 kHz (4 bytes a sample: 120 s = 7.7 MB, resident for
            good because the ring is written through at start). A dictation longer than this
            loses nothing as long as its reader copies out as it goes (the recorder does, twice
            a second); what needs the minutes is a start deferred behind a dictation still being
            transcribed (app/deferred_start.py), which waits seconds with the default model.
            300 s cost 11.5 MiB more of the 350 MB budget (docs/PERFORMANCE.md, session 4).
        preroll_seconds: Audio before the hotkey press that belongs to the recording.
        close_when_idle: Close the microphone between dictations. Costs the pre-roll and the
            stream's start-up (1-2 s on PulseAudio/PipeWire), so the first words get cut.
        open_rate: Force this device rate; None opens at 16 kHz where the device supports it,
            else at its native rate (then soxr resamples to 16 kHz).
        blocksize: Frames per callback. None: ``BLOCK_SECONDS`` at the device rate (fewer
            wake-ups than PortAudio's choice: on PulseAudio 1.1 % of a core instead of 1.5 %
            with 20 ms blocks);
            0 lets PortAudio choose.
        raw_seconds: Device-rate buffer between the callback and the resampler.
        poll_seconds: How often the worker drains the raw buffer (latency of ``ring``) while
            someone wants fresh samples: a recording (``hold``) or a live view (``set_live``).
        idle_poll_seconds: How often it drains otherwise. Nothing is lost (the raw buffer holds
            ``raw_seconds``) and ``hold``/``wait_drained`` wake the worker at once; 50 wake-ups
            a second of resampling nobody reads cost ~0.5 % of a core with the window hidden.
        retry_seconds: First wait before looking for a device again after it went away; the
            wait doubles after each failed look, up to ``max_retry_seconds`` (a look costs
            ~20 ms of CPU: PortAudio re-initialises and probes every host API).
        max_retry_seconds: Longest wait between looks.
        stall_seconds: A running stream that delivers nothing for this long counts as lost
            (a new stream's first samples take 1-2 s, so this must be larger).
    """

    device: str | None = None
    buffer_seconds: float = 120.0
    preroll_seconds: float = 0.3
    close_when_idle: bool = False
    open_rate: int | None = None
    blocksize: int | None = None
    raw_seconds: float = 2.0
    poll_seconds: float = 0.02
    idle_poll_seconds: float = 0.25
    retry_seconds: float = 1.0
    max_retry_seconds: float = 5.0
    stall_seconds: float = 4.0


class CaptureEventKind(enum.Enum):
    """What happened to the microphone."""

    OPENED = "opened"            #: a stream is running (again); message names device and rate
    DEVICE_LOST = "device_lost"  #: the running stream died or stalled; capture keeps retrying
    NO_DEVICE = "no_device"      #: no usable input device; the app keeps running
    CLOSED = "closed"            #: closed on purpose (idle, device switch, stop)


@dataclass(frozen=True)
class CaptureEvent:
    """One change of the microphone's state, with a message fit to show the user.

    Attributes:
        kind: What happened.
        message: One clear sentence, e.g. "Microphone 'USB Mic' went away; ...".
        device: Name of the device concerned, if any.
        rate: Rate the device was opened at (OPENED only).
    """

    kind: CaptureEventKind
    message: str
    device: str | None = None
    rate: int | None = None


@dataclass(frozen=True)
class CaptureStats:
    """Counters since ``Capture`` was made.

    Attributes:
        overflows: Callbacks that PortAudio flagged with an input overflow (samples the device
            dropped before they reached us).
        lost_samples: Device-rate samples the worker could not drain in time (should be 0).
        device: Device of the open stream, or None.
        rate: Device rate of the open stream, or None.
        session_start: ``ring`` index where the current stream's first sample landed.
        opened: How many times a stream was opened.
    """

    overflows: int = 0
    lost_samples: int = 0
    device: str | None = None
    rate: int | None = None
    session_start: int = 0
    opened: int = 0
