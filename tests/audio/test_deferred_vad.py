"""DeferredVad: Silero built on a thread gives the same probabilities as one built in place; the
first use waits for (and if needed starts) the build; a failed build falls back to the energy
detector instead of failing the dictation. Real Silero model (numpy), real speech.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
import soundfile

from audio.deferred_vad import DeferredVad, check_available
from audio.vad import EnergyVad, SileroVad


@pytest.fixture(scope="module")
def jfk(test_data) -> np.ndarray:
    return soundfile.read(test_data / "speech" / "jfk.wav", dtype="float32")[0]


def probabilities(detector, samples: np.ndarray, chunk: int = 4000) -> np.ndarray:
    detector.reset()
    parts = [detector.process(samples[i:i + chunk]).probabilities
             for i in range(0, len(samples), chunk)]
    return np.concatenate(parts)


def test_silero_is_available_here():
    check_available()  # raises VadUnavailable when the silero-vad wheel or its model is missing


def test_built_on_a_thread_it_scores_speech_exactly_as_silero(jfk):
    deferred = DeferredVad()
    deferred.start()
    assert deferred.wait_built(60)
    expected = probabilities(SileroVad(), jfk)
    np.testing.assert_array_equal(probabilities(deferred, jfk), expected)
    assert (expected > 0.5).mean() > 0.3  # it is speech: the comparison means something


def test_first_use_waits_for_a_slow_build_and_loses_no_frames(jfk):
    release = threading.Event()

    def slow_silero():
        assert release.wait(60)
        return SileroVad()

    deferred = DeferredVad(slow_silero)
    deferred.start()
    assert not deferred.wait_built(0.05)
    release.set()  # the build finishes while (or before) process() waits for it
    got = deferred.process(jfk[:16000])
    assert got.first_frame == 0 and len(got.probabilities) == 16000 // 512


def test_used_before_it_was_started_it_builds_and_works(jfk):
    deferred = DeferredVad()  # never started: the first use starts the build
    assert len(deferred.process(jfk[:8192]).probabilities) == 16


def test_a_failed_build_falls_back_to_the_energy_detector(jfk, caplog):
    def broken():
        raise RuntimeError("the model file is damaged")

    deferred = DeferredVad(broken)
    deferred.start()
    np.testing.assert_array_equal(probabilities(deferred, jfk), probabilities(EnergyVad(), jfk))
    assert "the model file is damaged" in caplog.text
