"""The recorder when the disk refuses a failed dictation's audio: written out once there is room,
held in memory until then, dropped only by a cancel. (Split from test_recorder.py.)
"""
from __future__ import annotations

import contextlib
import resource
import signal
import stat

import numpy as np
import pytest

from app.recorder import TRANSCRIBED_PREFIX, RingRecorder, load_recording, unfinished_recordings
from app.state import State
from ring_source import RingSource, ramp


# ---- a failed dictation whose audio the disk refused --------------------------------------------
# Fault injection: a file-size limit makes writes past it fail with EFBIG, as a full disk fails
# them with ENOSPC; an ordinary file where the spool dir should be makes it unwritable.

@contextlib.contextmanager
def disk_refuses_beyond(size: int):
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, old_limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)


def fail_partly_written(recorder, source, ended_in):
    """10 000 samples reach the spool (40 000 bytes), then the disk refuses the next 25 000;
    the dictation ends in ``ended_in`` and fails. Returns the notices."""
    notices = []
    recorder.notice.connect(notices.append)
    recorder.on_state_changed(State.RECORDING)
    recorder.begin()
    source.write(10_000)
    recorder._drain()
    with disk_refuses_beyond(60_000):
        source.write(20_000)
        recorder._drain()
        source.write(5000)
        if ended_in is State.RECORDING:
            recorder._drain()  # what the timer did before the device vanished
            recorder.abort()
        else:
            recorder.finish()
            recorder.on_state_changed(State.TRANSCRIBING)
        yield notices
    return notices


@pytest.mark.parametrize("ended_in", [State.RECORDING, State.TRANSCRIBING])
def test_a_failed_dictation_partly_in_memory_is_written_out_when_the_disk_has_room(
        qtbot, spool, ended_in):
    """The disk refused part of it while recording; by the time it fails there is room: the
    missing part is appended to the spool file, which now holds every sample."""
    source = RingSource(capacity=100_000)
    recorder = RingRecorder(source, spool)
    for notices in fail_partly_written(recorder, source, ended_in):
        (path,) = unfinished_recordings(spool)
        # What reached the disk: 10 000 counted samples, and what a refused write got in
        on_disk = load_recording(path).samples
        assert 10_000 <= len(on_disk) < 30_000
        np.testing.assert_array_equal(on_disk, ramp(0, len(on_disk)))
    with qtbot.waitSignal(recorder.kept) as kept:
        recorder.on_state_changed(State.ERROR)  # the limit is lifted: the disk has room
    assert kept.args == [path] and len(recorder.held) == 0
    np.testing.assert_array_equal(load_recording(path).samples, ramp(0, 35_000))
    assert len(notices) == 1 and "memory" in notices[0]  # only the spool's own notice
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("ended_in", [State.RECORDING, State.TRANSCRIBING])
def test_a_failed_dictation_the_disk_still_refuses_is_held_in_memory_then_saved(
        qtbot, spool, ended_in):
    """Still no room when it fails: the whole dictation (what reached the disk and what did not)
    is held in memory under its spool path, the user is told it is lost if Murmur quits, and
    ``save_held`` (as at quit) writes it once the disk takes it."""
    source = RingSource(capacity=100_000)
    recorder = RingRecorder(source, spool)
    for notices in fail_partly_written(recorder, source, ended_in):
        (path,) = unfinished_recordings(spool)
        with qtbot.waitSignal(recorder.kept) as kept:
            recorder.on_state_changed(State.ERROR)
        assert kept.args == [path] and path in recorder.held
        np.testing.assert_array_equal(recorder.held.samples(path), ramp(0, 35_000))
        (item,) = recorder.held.recordings()
        assert item.in_memory and item.path == path and item.seconds == 35_000 / 16_000
        assert "lost if Murmur quits" in notices[-1] and "memory" in notices[-1]
        assert recorder.save_held() == 1  # still refused: kept in memory
        # The refused write was undone: the disk part is as the recording left it
        np.testing.assert_array_equal(load_recording(path).samples, ramp(0, 10_000))
        recorder.on_state_changed(State.IDLE)  # the error acknowledged: nothing is dropped
        recorder.settle_finished()
        assert path in recorder.held
    assert recorder.save_held() == 0  # the disk has room now (or at quit)
    assert len(recorder.held) == 0
    np.testing.assert_array_equal(load_recording(path).samples, ramp(0, 35_000))


