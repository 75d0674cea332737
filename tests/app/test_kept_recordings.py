"""Kept dictations: offered, transcribed (to history and clipboard), discarded, retention.

The spool files are real (written by ``RingRecorder`` or in its format); the recorder is the real
one. The engine is a small in-test transcriber answering like ``EngineWorker`` (queued signals);
the real-model test at the end runs the real ``EngineWorker`` on jfk.wav.
"""
from __future__ import annotations

import os
import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal

from app.kept_audio import DAY_S, TRANSCRIBED_PREFIX
from app.retention import KeepAudio, Retention
from app.kept_recordings import KeptRecordings
from app.recorder import RingRecorder
from app.state import State
from audio.ring_buffer import RingBuffer


class Source:
    ring = RingBuffer(16_000)

    def hold(self, pressed_at=None):
        return self.ring.end_index

    def release(self):
        pass

    def wait_drained(self, timeout=2.0):
        return True


class Transcriber(QObject):
    """Answers each job with "heard N" (N samples), or fails when ``fail`` is set."""

    transcribed = Signal(int, str)
    transcription_failed = Signal(int, str)

    def __init__(self):
        super().__init__()
        self.jobs = []
        self.fail = None

    def submit(self, job, audio):
        self.jobs.append(job)
        if self.fail:
            self.transcription_failed.emit(job, self.fail)
        else:
            self.transcribed.emit(job, f"heard {len(audio)}")


def spool_file(spool, stamp="20261126-103200", samples=16_000, age_days=0.0):
    spool.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = spool / f"dictation-{stamp}-123-{time.monotonic_ns()}.f32"
    path.write_bytes(np.ones(samples, "<f4").tobytes())
    when = time.time() - age_days * DAY_S
    os.utime(path, (when, when))
    return path


@pytest.fixture
def parts(qtbot, tmp_path):
    spool = tmp_path / "recordings"
    recorder = RingRecorder(Source(), spool)
    transcriber = Transcriber()
    history, clipboard = [], []

    def make(retention=Retention()):
        kept = KeptRecordings(spool, recorder, transcriber, str.strip, history.append,
                              clipboard.append, retention)
        transcriber.transcribed.connect(kept.on_transcribed)
        transcriber.transcription_failed.connect(kept.on_failed)
        return kept

    return spool, recorder, transcriber, history, clipboard, make


def test_transcribing_puts_the_text_in_history_and_on_the_clipboard(parts, qtbot):
    spool, recorder, transcriber, history, clipboard, make = parts
    first, second = spool_file(spool, samples=1600), spool_file(spool, samples=3200)
    kept = make()
    assert [k.path for k in kept.recordings()] == [first, second]
    with qtbot.waitSignal(kept.notice) as notice:
        assert kept.transcribe_all() == 2
    assert history == ["heard 1600", "heard 3200"] and clipboard == history
    assert "history" in notice.args[0]
    assert transcriber.jobs == [-1, -2]  # never a number of the controller's
    assert kept.recordings() == [] and list(spool.iterdir()) == []


def test_a_failure_keeps_the_audio_and_offers_a_retry(parts, qtbot):
    spool, recorder, transcriber, history, clipboard, make = parts
    path = spool_file(spool)
    kept = make()
    transcriber.fail = "The speech engine crashed"
    with qtbot.waitSignal(kept.notice) as notice:
        kept.transcribe(path)
    assert "kept" in notice.args[0] and "crashed" in notice.args[0]
    assert path.exists() and path in kept.failed_here and history == []
    transcriber.fail = None
    kept.transcribe(path)  # the retry
    assert history == ["heard 16000"] and not path.exists() and not kept.failed_here


