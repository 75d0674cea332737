"""The recorder on a ring the test writes into, and on the real Capture over the fake backend."""
from __future__ import annotations

import resource
import signal
import stat

import numpy as np
import pytest

from app.recorder import (TRANSCRIBED_PREFIX, RecordedAudio, RingRecorder, default_spool_dir,
                          load_recording, unfinished_recordings)
from app.state import State
from audio.capture import Capture
from audio.capture_types import CaptureOptions
from ring_source import PREROLL, RingSource, ramp
from tests.audio.fake_audio_backend import FakeBackend


@pytest.mark.parametrize("use_spool", [True, False])
def test_dictation_starts_at_the_preroll_and_ends_at_finish(qtbot, spool, use_spool):
    source = RingSource()
    recorder = RingRecorder(source, spool if use_spool else None)
    source.write(1000)
    recorder.begin()
    assert recorder.recording and source.holds == 1
    source.write(500)
    audio = recorder.finish()
    assert isinstance(audio, RecordedAudio)
    np.testing.assert_array_equal(audio.samples, ramp(1000 - PREROLL, 1500))
    assert audio.lost_samples == 0 and source.releases == 1 and not recorder.recording
    assert (audio.spool is not None) == use_spool
    source.write(100)  # after finish: not part of it


def test_a_deferred_start_records_from_its_mark_up_to_its_stop(qtbot, spool):
    """A start while the last dictation is finished: ``mark`` at the press (pre-roll included)
    holds the microphone; ``begin(from_index=...)`` later; ``finish(until=...)`` ends at a stop
    taken with ``position`` before it began; what came after the stop is not part of it."""
    source = RingSource()
    recorder = RingRecorder(source, spool)
    source.write(1000)
    start = recorder.mark()
    assert start == 1000 - PREROLL and source.holds == 1 and not recorder.recording
    source.write(600)
    stop = recorder.position()
    source.write(400)  # after the stop, before it began
    recorder.begin(from_index=start)
    audio = recorder.finish(until=stop)
    np.testing.assert_array_equal(audio.samples, ramp(1000 - PREROLL, 1600))
    assert source.releases == 1 and not recorder.recording


def test_a_deferred_start_that_records_on_and_a_cancelled_one(qtbot, spool):
    source = RingSource()
    recorder = RingRecorder(source, spool)
    source.write(500)
    start = recorder.mark()
    source.write(700)
    recorder.begin(from_index=start)  # it waited: the audio since the press is all there
    source.write(300)
    np.testing.assert_array_equal(recorder.finish().samples, ramp(500 - PREROLL, 1500))
    recorder.mark()
    recorder.unmark()  # cancelled before it began: the microphone is let go
    assert source.releases == 2 and not recorder.recording


def test_longer_than_the_ring_loses_nothing(qtbot, spool):
    source = RingSource(capacity=1000)
    recorder = RingRecorder(source, spool, drain_ms=5)
    recorder.begin()
    for _ in range(40):  # 40 x 400 samples through a 1000-sample ring
        source.write(400)
        qtbot.waitUntil(lambda: recorder.recorded_samples == source.written, timeout=5000)
    audio = recorder.finish()
    np.testing.assert_array_equal(audio.samples, ramp(0, 16_000))
    assert audio.lost_samples == 0


def test_a_stalled_drain_reports_lost_audio(qtbot):
    source = RingSource(capacity=1000)
    recorder = RingRecorder(source, None, drain_ms=10_000)
    recorder.begin()
    source.write(2500)  # no event loop ran: the ring lapped the recorder
    with qtbot.waitSignal(recorder.notice) as notice:
        audio = recorder.finish()
    assert audio.lost_samples == 1500 and "lost" in notice.args[0]
    np.testing.assert_array_equal(audio.samples, ramp(1500, 2500))


