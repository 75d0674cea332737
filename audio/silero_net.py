"""Silero VAD's network in numpy: the weights of its ONNX model and the same arithmetic, without
onnxruntime.

Why not onnxruntime: in the app's process its import and an inference session for this 1.3 MB
model cost ~47 MiB of resident memory (20 MiB of library, ~27 MiB the session builds) and two
threads, about a quarter of the GUI process (docs/PERFORMANCE.md, "Memory and idle CPU,
session 3"). The network is tiny — an STFT as a convolution, four 1-D convolutions with ReLU,
one LSTM cell, a 1x1 convolution and a sigmoid — so numpy runs a frame in well under 0.1 ms.

The weights are read from the ``silero-vad`` wheel's ``silero_vad_16k_op15.onnx`` (the 16 kHz
model on its own; its answers equal ``silero_vad.onnx``'s at 16 kHz) with a minimal reader of
protobuf's wire format: an ONNX file is a ``ModelProto`` whose graph (field 7) lists its weights
as ``TensorProto`` initializers (field 5: name 8, dims 1, data type 2, raw data 9). The layers
follow the wheel's ``tinygrad_model.py``. ``tests/audio/test_silero_net.py`` checks the
probabilities against onnxruntime running ``silero_vad.onnx`` on real speech.

Threads: ``SileroNet`` holds only read-only weights; the recurrent state is the caller's.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

#: The ONNX file in the wheel's data folder whose weights are used.
WEIGHTS_FILE = "silero_vad_16k_op15.onnx"
#: Input of one call: 64 samples of context, then a 512-sample frame.
INPUT_SAMPLES = 576
_HOP, _PAD, _BINS = 128, 64, 129
#: (initializer prefix, stride) of the four convolutions: kernel 3, padding 1, then ReLU.
_CONVS = tuple((f"model.encoder.{n}.reparam_conv", stride) for n, stride in enumerate((1, 2, 2, 1)))
_FLOAT, _RAW, _NAME, _DIMS, _TYPE = 1, 9, 8, 1, 2  # TensorProto: float type, field numbers


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _fields(data: bytes):
    """``(field number, value)`` of one protobuf message: ints for varints, bytes otherwise."""
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i:i + size], i + size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, i = data[i:i + size], i + size
        else:
            raise ValueError(f"protobuf wire type {wire} is not used by ONNX files")
        yield number, value


def read_onnx_weights(path: Path) -> dict[str, np.ndarray]:
    """The float32 initializers (with raw data) of an ONNX file's main graph, by name."""
    data = memoryview(Path(path).read_bytes())
    graph = next(value for number, value in _fields(data) if number == 7)
    weights = {}
    for number, value in _fields(graph):
        if number != 5:
            continue
        tensor = dict.fromkeys((_NAME, _TYPE, _RAW))
        dims = []
        for field, item in _fields(value):
            if field == _DIMS:
                dims.append(item)
            elif field in tensor:
                tensor[field] = item
        if tensor[_TYPE] == _FLOAT and tensor[_RAW] is not None:
            weights[bytes(tensor[_NAME]).decode()] = np.frombuffer(
                tensor[_RAW], dtype="<f4").reshape(dims).copy()
    return weights


class SileroNet:
    """The network with its weights loaded.

    Args:
        model_path: ``silero_vad_16k_op15.onnx`` (or an ONNX file with the same initializers).

    Raises:
        KeyError: a weight is missing from the file.
    """

    def __init__(self, model_path: Path) -> None:
        w = read_onnx_weights(model_path)
        basis = w["model.stft.forward_basis_buffer"][:, 0, :].T  # (256 samples, 258)
        # A 256-sample window at hop 128 is two consecutive 128-sample blocks: one product each.
        self._stft_a = np.ascontiguousarray(basis[:_HOP])
        self._stft_b = np.ascontiguousarray(basis[_HOP:])
        # Kernel-3 convolution = the three shifted inputs side by side times one matrix whose
        # rows are (kernel tap, input channel): torch's (out, in, tap) weight transposed.
        self._convs = [(np.ascontiguousarray(w[f"{name}.weight"].transpose(2, 1, 0).reshape(
            -1, len(w[f"{name}.weight"]))), w[f"{name}.bias"], stride) for name, stride in _CONVS]
        # The LSTM cell's two products as one: [x, h] @ [W_ih; W_hh].T (gates i, f, g, o).
        self._lstm_w = np.ascontiguousarray(np.concatenate(
            [w["model.decoder.rnn.weight_ih"], w["model.decoder.rnn.weight_hh"]], axis=1).T)
        self._lstm_b = w["model.decoder.rnn.bias_ih"] + w["model.decoder.rnn.bias_hh"]
        self._final_w = w["model.decoder.decoder.2.weight"][0, :, 0]
        self._final_b = float(w["model.decoder.decoder.2.bias"][0])

    def step(self, chunk: np.ndarray, state: np.ndarray) -> tuple[float, np.ndarray]:
        """One frame.

        Args:
            chunk: ``INPUT_SAMPLES`` float32 samples (64 of context, then the frame).
            state: (2, 1, 128) float32, the LSTM's h and c after the previous frame (zeros at
                the start): the ONNX model's ``state`` input and output.

        Returns:
            The speech probability and the new state.
        """
        x = chunk.reshape(-1)
        # Reflection padding on the right (the edge sample itself is not repeated).
        blocks = np.concatenate([x, x[-_PAD - 1:-1][::-1]]).reshape(-1, _HOP)
        spec = blocks[:-1] @ self._stft_a + blocks[1:] @ self._stft_b  # 4 windows x 258
        x = np.sqrt(spec[:, :_BINS] ** 2 + spec[:, _BINS:] ** 2)
        for weight, bias, stride in self._convs:
            padded = np.zeros((len(x) + 2, x.shape[1]), dtype=np.float32)
            padded[1:-1] = x
            end = len(padded) - 2
            taps = np.concatenate([padded[k:k + end:stride] for k in range(3)], axis=1)
            x = np.maximum(taps @ weight + bias, 0.0)
        h, c = state[0, 0], state[1, 0]
        gates = np.concatenate([x[0], h]) @ self._lstm_w + self._lstm_b
        i, f, g, o = _sigmoid(gates[:128]), _sigmoid(gates[128:256]), np.tanh(gates[256:384]), \
            _sigmoid(gates[384:])
        c = f * c + i * g
        h = o * np.tanh(c)
        logit = float(np.maximum(h, 0.0) @ self._final_w) + self._final_b
        new_state = np.empty((2, 1, 128), dtype=np.float32)
        new_state[0, 0], new_state[1, 0] = h, c
        return 1.0 / (1.0 + np.exp(-logit)), new_state


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
