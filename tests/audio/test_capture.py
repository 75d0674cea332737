"""Capture against a fake backend: rates, pre-roll, device loss and return, idle close, stalls,
and a callback that allocates no sample memory."""
from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest
from audio_wait import Events, wait_until
from fake_audio_backend import FakeBackend, ramp_source

from audio.capture import Capture
from audio.capture_types import CaptureEventKind, CaptureOptions
from audio.devices import InputDevice, choose_device

FAST = dict(poll_seconds=0.005, idle_poll_seconds=0.005, retry_seconds=0.05,
            stall_seconds=0.5)


@pytest.fixture
def make_capture():
    made = []

    def make(backend, **options):
        events = Events()
        capture = Capture(backend, CaptureOptions(**{**FAST, **options}), on_event=events)
        made.append(capture)
        capture.start()
        return capture, events

    yield make
    for capture in made:
        capture.stop()


def test_16k_device_delivers_every_sample_unchanged(make_capture):
    backend = FakeBackend({"Mic": 16_000}, default="Mic", speed=20)
    capture, events = make_capture(backend)
    opened = events.expect(CaptureEventKind.OPENED)
    assert (opened.device, opened.rate) == ("Mic", 16_000)
    wait_until(lambda: capture.ring.end_index >= 32_000, 5, "two seconds of audio")
    got = capture.ring.read(0, 32_000)
    np.testing.assert_array_equal(got.samples, ramp_source(0, 32_000))
    assert capture.stats().lost_samples == 0


@pytest.mark.parametrize("native", [44_100, 48_000])
def test_native_rate_is_resampled_to_16k(make_capture, native):
    def tone(start, n):
        return (0.5 * np.sin(2 * np.pi * 1000 * np.arange(start, start + n) / native)
                ).astype(np.float32)

    backend = FakeBackend({"Mic": native}, rates={"Mic": (native,)}, speed=20, source=tone)
    capture, events = make_capture(backend)
    assert events.expect(CaptureEventKind.OPENED).rate == native
    wait_until(lambda: capture.ring.end_index >= 16_000, 5, "a second of audio")
    y = capture.ring.read(0, 16_000).samples[2000:]
    peak_hz = np.argmax(np.abs(np.fft.rfft(y * np.hanning(len(y))))) * 16_000 / len(y)
    assert abs(peak_hz - 1000) < 2
    assert np.max(np.abs(y)) == pytest.approx(0.5, abs=0.01)


def test_hold_returns_preroll_start(make_capture):
    backend = FakeBackend({"Mic": 16_000}, speed=20)
    capture, events = make_capture(backend, preroll_seconds=0.3)
    events.expect(CaptureEventKind.OPENED)
    wait_until(lambda: capture.ring.end_index > 16_000, 5, "a second of audio")
    end_before = capture.ring.end_index
    start = capture.hold()
    assert end_before - 4_800 <= start <= capture.ring.end_index - 4_800


def test_hold_counts_the_preroll_from_the_key_press_when_the_press_was_handled_late(
        make_capture):
    """In real time: a press 0.5 s before ``hold`` (a GUI thread busy that long) starts the
    recording 0.8 s back (0.5 s + the 0.3 s pre-roll), never later than that; a press time
    from before the stream opened is clamped to its first sample; one in the future is now."""
    backend = FakeBackend({"Mic": 16_000}, speed=1)
    capture, events = make_capture(backend, preroll_seconds=0.3)
    events.expect(CaptureEventKind.OPENED)
    wait_until(lambda: capture.ring.end_index > 24_000, 10, "1.5 s of audio")
    end = capture.ring.end_index
    start = capture.hold(pressed_at=time.monotonic() - 0.5)
    # Up to one block (48 ms) and a poll may lie between the newest sample and now.
    assert end - int(0.95 * 16_000) <= start <= end - int(0.8 * 16_000) + 800, (end, start)
    assert capture.hold(pressed_at=time.monotonic() - 3600) == capture.stats().session_start
    ahead = capture.hold(pressed_at=time.monotonic() + 5)
    assert abs(ahead - (capture.ring.end_index - 4_800)) <= 1_600


def test_overflows_are_counted(make_capture):
    backend = FakeBackend({"Mic": 16_000}, speed=20)
    backend.overflow_blocks = {3, 7, 9}
    capture, _ = make_capture(backend, blocksize=160)
    wait_until(lambda: capture.stats().overflows == 3, 5, "three overflows")


