"""Silero on numpy (audio/silero_net.py) answers as Silero on onnxruntime does. (That the app's
detector loads neither onnxruntime, ~47 MiB of the GUI process: docs/PERFORMANCE.md, "Memory and
idle CPU, session 3", nor torch: tests/audio/test_vad.py.)

The reference is onnxruntime running the wheel's ``silero_vad.onnx`` (the model the app used
before) on real speech from tests/data/speech and on noise, frame by frame with its recurrent
state, as the ONNX model's own example does. onnxruntime stays installed for this comparison only.
"""
from __future__ import annotations

import numpy as np
import pytest
import soundfile

from audio.silero_net import INPUT_SAMPLES, SileroNet, read_onnx_weights
from audio.vad import FRAME_SAMPLES, SileroVad, silero_model_path

#: float32 arithmetic in a different order (numpy's BLAS against onnxruntime's kernels).
TOLERANCE = 1e-5


def onnxruntime_probabilities(samples: np.ndarray) -> np.ndarray:
    ort = pytest.importorskip("onnxruntime")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(silero_model_path().parent / "silero_vad.onnx"),
                                   sess_options=options, providers=["CPUExecutionProvider"])
    state = np.zeros((2, 1, 128), np.float32)
    chunk = np.zeros((1, INPUT_SAMPLES), np.float32)
    context = INPUT_SAMPLES - FRAME_SAMPLES
    out = []
    for start in range(0, len(samples) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        chunk[0, :context] = chunk[0, -context:]
        chunk[0, context:] = samples[start:start + FRAME_SAMPLES]
        prob, state = session.run(None, {"input": chunk, "state": state,
                                         "sr": np.array(16000, np.int64)})
        out.append(prob[0, 0])
    return np.array(out, np.float32)


@pytest.mark.parametrize("clip", ["jfk.wav", "lj_LJ001-0001to0010_long.wav", "noise"])
def test_numpy_silero_matches_onnxruntime(test_data, clip):
    if clip == "noise":  # loud noise and silence: the recurrent state through non-speech
        rng = np.random.default_rng(5)
        samples = np.concatenate([rng.normal(0, 0.3, 48_000), np.zeros(16_000)]).astype(np.float32)
    else:
        samples = soundfile.read(test_data / "speech" / clip, dtype="float32")[0]
    expected = onnxruntime_probabilities(samples)
    got = SileroVad().process(samples).probabilities
    assert len(got) == len(expected) == len(samples) // FRAME_SAMPLES
    np.testing.assert_allclose(got, expected, atol=TOLERANCE)
    if clip != "noise":  # real speech: the comparison covers both answers
        assert (expected > 0.5).mean() > 0.3 and (expected < 0.5).mean() > 0.05


def test_the_weights_are_the_onnx_models():
    weights = read_onnx_weights(silero_model_path())
    assert weights["model.stft.forward_basis_buffer"].shape == (258, 1, 256)
    assert weights["model.decoder.rnn.weight_ih"].shape == (512, 128)
    assert len(weights) == 15


def test_a_file_without_the_weights_is_refused(tmp_path):
    broken = tmp_path / "silero.onnx"
    broken.write_bytes(b"\x3a\x00")  # a ModelProto with an empty graph
    with pytest.raises(KeyError):
        SileroNet(broken)
