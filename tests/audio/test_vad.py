"""VAD: Silero runs on numpy without torch or onnxruntime, streams in any chunking, meets
F1 >= 0.9 in silence and in noise over the whole speech set; the gate's table. Its CPU share
(< 3 % of a core) is measured by bench/vad.py and recorded in docs/AUDIO.md, never asserted in
a test.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio.vad import FRAME_SAMPLES, EnergyVad, GateOptions, SileroVad, SpeechGate

REPO = Path(__file__).resolve().parents[2]
from bench import vad as vad_bench  # noqa: E402  (pytest puts the repo on sys.path: pyproject)

MIN_F1 = 0.9


@pytest.fixture(scope="module")
def silero() -> SileroVad:
    return SileroVad()


@pytest.fixture(scope="module")
def jfk(test_data) -> np.ndarray:
    return soundfile.read(test_data / "speech" / "jfk.wav", dtype="float32")[0]


def test_silero_needs_neither_torch_nor_onnxruntime():
    """A fresh interpreter runs the detector: the silero-vad package's torch import and
    onnxruntime (only the numpy network's test reference, tests/audio/test_silero_net.py) stay
    unloaded."""
    code = ("import sys, numpy as np; from audio.vad import SileroVad; "
            "SileroVad().process(np.zeros(16000, np.float32)); "
            "print(sorted(m for m in ('torch', 'onnxruntime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_chunked_equals_one_shot(jfk):
    whole = SileroVad().process(jfk[:48_000])
    vad = SileroVad()
    parts, start = [], 0
    for size in [100, 511, 513, 1, 5000, 320] * 20:
        result = vad.process(jfk[start:start + size])
        assert result.first_frame == sum(len(p) for p in parts)
        parts.append(result.probabilities)
        start += size
        if start >= 48_000:
            break
    got = np.concatenate(parts)[: len(whole.probabilities)]
    np.testing.assert_allclose(got, whole.probabilities[: len(got)], atol=1e-5)


def test_silence_is_not_speech_and_speech_is(silero, jfk):
    silero.reset()
    assert np.all(silero.process(np.zeros(32_000, np.float32)).probabilities < 0.1)
    silero.reset()
    speech = silero.process(jfk).probabilities
    assert len(speech) == len(jfk) // FRAME_SAMPLES
    assert np.mean(speech > 0.5) > 0.5


@pytest.mark.parametrize("condition", ["silence", "white@10", "pink@10", "brown@5"])
def test_silero_f1_on_the_speech_set(condition):
    score = vad_bench.evaluate(["silero"], conditions=[condition])[("silero", condition)]
    assert score.f1 >= MIN_F1, score


@pytest.mark.parametrize("probabilities, want", [
    ([0.1, 0.6, 0.4, 0.4, 0.1], [0, 1, 1, 1, 1]),             # release 0.35 keeps speech
    ([0.6, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], [1, 1, 1, 1, 1, 0, 0]),  # 4 frames of hangover
    ([0.4, 0.45, 0.49], [0, 0, 0]),                             # never reached threshold
    ([0.6, 0.1, 0.1, 0.7, 0.1], [1, 1, 1, 1, 1]),               # a short pause stays speech
])
def test_gate_table(probabilities, want):
    gate = SpeechGate(GateOptions(threshold=0.5, release=0.35, hangover_frames=4))
    assert gate.decide(np.array(probabilities)).astype(int).tolist() == want


def test_gate_state_carries_across_calls():
    gate = SpeechGate()
    assert gate.decide(np.array([0.9])).tolist() == [True]
    assert gate.decide(np.array([0.0])).tolist() == [True]  # still in hangover


def test_energy_baseline_on_tone_after_quiet():
    rng = np.random.default_rng(0)
    quiet = (rng.standard_normal(16_000) * 1e-3).astype(np.float32)
    tone = (0.3 * np.sin(np.arange(16_000) * 2 * np.pi * 300 / 16_000)).astype(np.float32)
    probabilities = EnergyVad().process(np.concatenate([quiet, tone])).probabilities
    assert np.all(probabilities[2:30] < 0.5) and np.all(probabilities[33:] > 0.5)