def test_waits_for_the_controller_and_resubmits_when_overtaken(parts, qtbot):
    spool, recorder, transcriber, history, clipboard, make = parts
    path = spool_file(spool)
    kept = make()
    kept.on_state_changed(State.RECORDING)
    kept.transcribe(path)
    assert transcriber.jobs == []  # a dictation is under way: wait
    kept.on_state_changed(State.IDLE)
    assert history == ["heard 16000"]

    other = spool_file(spool)
    kept.refresh()
    transcriber.submit = lambda job, audio: transcriber.jobs.append(job)  # the engine is busy
    kept.transcribe(other)
    kept.on_state_changed(State.RECORDING)  # a dictation overtook ours: the worker skips it
    kept.on_state_changed(State.TRANSCRIBING)
    kept.on_state_changed(State.IDLE)
    assert transcriber.jobs[-2:] == [-2, -3]  # submitted again
    kept.on_transcribed(-2, "late but fine")  # whichever answer comes first
    kept.on_transcribed(-3, "a second answer is ignored")
    assert history == ["heard 16000", "late but fine"]


def test_discard_deletes_without_transcribing(parts):
    spool, recorder, transcriber, history, clipboard, make = parts
    path = spool_file(spool)
    kept = make()
    kept.discard(path)
    assert not path.exists() and kept.recordings() == [] and transcriber.jobs == []


def test_a_failed_dictation_from_the_recorder_is_listed(parts, qtbot):
    spool, recorder, transcriber, history, clipboard, make = parts
    kept = make()
    recorder.on_state_changed(State.RECORDING)
    kept.on_state_changed(State.RECORDING)
    recorder.begin()
    Source.ring.write(np.ones(800, np.float32))
    recorder._drain()
    assert kept.recordings() == []  # the dictation under way is not "kept"
    recorder.kept.connect(kept.on_kept)
    recorder.abort()  # the microphone vanished
    recorder.on_state_changed(State.ERROR)
    kept.on_state_changed(State.ERROR)
    (item,) = kept.recordings()
    assert item.path in kept.failed_here and item.seconds == 800 / 16_000


def test_days_retention_keeps_transcribed_audio_marked(parts, qtbot):
    spool, recorder, transcriber, history, clipboard, make = parts
    path = spool_file(spool)
    kept = make(Retention(KeepAudio.DAYS, 3))
    assert recorder.keep_transcribed
    kept.transcribe(path)
    assert [p.name for p in spool.iterdir()] == [TRANSCRIBED_PREFIX + path.name]
    assert kept.recordings() == []
    kept.set_retention(Retention())  # back to the default: transcribed audio goes at once
    assert list(spool.iterdir()) == [] and not recorder.keep_transcribed


@pytest.mark.model
def test_a_kept_dictation_is_transcribed_by_the_real_engine(qtbot, tmp_path, test_data,
                                                            default_model_path):
    """The real ``EngineWorker`` (whisper.cpp, base model) transcribes jfk.wav from a spool file."""
    from app.engine_worker import EngineWorker
    from audio.decode import decode_file
    from engine.options import TranscribeOptions
    from engine.wer import normalize_words

    spool = tmp_path / "recordings"
    path = spool_file(spool, samples=0)
    path.write_bytes(decode_file(test_data / "speech" / "jfk.wav").samples.astype("<f4").tobytes())
    history = []
    worker = EngineWorker(default_model_path, TranscribeOptions(language="en", threads=2))
    kept = KeptRecordings(spool, RingRecorder(Source(), spool), worker, str.strip,
                          history.append, lambda text: None)
    worker.transcribed.connect(kept.on_transcribed)
    worker.transcription_failed.connect(kept.on_failed)
    try:
        worker.start()
        kept.transcribe(path)
        qtbot.waitUntil(lambda: bool(history), timeout=120_000)
    finally:
        worker.stop()
    assert {"ask", "country", "fellow"} <= set(normalize_words(history[0]))
    assert not path.exists()


