"""Fault 2's "the dictation's audio must survive for a retry", on the real parts below the window.

Real parts: the real ``EngineWorker`` running whisper.cpp in a child process
(``engine.engine_process.load_process_engine``, the base model), the real ``DictationController``,
``RingRecorder`` (spooling to disk) and ``KeptRecordings``, wired as main.py wires them. The
dictation's audio is jfk.wav written into the ring the recorder drains. The fault is real: the
engine child is sent SIGSEGV while whisper.cpp computes. Only the insertion side is a stand-in
(nothing is pasted on this path; the kept dictation's text goes to history and the clipboard).
"""
from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from app.controller import DictationController
from app.engine_worker import EngineWorker
from app.kept_recordings import KeptRecordings
from app.recorder import RingRecorder, load_recording, unfinished_recordings
from app.state import State
from audio.decode import decode_file
from audio.ring_buffer import RingBuffer
from desktop.chord import DEFAULT_CHORD, parse_chord
from engine.engine_process import load_process_engine
from engine.options import TranscribeOptions
from engine.wer import normalize_words
from tests.engine_procs import wait_inside_whisper

pytestmark = pytest.mark.model
TIMEOUT_MS = 180_000


class Source:
    """The capture's side of the recorder: a ring the test writes the speech into."""

    def __init__(self):
        self.ring = RingBuffer(16_000 * 60)

    def hold(self, pressed_at=None):
        return self.ring.end_index

    def release(self):
        pass

    def wait_drained(self, timeout=2.0):
        return True


class NoDesktop:
    """Insertion stand-in: this path never inserts (a failed dictation has no text)."""

    def remember_target(self):
        return None

    def insert(self, text, target, options):
        raise AssertionError("a failed dictation must not insert anything")

    reinsert = insert


def test_an_engine_crash_keeps_the_audio_and_the_retry_transcribes_it(qtbot, tmp_path,
                                                                      test_data,
                                                                      default_model_path):
    speech = decode_file(test_data / "speech" / "jfk.wav").samples
    spool = tmp_path / "recordings"
    engines = []

    def factory(path):
        engines.append(load_process_engine(path))
        return engines[-1]

    worker = EngineWorker(default_model_path, TranscribeOptions(language="en", threads=2),
                          engine_factory=factory)
    source = Source()
    recorder = RingRecorder(source, spool)
    controller = DictationController(recorder, worker, NoDesktop(), parse_chord(DEFAULT_CHORD))
    history, clipboard, told = [], [], []
    controller.notice.connect(told.append)
    kept = KeptRecordings(spool, recorder, worker, str.strip, history.append, clipboard.append)
    worker.transcribed.connect(controller.transcribed)
    worker.transcription_failed.connect(controller.transcription_failed)
    controller.state_changed.connect(recorder.on_state_changed)
    controller.state_changed.connect(kept.on_state_changed)
    recorder.kept.connect(kept.on_kept)
    worker.transcribed.connect(kept.on_transcribed)
    worker.transcription_failed.connect(kept.on_failed)
    try:
        with qtbot.waitSignal(worker.model_loaded, timeout=TIMEOUT_MS):
            worker.start()
        controller.start()
        source.ring.write(np.tile(speech, 3))  # long enough to be caught mid-computation
        qtbot.waitUntil(lambda: recorder.recorded_samples == 3 * len(speech), timeout=10_000)
        controller.stop()
        os.kill(wait_inside_whisper(engines[-1]), signal.SIGSEGV)
        qtbot.waitUntil(lambda: controller.state is State.ERROR, timeout=TIMEOUT_MS)

        assert any("speech engine" in text for text in told), told  # the user is told
        (item,) = kept.recordings()  # the failed dictation, offered for a retry
        assert item.path in kept.failed_here and unfinished_recordings(spool) == [item.path]
        np.testing.assert_array_equal(load_recording(item.path).samples, np.tile(speech, 3))
        kept.transcribe(item.path)  # "Retry": the new engine child takes it
        qtbot.waitUntil(lambda: bool(history), timeout=TIMEOUT_MS)
    finally:
        worker.stop()
        controller.close()
    assert {"ask", "country", "fellow"} <= set(normalize_words(history[0]))
    assert clipboard == history and kept.recordings() == []
    assert unfinished_recordings(spool) == []