def test_spool_is_private_kept_until_settled_and_found_after_a_crash(qtbot, spool):
    source = RingSource()
    recorder = RingRecorder(source, spool)
    recorder.begin()
    source.write(800)
    recorder._drain()  # what the timer does
    assert stat.S_IMODE(spool.stat().st_mode) == 0o700
    (path,) = unfinished_recordings(spool)  # a crash now would leave this behind
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    np.testing.assert_array_equal(load_recording(path).samples, ramp(0, 800))
    audio = recorder.finish()
    assert audio.spool == path and path.exists()  # kept while transcribing
    recorder.on_state_changed(State.RECORDING)
    recorder.begin()  # the next dictation does not touch the previous file
    source.write(10)
    recorder.abort()
    recorder.on_state_changed(State.IDLE)  # cancelled: only its own file goes
    assert unfinished_recordings(spool) == [path]
    recorder.settle(audio)
    assert unfinished_recordings(spool) == []
    recorder.settle(audio)  # twice is fine


def test_a_cancel_drops_the_audio_and_releases_the_microphone(qtbot, spool):
    source = RingSource()
    recorder = RingRecorder(source, spool)
    recorder.on_state_changed(State.RECORDING)
    recorder.begin()
    source.write(100)
    recorder._drain()
    recorder.abort()
    assert not recorder.recording and source.releases == 1
    assert len(unfinished_recordings(spool)) == 1  # undecided: cancel or failure?
    recorder.on_state_changed(State.IDLE)  # RECORDING → IDLE: the user cancelled
    assert unfinished_recordings(spool) == []
    assert len(recorder.finish().samples) == 0  # finish without begin: empty, no crash


@pytest.mark.parametrize("ended_in", [State.RECORDING, State.TRANSCRIBING])
def test_a_failed_dictation_keeps_its_audio_for_a_retry(qtbot, spool, ended_in):
    """Device lost while recording (abort, then ERROR) or the engine failed while transcribing
    (finish, then ERROR): the spool file stays, ``kept`` names it, and no later event drops it."""
    source = RingSource()
    recorder = RingRecorder(source, spool)
    recorder.on_state_changed(State.RECORDING)
    recorder.begin()
    source.write(800)
    recorder._drain()
    if ended_in is State.RECORDING:
        recorder.abort()
    else:
        recorder.finish()
        recorder.on_state_changed(State.TRANSCRIBING)
    assert recorder.in_use() == set(unfinished_recordings(spool))
    with qtbot.waitSignal(recorder.kept) as kept:
        recorder.on_state_changed(State.ERROR)
    (path,) = unfinished_recordings(spool)
    assert kept.args == [path] and recorder.in_use() == set()
    np.testing.assert_array_equal(load_recording(path).samples, ramp(0, 800))
    recorder.on_state_changed(State.IDLE)  # the error acknowledged
    recorder.settle_finished()  # a later dictation_finished without a finished dictation
    assert unfinished_recordings(spool) == [path]


def test_nothing_heard_settles_the_audio(qtbot, spool):
    source = RingSource()
    recorder = RingRecorder(source, spool)
    for state in (State.RECORDING, State.TRANSCRIBING):
        recorder.on_state_changed(state)
        if state is State.RECORDING:
            recorder.begin()
            source.write(100)
        else:
            recorder.finish()
    recorder.on_state_changed(State.IDLE)
    assert list(spool.iterdir()) == []


def test_keep_transcribed_renames_settled_audio_instead_of_deleting(qtbot, spool):
    """The "keep audio for N days" retention: settled audio is marked, not listed as unfinished."""
    source = RingSource()
    recorder = RingRecorder(source, spool)
    recorder.keep_transcribed = True
    recorder.begin()
    source.write(100)
    audio = recorder.finish()
    recorder.settle_finished("text", object())
    assert unfinished_recordings(spool) == []
    (marked,) = spool.iterdir()
    assert marked.name == TRANSCRIBED_PREFIX + audio.spool.name
    assert stat.S_IMODE(marked.stat().st_mode) == 0o600


