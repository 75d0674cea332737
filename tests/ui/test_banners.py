"""The window's banners: kept dictations (transcribe, retry, discard) and an unusable model
(get a working one on a worker thread).

Kept dictations: real spool files, the real ``RingRecorder`` and ``KeptRecordings``; the engine
is a small in-test transcriber answering like ``EngineWorker``. The model banner provisions with
the real model import (``app.model_actions.ModelActions.import_model`` of the set-up model file,
a truncated copy for the failure) on its real ``TaskRunner`` thread.
"""
from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal

from app.kept_recordings import KeptRecordings
from app.recorder import RingRecorder
from audio.ring_buffer import RingBuffer
from ui.banners import KeptBanner, ModelBanner
from ui.main_window import MainWindow


class Source:
    ring = RingBuffer(1600)

    def hold(self, pressed_at=None):
        return 0

    def release(self):
        pass

    def wait_drained(self, timeout=2.0):
        return True


class Transcriber(QObject):
    transcribed = Signal(int, str)
    transcription_failed = Signal(int, str)
    fail = None

    def submit(self, job, audio):
        if self.fail:
            self.transcription_failed.emit(job, self.fail)
        else:
            self.transcribed.emit(job, f"heard {len(audio)} samples")


@pytest.fixture
def kept_parts(qtbot, tmp_path):
    spool = tmp_path / "recordings"
    spool.mkdir(mode=0o700)
    history = []
    transcriber = Transcriber()
    kept = KeptRecordings(spool, RingRecorder(Source(), spool), transcriber, str.strip,
                          history.append, history.append)
    transcriber.transcribed.connect(kept.on_transcribed)
    transcriber.transcription_failed.connect(kept.on_failed)
    window = MainWindow()
    qtbot.addWidget(window)
    banner = KeptBanner(kept)
    window.add_banner(banner)
    window.show()
    return spool, kept, transcriber, history, banner


def spool_file(spool, seconds):
    # Today's date: the banner gives the time alone for today's dictations
    # (the date for older ones: tests/app/test_kept_audio.py).
    path = spool / f"dictation-{time.strftime('%Y%m%d')}-103200-1-{time.monotonic_ns()}.f32"
    path.write_bytes(np.zeros(int(seconds * 16_000), "<f4").tobytes())
    return path


def test_hidden_when_nothing_is_kept(kept_parts):
    spool, kept, transcriber, history, banner = kept_parts
    assert not banner.isVisible()


def test_offers_an_unfinished_dictation_and_transcribes_it(kept_parts, qtbot):
    spool, kept, transcriber, history, banner = kept_parts
    spool_file(spool, 14)
    spool_file(spool, 2)
    kept.refresh()  # what a start-up or the end of a dictation does
    assert banner.isVisible()
    assert "Unfinished dictation from 10:32 (14 s) (and 1 more)" in banner.message.text()
    assert banner.transcribe_button.text() == "&Transcribe"
    banner.transcribe_button.click()
    # history.append is both "history" and "clipboard" here: each text lands twice.
    assert history == ["heard 224000 samples"] * 2
    assert "(2 s)" in banner.message.text() and "more" not in banner.message.text()
    banner.discard_button.click()  # asks first: the words exist nowhere else
    assert "for good" in banner.message.text() and banner.transcribe_button.text() == "&Keep it"
    banner.transcribe_button.click()  # "Keep it"
    assert "Unfinished dictation" in banner.message.text() and len(list(spool.iterdir())) == 1
    banner.discard_button.click()
    banner.discard_button.click()  # "Delete for good"
    assert not banner.isVisible() and list(spool.iterdir()) == []


def test_after_a_failure_it_offers_a_retry(kept_parts):
    spool, kept, transcriber, history, banner = kept_parts
    path = spool_file(spool, 1)
    kept.on_kept(path)  # RingRecorder.kept: the engine crashed on this dictation
    assert banner.transcribe_button.text() == "&Retry"
    assert "could not be transcribed" in banner.message.text()
    transcriber.fail = "The speech engine stopped unexpectedly"
    banner.transcribe_button.click()
    assert banner.isVisible() and path.exists() and history == []
    transcriber.fail = None
    banner.transcribe_button.click()
    assert not banner.isVisible() and history == ["heard 16000 samples"] * 2


@pytest.mark.model
def test_model_banner_gets_a_working_model_on_a_worker_thread(qtbot, tmp_path,
                                                              default_model_path):
    from app.model_actions import ModelActions
    from engine.ggml_format import inspect_ggml
    from engine.model_store import ModelStore

    actions = ModelActions(ModelStore(tmp_path / "models"))
    source = [tmp_path / "truncated.bin"]
    source[0].write_bytes(default_model_path.read_bytes()[:1_000_000])
    banner = ModelBanner(lambda progress, cancel: actions.import_model(source[0], progress,
                                                                        cancel),
                         "Get the default model")
    qtbot.addWidget(banner)
    banner.show_problem("Model file ggml-base-q8_0.bin is truncated.")
    assert banner.isVisible() and "truncated" in banner.message.text()
    with qtbot.waitSignal(banner.runner.failed, timeout=60_000):
        banner.repair_button.click()  # the source is bad too: said, and offered again
    assert "Could not get the model" in banner.message.text()
    assert banner.repair_button.isEnabled()

    source[0] = default_model_path
    with qtbot.waitSignal(banner.provisioned, timeout=120_000) as done:
        banner.repair_button.click()
        assert not banner.repair_button.isEnabled() and banner.progress.isVisible()
    inspect_ggml(done.args[0])  # a whole, valid model file
    banner.clear_problem("ggml-base-q8_0.bin")  # EngineWorker.model_loaded
    assert not banner.isVisible()
    banner.stop()