def test_device_vanishes_then_returns(make_capture):
    backend = FakeBackend({"USB Mic": 16_000}, speed=10)
    capture, events = make_capture(backend)
    events.expect(CaptureEventKind.OPENED)
    wait_until(lambda: capture.ring.end_index > 1_600, 5, "first audio")
    del backend.present["USB Mic"]
    lost = events.expect(CaptureEventKind.DEVICE_LOST)
    assert "USB Mic" in lost.message and "went away" in lost.message
    assert "No microphone" in events.expect(CaptureEventKind.NO_DEVICE).message
    index_at_loss = capture.ring.end_index
    backend.present["USB Mic"] = 16_000
    events.expect(CaptureEventKind.OPENED)
    wait_until(lambda: capture.ring.end_index > index_at_loss + 1_600, 5, "audio again")
    assert capture.stats().opened == 2
    assert capture.stats().session_start >= index_at_loss


def test_stalled_stream_counts_as_lost(make_capture):
    backend = FakeBackend({"Mic": 16_000}, speed=10)
    capture, events = make_capture(backend, stall_seconds=0.3)
    events.expect(CaptureEventKind.OPENED)
    wait_until(lambda: capture.ring.end_index > 0, 5, "first audio")
    backend.stalled.set()
    assert "stopped delivering" in events.expect(CaptureEventKind.DEVICE_LOST).message
    backend.stalled.clear()
    events.expect(CaptureEventKind.OPENED)


def test_no_device_at_all_still_runs(make_capture):
    backend = FakeBackend({})
    capture, events = make_capture(backend)
    events.expect(CaptureEventKind.NO_DEVICE)
    assert capture.hold() == 0
    assert capture.stats().device is None
    backend.present["Late Mic"] = 48_000
    assert events.expect(CaptureEventKind.OPENED).device == "Late Mic"


def test_stream_that_fails_to_start_is_reported_and_retried(make_capture):
    backend = FakeBackend({"Busy Mic": 16_000})
    backend.start_error = "Device unavailable [PaErrorCode -9985]"
    capture, events = make_capture(backend)
    failed = events.expect(CaptureEventKind.NO_DEVICE)
    assert "Could not open microphone 'Busy Mic'" in failed.message
    assert "-9985" in failed.message
    wait_until(lambda: len(backend.streams) >= 3, 5, "two retries")
    backend.start_error = None
    events.expect(CaptureEventKind.OPENED)
    assert [e.kind for e in events.seen] == [CaptureEventKind.NO_DEVICE,
                                             CaptureEventKind.OPENED]  # said once
    assert all(s.closed.is_set() for s in backend.streams[:-1])  # failed ones were closed


def test_close_when_idle_opens_only_while_held(make_capture):
    backend = FakeBackend({"Mic": 16_000}, speed=5)
    capture, events = make_capture(backend, close_when_idle=True)
    assert capture.wait_drained()
    assert backend.streams == []
    capture.hold()
    events.expect(CaptureEventKind.OPENED)
    capture.release()
    assert "idle" in events.expect(CaptureEventKind.CLOSED).message


def test_select_device_switches_and_missing_name_falls_back(make_capture):
    backend = FakeBackend({"A": 16_000, "B": 16_000}, default="A", speed=5)
    capture, events = make_capture(backend, device="Headset")
    opened = events.expect(CaptureEventKind.OPENED)
    assert opened.device == "A" and "'Headset' is not connected" in opened.message
    capture.select_device("B")
    assert events.expect(CaptureEventKind.OPENED).device == "B"
    assert [d.name for d in capture.devices()] == ["A", "B"]


@pytest.mark.parametrize("name, want", [
    (None, "Default"), ("USB", "USB Audio, ALSA"), ("usb audio, alsa", "USB Audio, ALSA"),
    ("Nope", None)])
def test_choose_device(name, want):
    devices = (InputDevice("USB Audio, ALSA", 0, 48_000), InputDevice("Default", 1, 44_100, True))
    chosen = choose_device(devices, name)
    assert (chosen.name if chosen else None) == want


