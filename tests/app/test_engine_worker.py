"""The engine worker on its QThread: the real model (marked ``model``), a bad model, fakes for
ordering, stale jobs and failures, and the real controller driving it."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from app.controller import DictationController
from app.engine_worker import NO_MODEL, EngineWorker, TranscriptionResult
from app.state import State
from audio.decode import decode_file
from desktop.chord import DEFAULT_CHORD, parse_chord
from desktop.inject import InjectResult
from engine.errors import ModelFileError
from engine.options import TranscribeOptions
from engine.wer import normalize_words
from engine.whisper_engine import load_engine

TIMEOUT_MS = 60_000
EN = TranscribeOptions(language="en", threads=2)


@pytest.fixture
def worker_factory(qtbot):
    made: list[EngineWorker] = []

    def make(model_path, options=EN, engine_factory=load_engine) -> EngineWorker:
        worker = EngineWorker(Path(model_path), options, engine_factory)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.stop()


@pytest.fixture
def closed_after():
    """Closes the controllers it is given at teardown, whether the test passed or not (an open
    one would keep its insertion thread past the test)."""
    made = []

    def keep(controller: DictationController) -> DictationController:
        made.append(controller)
        return controller

    yield keep
    for controller in made:
        controller.close()


@pytest.fixture(scope="module")
def jfk(test_data) -> np.ndarray:
    return decode_file(test_data / "speech" / "jfk.wav").samples


@pytest.mark.model
def test_real_model_loads_once_and_transcribes_on_the_worker_thread(
        qtbot, worker_factory, default_model_path, jfk):
    worker = worker_factory(default_model_path)
    with qtbot.waitSignal(worker.model_loaded, timeout=TIMEOUT_MS) as loaded:
        worker.start()
    assert loaded.args == [default_model_path.name]
    results = []
    worker.result_ready.connect(results.append)
    with qtbot.waitSignal(worker.transcribed, timeout=TIMEOUT_MS) as done:
        worker.submit(1, jfk)
    job, text = done.args
    assert job == 1
    assert {"fellow", "americans", "country"} <= set(normalize_words(text))
    result: TranscriptionResult = results[0]
    assert result.text == text and result.model == default_model_path.name
    assert result.language == "en"
    assert result.audio_seconds == pytest.approx(len(jfk) / 16000)
    assert 0 < result.engine_seconds < 60
    # Warm: a second job reuses the engine (no second model_loaded).
    with qtbot.assertNotEmitted(worker.model_loaded, wait=0):
        with qtbot.waitSignal(worker.transcribed, timeout=TIMEOUT_MS) as silent:
            worker.submit(2, np.zeros(16000, np.float32))
    assert silent.args[0] == 2  # raw text ("[BLANK_AUDIO]"): the controller's shaper drops it


@pytest.mark.parametrize("damage", ["missing", "truncated", "not_a_model"])
def test_bad_model_reports_model_failed_and_jobs_fail_with_the_reason(
        qtbot, worker_factory, tmp_path, damage):
    path = tmp_path / "ggml-bad.bin"
    if damage == "truncated":
        path.write_bytes(b"lmgg" + b"\x00" * 100)
    elif damage == "not_a_model":
        path.write_text("<html>404 Not Found</html>")
    worker = worker_factory(path)
    with qtbot.waitSignal(worker.model_failed, timeout=TIMEOUT_MS) as failed:
        worker.start()
    assert failed.args[0]
    with qtbot.waitSignal(worker.transcription_failed, timeout=TIMEOUT_MS) as job_failed:
        worker.submit(7, np.zeros(1600, np.float32))
    assert job_failed.args[0] == 7 and job_failed.args[1].startswith(NO_MODEL)


class FakeEngine:
    """Stands in for WhisperEngine: each transcribe waits for the test to open ``gate``."""

    def __init__(self, path: Path):
        self.model_path = path
        self.gate = threading.Event()
        self.gate.set()
        self.threads: set[str] = set()
        self.entered = threading.Event()
        self.closed = False
        self.calls: list[str] = []  # "transcribe" and "rest", in the order they came

    def rest(self):
        self.calls.append("rest")

    def transcribe(self, audio, options, stop_when=None):
        from engine.options import Transcript

        self.calls.append("transcribe")
        self.threads.add(threading.current_thread().name)
        self.entered.set()
        self.gate.wait(10)
        if len(audio) == 0:
            raise RuntimeError("boom")
        return Transcript(f" heard {len(audio)} ", (), options.language, len(audio) / 16000, 0.01)

    def close(self):
        self.closed = True


def started_on_a_fake(qtbot, worker_factory):
    """A started worker whose model is loaded, and the ``FakeEngine`` it loaded."""
    engines: list[FakeEngine] = []
    worker = worker_factory("fake.bin", engine_factory=lambda p: engines.append(FakeEngine(p))
                            or engines[-1])
    with qtbot.waitSignal(worker.model_loaded):
        worker.start()
    return worker, engines[0]


def test_jobs_run_in_order_and_stale_ones_are_skipped(qtbot, worker_factory):
    worker, engine = started_on_a_fake(qtbot, worker_factory)
    engine.gate.clear()  # hold the first job inside the engine
    seen = []
    worker.transcribed.connect(lambda job, text: seen.append((job, text)))
    worker.submit(1, np.zeros(100, np.float32))
    qtbot.waitUntil(engine.entered.is_set)  # 1 is under way; 2 and 3 wait in the queue
    worker.submit(2, np.zeros(200, np.float32))  # stale once 3 comes
    worker.submit(3, np.zeros(300, np.float32))
    engine.gate.set()
    qtbot.waitUntil(lambda: (3, "heard 300") in seen)
    assert seen == [(1, "heard 100"), (3, "heard 300")]
    assert engine.threads and threading.current_thread().name not in engine.threads
    worker.stop()
    assert engine.closed


def test_engine_exception_becomes_transcription_failed(qtbot, worker_factory):
    worker = worker_factory("fake.bin", engine_factory=FakeEngine)
    worker.start()
    with qtbot.waitSignal(worker.transcription_failed) as failed:
        worker.submit(4, np.zeros(0, np.float32))
    assert failed.args == [4, "Transcription failed: boom"]


def test_options_follow_set_options_and_loader_errors_are_caught(qtbot, worker_factory):
    worker = worker_factory("fake.bin", engine_factory=FakeEngine)
    results = []
    worker.result_ready.connect(results.append)
    worker.start()
    worker.set_options(TranscribeOptions(language="de", threads=1))
    with qtbot.waitSignal(worker.result_ready):
        worker.submit(1, np.ones(10, np.float32))
    assert results[0].language == "de"

    def broken(path):
        raise ModelFileError(f"Model file not found: {path}")

    other = worker_factory("gone.bin", engine_factory=broken)
    with qtbot.waitSignal(other.model_failed) as failed:
        other.start()
    assert failed.args == ["Model file not found: gone.bin"]


def test_a_finished_job_lets_the_engine_rest_unless_more_is_queued(qtbot, worker_factory):
    """``rest()`` (give memory back) after the last queued job only, and after a failed one."""
    worker, engine = started_on_a_fake(qtbot, worker_factory)
    engine.gate.clear()
    worker.submit(1, np.ones(100, np.float32))
    qtbot.waitUntil(engine.entered.is_set)  # 1 is under way, 2 waits: no rest between them
    worker.submit(2, np.ones(200, np.float32))
    engine.gate.set()
    qtbot.waitUntil(lambda: engine.calls[-1:] == ["rest"])
    assert engine.calls == ["transcribe", "transcribe", "rest"]
    with qtbot.waitSignal(worker.transcription_failed):
        worker.submit(3, np.zeros(0, np.float32))  # the fake fails on empty audio
    qtbot.waitUntil(lambda: engine.calls.count("rest") == 2)
    assert engine.calls[-2:] == ["transcribe", "rest"]


def test_a_streamed_dictation_rests_at_its_end_not_after_pieces_or_speculations(
        qtbot, worker_factory):
    """Pieces and speculations are mid-dictation (more follows); the released tail ends it."""
    from app.streaming import StreamedAudio

    worker, engine = started_on_a_fake(qtbot, worker_factory)
    worker.begin_dictation(7)
    piece = np.ones(1600, np.float32)
    for _ in range(2):
        with qtbot.waitSignal(worker.preview_changed):
            worker.submit_segment(7, piece)
    with qtbot.waitSignal(worker.preview_changed):
        worker.speculate(7, (2, 0), piece)
    assert engine.calls == ["transcribe"] * 3
    whole = np.ones(4800, np.float32)
    with qtbot.waitSignal(worker.transcribed) as done:
        worker.submit(1, StreamedAudio(7, piece, 2, 0.0, whole))
    assert done.args[0] == 1 and "heard 1600" in done.args[1]
    qtbot.waitUntil(lambda: engine.calls[-1:] == ["rest"])
    assert engine.calls == ["transcribe"] * 4 + ["rest"]


def test_a_cancelled_dictation_lets_the_engine_rest_after_the_piece_under_way(qtbot,
                                                                               worker_factory):
    worker, engine = started_on_a_fake(qtbot, worker_factory)
    engine.gate.clear()
    worker.begin_dictation(9)
    worker.submit_segment(9, np.ones(1600, np.float32))
    qtbot.waitUntil(engine.entered.is_set)  # the first piece is under way, the second waits
    worker.submit_segment(9, np.ones(3200, np.float32))
    worker.drop_dictation(9)
    engine.gate.set()
    qtbot.waitUntil(lambda: engine.calls[-1:] == ["rest"])
    assert engine.calls == ["transcribe", "rest"]  # the queued piece was skipped, not rested on


class Recorder:
    def begin(self, from_index=None, pressed_at=None):
        pass

    def finish(self):
        return np.ones(1600, np.float32)

    def abort(self):
        pass


class Inserter:
    def remember_target(self):
        return None

    def insert(self, text, target, options):
        return InjectResult(True, False)


def test_the_controller_drives_it_as_its_transcriber(qtbot, worker_factory, closed_after):
    worker = worker_factory("fake.bin", engine_factory=FakeEngine)
    controller = closed_after(
        DictationController(Recorder(), worker, Inserter(), parse_chord(DEFAULT_CHORD)))
    worker.transcribed.connect(controller.transcribed)
    worker.transcription_failed.connect(controller.transcription_failed)
    finished = []
    controller.dictation_finished.connect(lambda text, result: finished.append(text))
    worker.start()
    controller.start()
    controller.stop()
    assert controller.state is State.TRANSCRIBING
    qtbot.waitUntil(lambda: controller.state is State.IDLE and bool(finished))
    assert finished == ["heard 1600"]



def test_fifty_presses_in_a_second_leave_a_consistent_state(qtbot, worker_factory, closed_after,
                                                            tmp_path):
    import random

    from PySide6.QtCore import QCoreApplication

    from app.recorder import RingRecorder, unfinished_recordings
    from audio.ring_buffer import RingBuffer

    class Source:
        ring = RingBuffer(16_000)

        def hold(self, pressed_at=None):
            return self.ring.end_index

        def release(self):
            pass

        def wait_drained(self, timeout=2.0):
            return True

    source = Source()
    spool = tmp_path / "recordings"
    recorder = RingRecorder(source, spool)
    finishes = []
    real_finish = recorder.finish

    def counted_finish(until=None):  # a deferred stop passes where its dictation ended
        finishes.append(until)
        return real_finish(until=until)

    recorder.finish = counted_finish
    worker = worker_factory("fake.bin", engine_factory=FakeEngine)
    controller = closed_after(
        DictationController(recorder, worker, Inserter(), parse_chord(DEFAULT_CHORD)))
    worker.transcribed.connect(controller.transcribed)
    worker.transcription_failed.connect(controller.transcription_failed)
    finished = []
    controller.dictation_finished.connect(lambda text, result: finished.append(text))
    controller.dictation_finished.connect(recorder.settle_finished)
    controller.state_changed.connect(recorder.on_state_changed)
    worker.start()
    rng = random.Random(8)
    actions = [controller.toggle, controller.start, controller.stop, controller.cancel]
    for press in range(50):
        source.ring.write(np.full(160, press + 1, np.float32))
        rng.choice(actions)()
        if press % 5 == 4:
            QCoreApplication.processEvents()  # some results arrive between presses
    controller.cancel()  # whatever was recording is dropped
    qtbot.waitUntil(lambda: controller.state is State.IDLE and not recorder.recording)
    # Cancelled or transcribed: no audio is left behind (none failed).
    qtbot.waitUntil(lambda: unfinished_recordings(spool) == [])
    assert len(finishes) >= 2  # the presses really made dictations
    before = len(finished)
    controller.start()  # and afterwards a plain dictation still works
    source.ring.write(np.ones(1600, np.float32))
    controller.stop()
    qtbot.waitUntil(lambda: len(finished) == before + 1 and controller.state is State.IDLE)
    assert finished[-1] == "heard 1600"
    assert all(text.startswith("heard ") for text in finished)


@pytest.mark.parametrize("given, expected", [(None, "passive"), ("active", "active")])
def test_whisper_threads_sleep_while_waiting_unless_told_otherwise(given, expected):
    """A fresh interpreter (the real binding, whose libgomp reads the policy when it loads):
    spinning OpenMP threads made calls 20-30x slower on a busy machine (docs/PERFORMANCE.md)."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    code = ("import os; from app.engine_worker import prime_native_binding; "
            "prime_native_binding(); import _pywhispercpp; print(os.environ['OMP_WAIT_POLICY'])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert out.stdout.strip() == expected, out.stderr