def test_unwritable_spool_dir_keeps_the_dictation_in_memory(qtbot, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    source = RingSource()
    recorder = RingRecorder(source, blocker / "recordings")
    with qtbot.waitSignal(recorder.notice) as notice:
        recorder.begin()
    assert "memory" in notice.args[0]
    source.write(700)
    audio = recorder.finish()
    np.testing.assert_array_equal(audio.samples, ramp(0, 700))
    assert audio.spool is None


def test_disk_full_mid_dictation_keeps_every_sample(qtbot, spool):
    source = RingSource(capacity=100_000)
    recorder = RingRecorder(source, spool)
    recorder.begin()
    source.write(10_000)
    recorder._drain()
    # Fault injection: the file-size limit makes further writes fail with EFBIG, as a full
    # disk fails them with ENOSPC.
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, old_limit[1]))
    try:
        notices = []
        recorder.notice.connect(notices.append)
        source.write(20_000)
        recorder._drain()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    source.write(5000)
    audio = recorder.finish()
    assert len(notices) == 1 and "memory" in notices[0]
    np.testing.assert_array_equal(audio.samples, ramp(0, 35_000))


def test_default_spool_dir_is_in_the_xdg_data_dir(isolated_user_dirs):
    assert default_spool_dir() == isolated_user_dirs / "xdg_data_home" / "murmur" / "recordings"


def test_on_the_real_capture_a_long_dictation_through_a_short_ring(qtbot, spool):
    # A 1 s ring, 3 s of dictation in real time: only draining as it goes keeps it whole. (The
    # ring once held 62 ms of wall time, which a machine at load 15 could not keep up with.)
    backend = FakeBackend({"Mic": 16_000}, default="Mic", speed=1.0)
    capture = Capture(backend, CaptureOptions(buffer_seconds=1.0, preroll_seconds=0.1,
                                              poll_seconds=0.005))
    capture.start()
    try:
        qtbot.waitUntil(lambda: capture.ring.end_index > 4_000, timeout=10_000)
        recorder = RingRecorder(capture, spool, drain_ms=10)
        recorder.begin()
        qtbot.waitUntil(lambda: recorder.recorded_samples > 48_000, timeout=20_000)
        audio = recorder.finish()
    finally:
        capture.stop()
    assert audio.lost_samples == 0 and len(audio.samples) > 48_000
    # The fake microphone sends each sample's own index (mod 2**20): no gap, no repeat.
    steps = np.diff(audio.samples.astype(np.int64)) % (1 << 20)
    assert np.all(steps == 1)


def test_settle_finished_deletes_the_last_finished_dictations_audio(qtbot, spool):
    source = RingSource()
    recorder = RingRecorder(source, spool)
    recorder.begin()
    source.write(100)
    audio = recorder.finish()
    assert audio.spool.exists()
    recorder.settle_finished("text", object())  # as connected to dictation_finished
    assert not audio.spool.exists()
    recorder.settle_finished()  # nothing left: fine


@pytest.mark.model
def test_audio_of_a_dictation_killed_midway_is_found_and_transcribed(
        qtbot, spool, test_data, default_model_path):
    import subprocess
    import sys
    from pathlib import Path

    from app.engine_worker import EngineWorker
    from audio.decode import decode_file
    from engine.options import TranscribeOptions
    from engine.wer import normalize_words

    wav = test_data / "speech" / "jfk.wav"
    peer = subprocess.Popen([sys.executable, str(Path(__file__).with_name("recorder_peer.py")),
                             str(spool), str(wav)], stdout=subprocess.PIPE, text=True)
    try:
        lines = iter(peer.stdout.readline, "")
        assert any(line.strip() == "done" for line in lines)  # all spooled, still recording
        peer.kill()  # SIGKILL: no clean-up runs
        peer.wait(30)
    finally:
        peer.kill()
        peer.stdout.close()
    (left,) = unfinished_recordings(spool)  # the next start finds it...
    audio = load_recording(left)
    np.testing.assert_array_equal(audio.samples, decode_file(wav).samples)
    worker = EngineWorker(default_model_path, TranscribeOptions(language="en", threads=2))
    try:
        worker.start()
        with qtbot.waitSignal(worker.transcribed, timeout=60_000) as done:
            worker.submit(1, audio)  # ...and offers it for transcription
    finally:
        worker.stop()
    assert {"ask", "country", "fellow"} <= set(normalize_words(done.args[1]))
    RingRecorder(RingSource(), spool).settle(audio)
    assert unfinished_recordings(spool) == []
