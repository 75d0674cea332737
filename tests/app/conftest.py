"""app/ tests use QObjects only: Qt's offscreen platform, so no display is needed.

``controller_parts`` is the dictation controller wired to the fakes of tests/app/controller_fakes.py
(shared by the test_controller*.py modules).
"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture
def spool(tmp_path):
    """Where a test's recorder spools its dictations (made by the recorder when needed)."""
    return tmp_path / "data" / "recordings"


@pytest.fixture
def controller_parts(qtbot):
    """(controller, recorder, transcriber, inserter, states, notices): the last two list what
    ``state_changed`` and ``notice`` emitted. The insertion thread is let go and joined after."""
    from app.controller import DictationController
    from controller_fakes import FakeInserter, FakeRecorder, FakeTranscriber
    from desktop.chord import DEFAULT_CHORD, parse_chord

    recorder, transcriber, inserter = FakeRecorder(), FakeTranscriber(), FakeInserter()
    controller = DictationController(recorder, transcriber, inserter, parse_chord(DEFAULT_CHORD))
    transcriber.controller = controller
    states, notices = [], []
    controller.state_changed.connect(states.append)
    controller.notice.connect(notices.append)
    yield controller, recorder, transcriber, inserter, states, notices
    inserter.gate.set()
    controller.close()