def test_a_retention_changed_in_the_settings_applies_from_the_next_dictation(parts):
    spool, recorder, transcriber, history, clipboard, make = parts
    current = [Retention()]
    kept = KeptRecordings(spool, recorder, transcriber, str.strip, history.append,
                          clipboard.append, lambda: current[0])
    assert not recorder.keep_transcribed
    current[0] = Retention(KeepAudio.DAYS, 2)  # the settings dialog's OK
    kept.on_state_changed(State.RECORDING)
    assert recorder.keep_transcribed


def fail_with_the_disk_refusing(spool, recorder, kept, samples=800):
    """The spool dir cannot be created (an ordinary file is where it should be): a dictation
    is recorded into memory only, and fails while being transcribed."""
    spool.parent.mkdir(parents=True, exist_ok=True)
    spool.write_text("a file where the recordings folder should be")
    recorder.kept.connect(kept.on_kept)
    for state in (State.RECORDING, State.TRANSCRIBING, State.ERROR):
        recorder.on_state_changed(state)
        kept.on_state_changed(state)
        if state is State.RECORDING:
            recorder.begin()
            Source.ring.write(np.full(samples, 0.25, np.float32))
        elif state is State.TRANSCRIBING:
            recorder.finish()


def test_a_failed_dictation_the_disk_refused_is_offered_from_memory_and_retried(parts, qtbot):
    spool, recorder, transcriber, history, clipboard, make = parts
    kept = make()
    fail_with_the_disk_refusing(spool, recorder, kept)
    (item,) = kept.recordings()
    assert item.in_memory and item.path in kept.failed_here and item.seconds == 800 / 16_000
    (listed,) = kept.summary()
    assert listed["in_memory"] is True and listed["file"] == item.path.name
    transcriber.fail = "The speech engine crashed"
    with qtbot.waitSignal(kept.notice) as notice:
        kept.transcribe_all()
    assert "memory" in notice.args[0] and "lost if Murmur quits" in notice.args[0]
    assert kept.recordings() == [item]  # still kept
    transcriber.fail = None
    kept.transcribe(item.path)  # Retry: from memory, like a file
    assert history == ["heard 800"] and clipboard == history
    assert kept.recordings() == [] and len(recorder.held) == 0 and not kept.failed_here


def test_a_held_dictation_is_saved_to_disk_once_it_has_room_and_can_be_discarded(parts):
    spool, recorder, transcriber, history, clipboard, make = parts
    kept = make()
    fail_with_the_disk_refusing(spool, recorder, kept)
    kept.enforce_retention()  # after a dictation: still no room
    (item,) = kept.recordings()
    assert item.in_memory
    spool.unlink()  # room again
    kept.on_state_changed(State.IDLE)  # the next dictation ended: the disk is tried again
    (saved,) = kept.recordings()
    assert saved.path == item.path and saved.path.exists() and not saved.in_memory
    assert kept.summary()[0]["in_memory"] is False
    kept.discard(saved.path)
    assert kept.recordings() == [] and list(spool.iterdir()) == [] and transcriber.jobs == []


def test_discarding_a_held_dictation_drops_it(parts):
    spool, recorder, transcriber, history, clipboard, make = parts
    kept = make()
    fail_with_the_disk_refusing(spool, recorder, kept)
    (item,) = kept.recordings()
    kept.discard(item.path)
    assert kept.recordings() == [] and len(recorder.held) == 0 and transcriber.jobs == []


def test_the_days_retention_applies_to_held_dictations(parts):
    spool, recorder, transcriber, history, clipboard, make = parts
    kept = make(Retention(KeepAudio.DAYS, 2))
    fail_with_the_disk_refusing(spool, recorder, kept)
    assert len(kept.recordings()) == 1
    assert recorder.held.expire(Retention(KeepAudio.DAYS, 2), time.time() + 1.9 * DAY_S) == 0
    assert recorder.held.expire(Retention(), time.time() + 30 * DAY_S) == 0  # until transcribed
    assert recorder.held.expire(Retention(KeepAudio.DAYS, 2), time.time() + 2.1 * DAY_S) == 1
    kept.refresh()
    assert kept.recordings() == []