def test_a_failed_dictation_with_no_writable_spool_dir_is_held_then_saved(qtbot, tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    spool = blocker / "recordings"
    source = RingSource()
    recorder = RingRecorder(source, spool)
    recorder.on_state_changed(State.RECORDING)
    recorder.begin()
    source.write(700)
    recorder.finish()
    recorder.on_state_changed(State.TRANSCRIBING)
    with qtbot.waitSignal(recorder.kept) as kept:
        recorder.on_state_changed(State.ERROR)  # the engine failed
    (path,) = kept.args
    assert path.parent == spool and path.name.startswith("dictation-")
    np.testing.assert_array_equal(recorder.held.samples(path), ramp(0, 700))
    blocker.unlink()  # the user made room
    assert recorder.save_held() == 0
    assert unfinished_recordings(spool) == [path]
    np.testing.assert_array_equal(load_recording(path).samples, ramp(0, 700))


@pytest.mark.parametrize("ended_in", [State.RECORDING, State.TRANSCRIBING])
def test_a_cancel_drops_audio_the_disk_refused_too(qtbot, tmp_path, ended_in):
    """Cancel (or nothing heard) → IDLE: nothing is held, nothing is offered."""
    blocker = tmp_path / "data"
    blocker.write_text("")
    source = RingSource()
    recorder = RingRecorder(source, blocker / "recordings")
    recorder.on_state_changed(State.RECORDING)
    recorder.begin()
    source.write(700)
    kept = []
    recorder.kept.connect(kept.append)
    if ended_in is State.RECORDING:
        recorder.abort()
    else:
        recorder.finish()
        recorder.on_state_changed(State.TRANSCRIBING)
    recorder.on_state_changed(State.IDLE)
    recorder.on_state_changed(State.ERROR)  # a later error is not this dictation's
    assert kept == [] and len(recorder.held) == 0


def test_the_days_retention_writes_settled_audio_the_disk_refused_once_it_can(qtbot, spool):
    source = RingSource(capacity=100_000)
    recorder = RingRecorder(source, spool)
    recorder.keep_transcribed = True
    for _ in fail_partly_written(recorder, source, State.TRANSCRIBING):
        pass
    recorder.settle_finished("text", object())  # the text is safe; the disk has room now
    assert unfinished_recordings(spool) == []
    (marked,) = spool.iterdir()
    assert marked.name.startswith(TRANSCRIBED_PREFIX)
    np.testing.assert_array_equal(load_recording(marked).samples, ramp(0, 35_000))


def test_a_spool_that_cannot_be_read_back_stays_and_the_rest_is_held_beside_it(qtbot, spool):
    """The partly written file can be neither completed nor read (a directory took its place):
    it stays on disk as it is, and the part only in memory is held under a name of its own, so
    a retry of one never settles (deletes) the other."""
    source = RingSource(capacity=100_000)
    recorder = RingRecorder(source, spool)
    for _ in fail_partly_written(recorder, source, State.TRANSCRIBING):
        (path,) = unfinished_recordings(spool)
    path.unlink()
    path.mkdir()  # neither readable nor writable as a file
    with qtbot.waitSignal(recorder.kept) as kept:
        recorder.on_state_changed(State.ERROR)
    (rest,) = kept.args
    assert rest != path and rest.parent == spool and path.exists()
    np.testing.assert_array_equal(recorder.held.samples(rest), ramp(10_000, 35_000))
    recorder.settle(rest)
    assert path.exists() and len(recorder.held) == 0