def test_wait_drained_makes_the_tail_readable(make_capture):
    backend = FakeBackend({"Mic": 16_000}, speed=1)
    capture, events = make_capture(backend, poll_seconds=0.5)
    events.expect(CaptureEventKind.OPENED)
    wait_until(lambda: backend.frames_sent > 3_200, 5, "audio sent")
    sent = backend.frames_sent
    assert capture.wait_drained()
    assert capture.ring.end_index >= sent


def test_looks_for_a_device_less_and_less_often(make_capture):
    backend = FakeBackend({})
    capture, events = make_capture(backend, retry_seconds=0.05, max_retry_seconds=0.2)
    events.expect(CaptureEventKind.NO_DEVICE)
    wait_until(lambda: len(backend.refresh_times) >= 6, 5, "six looks")
    gaps = np.diff(backend.refresh_times[:6])
    # Waits of 0.05, 0.1, 0.2, 0.2, 0.2 s: doubling, then capped so it never stops looking.
    # Late wake-ups on a busy machine only lengthen gaps, hence the wide upper margin: still
    # below the 0.8 s an uncapped doubling would wait for the fifth look.
    want = np.array([0.05, 0.1, 0.2, 0.2, 0.2])
    assert np.all(gaps >= want - 0.01) and np.all(gaps <= want + 0.45), gaps
    assert capture.stats().device is None


def test_close_when_idle_without_a_device_reports_afresh_at_each_hold(make_capture):
    """A failed look while held is not a standing problem once released: the release says
    CLOSED (a controller stops refusing to start), and the next hold looks and tells again."""
    backend = FakeBackend({})
    capture, events = make_capture(backend, close_when_idle=True)
    capture.hold()
    events.expect(CaptureEventKind.NO_DEVICE)
    capture.release()
    events.expect(CaptureEventKind.CLOSED)
    capture.hold()
    assert "No microphone" in events.expect(CaptureEventKind.NO_DEVICE).message


@pytest.mark.parametrize("wake", ["hold", "set_live"])
def test_idle_capture_drains_rarely_until_a_recording_or_a_live_view_wants_samples(
        make_capture, wake):
    # An idle poll far longer than the test: the ring only fills once someone asks for it.
    backend = FakeBackend({"Mic": 16_000}, speed=1)
    capture, events = make_capture(backend, idle_poll_seconds=600.0)
    events.expect(CaptureEventKind.OPENED)
    wait_until(lambda: backend.frames_sent > 3_200, 5, "audio sent")
    assert capture.ring.end_index == 0  # the worker sleeps: nobody reads the ring
    capture.hold() if wake == "hold" else capture.set_live(True)
    wait_until(lambda: capture.ring.end_index > 3_200, 5, "the ring to fill")
    mark = backend.frames_sent
    wait_until(lambda: capture.ring.end_index > mark, 5, "the ring to keep filling")


def test_last_event_keeps_what_was_said_before_anyone_listened(make_capture):
    """The app starts the capture before its controller is connected: it reads this first."""
    capture, events = make_capture(FakeBackend({}))
    said = events.expect(CaptureEventKind.NO_DEVICE)
    assert capture.last_event() == said


def test_the_callback_allocates_no_sample_memory(make_capture):
    """What PortAudio's thread runs copies into the preallocated raw ring and allocates no
    sample memory: tracemalloc (which sees numpy's buffers) peaks below one block's bytes over
    50 callbacks, and every sample still reaches ``ring``. The fake device is stalled and the
    worker idle meanwhile, so only the callback runs while memory is traced."""
    backend = FakeBackend({"Mic": 16_000}, speed=1)
    capture, events = make_capture(backend, blocksize=512, stall_seconds=600,
                                   idle_poll_seconds=600)
    events.expect(CaptureEventKind.OPENED)
    backend.stall()  # a block in flight lands before ``start`` is read, not among ours
    assert capture.wait_drained()
    on_block = backend.streams[-1].on_block  # the function handed to the stream
    start = capture.ring.end_index
    block = np.arange(512, dtype=np.float32) / 512
    data = memoryview(block).cast("B")  # as PortAudio's buffer reaches it
    on_block(data, 0)  # first call: nothing lazy left to set up
    tracemalloc.start()
    try:
        for _ in range(50):
            on_block(data, 0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < block.nbytes, f"{peak} bytes traced at peak in the callback"
    assert capture.wait_drained()
    assert capture.ring.end_index - start == 51 * 512
    np.testing.assert_array_equal(capture.ring.read(start, start + 512).samples, block)
