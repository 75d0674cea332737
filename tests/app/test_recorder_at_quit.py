"""The recorder at quit (``keep_unfinished``): a dictation without text yet is kept, whole.

The recorder runs on a real ``RingBuffer`` the test writes (ring_source.RingSource) and spools to
a temporary dir; the disk refusing is a file where the data dir should be. The real app's SIGTERM path is
tests/faults/test_quit_faults.py.
"""
from __future__ import annotations

import numpy as np
from ring_source import PREROLL, RingSource

from app.kept_audio import load_recording, unfinished_recordings
from app.recorder import RingRecorder
from app.state import State


def test_quit_while_recording_keeps_every_sample_up_to_the_quit(qtbot, tmp_path):
    source = RingSource()
    recorder = RingRecorder(source, tmp_path)
    source.write(1000)
    recorder.on_state_changed(State.RECORDING)
    recorder.begin()
    source.write(500)
    recorder._drain()  # what the timer does
    source.write(200)  # not drained yet when the quit comes
    with qtbot.waitSignal(recorder.kept) as kept:
        recorder.keep_unfinished()
    (path,) = unfinished_recordings(tmp_path)
    assert kept.args == [path] and not recorder.recording and source.releases == 1
    np.testing.assert_array_equal(load_recording(path).samples,
                                  np.arange(1000 - PREROLL, 1700, dtype=np.float32))
    assert recorder.in_use() == set()


def test_quit_while_transcribing_keeps_the_finished_dictation(qtbot, tmp_path):
    source = RingSource()
    recorder = RingRecorder(source, tmp_path)
    recorder.begin()
    source.write(400)
    audio = recorder.finish()
    recorder.on_state_changed(State.TRANSCRIBING)
    with qtbot.waitSignal(recorder.kept) as kept:
        recorder.keep_unfinished()
    assert kept.args == [audio.spool] and unfinished_recordings(tmp_path) == [audio.spool]


def test_quit_while_recording_with_a_refusing_disk_holds_it_in_memory(qtbot, tmp_path):
    blocker = tmp_path / "data"  # a file where the data dir should be: no dir can be made
    blocker.write_text("")
    spool = blocker / "recordings"
    source = RingSource()
    recorder = RingRecorder(source, spool)
    recorder.begin()
    source.write(600)
    with qtbot.waitSignal(recorder.kept) as kept:
        recorder.keep_unfinished()
    (path,) = kept.args
    assert path in recorder.held and len(recorder.held.samples(path)) == 600
    assert recorder.save_held() == 1  # still refused: the user was told it is lost at quit
    blocker.unlink()
    assert recorder.save_held() == 0 and unfinished_recordings(spool) == [path]


def test_quit_with_nothing_under_way_keeps_nothing(qtbot, tmp_path):
    recorder = RingRecorder(RingSource(), tmp_path)
    kept = []
    recorder.kept.connect(kept.append)
    recorder.keep_unfinished()
    assert kept == [] and unfinished_recordings(tmp_path) == []
