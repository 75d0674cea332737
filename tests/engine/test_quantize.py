"""q8_0 / q5_1: exact block bytes, agreement with a scalar reimplementation and with ggml itself."""
from __future__ import annotations

import ctypes
import struct
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest

from engine.quantize import dequantize_q5_1, dequantize_q8_0, quantize_q5_1, quantize_q8_0

F32 = np.float32


# --- A straightforward scalar reimplementation of ggml's reference quantizers -----------------
# Written from the block layout description, one value at a time, with Python's struct for the
# fp16 rounding and Decimal for C's roundf, so it shares no tricks with the vectorised version.

def _fp16(value) -> bytes:
    return struct.pack("<e", float(value))


def _c_roundf(value) -> int:
    return int(Decimal(float(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def scalar_q8_0(values) -> bytes:
    out = b""
    for start in range(0, len(values), 32):
        block = [F32(v) for v in values[start:start + 32]]
        amax = max(abs(v) for v in block)
        d = F32(amax / F32(127))
        inv = F32(F32(1) / d) if d != 0 else F32(0)
        out += _fp16(d) + struct.pack("<32b", *(_c_roundf(F32(v * inv)) for v in block))
    return out


def scalar_q5_1(values) -> bytes:
    out = b""
    for start in range(0, len(values), 32):
        block = [F32(v) for v in values[start:start + 32]]
        lo, hi = min(block), max(block)
        d = F32((hi - lo) / F32(31))
        inv = F32(F32(1) / d) if d != 0 else F32(0)
        q = [int(F32(F32((v - lo) * inv) + F32(0.5))) for v in block]  # int() truncates like C
        qh = sum(((qj >> 4) & 1) << j for j, qj in enumerate(q))
        qs = bytes((q[j] & 15) | ((q[j + 16] & 15) << 4) for j in range(16))
        out += _fp16(d) + _fp16(lo) + struct.pack("<I", qh) + qs
    return out


# --- Hand-made blocks with the exact bytes written out ----------------------------------------

RAMP = np.arange(32, dtype=np.float32)
HAND_CASES = [
    # name, quantizer, input, expected bytes
    ("q8_0 zeros", quantize_q8_0, np.zeros(32, np.float32), bytes(34)),
    ("q8_0 unit scale", quantize_q8_0, np.array([127, -127] + [0] * 30, np.float32),
     b"\x00\x3c" + struct.pack("<32b", 127, -127, *[0] * 30)),
    # d = 127/127 = 1, so 2.5 -> 3 and -2.5 -> -3 (away from zero, not to even).
    ("q8_0 ties", quantize_q8_0, np.array([127, 2.5, -2.5, 0.5, -0.5, 1.5] + [0] * 26, np.float32),
     b"\x00\x3c" + struct.pack("<32b", 127, 3, -3, 1, -1, 2, *[0] * 26)),
    ("q5_1 zeros", quantize_q5_1, np.zeros(32, np.float32), bytes(24)),
    # Constant block: d = 0, so every q is 0 and m carries the value (2.0 is 0x4000 in fp16).
    ("q5_1 constant", quantize_q5_1, np.full(32, 2.0, np.float32),
     b"\x00\x00" + b"\x00\x40" + bytes(4) + bytes(16)),
    # 0..31: d = 1, m = 0, q_j = j; the upper 16 values have the 5th bit set.
    ("q5_1 ramp", quantize_q5_1, RAMP,
     b"\x00\x3c" + b"\x00\x00" + struct.pack("<I", 0xFFFF0000) + bytes(17 * j for j in range(16))),
]


@pytest.mark.parametrize("name,quantize,values,expected", HAND_CASES, ids=[c[0] for c in HAND_CASES])
def test_hand_made_blocks(name, quantize, values, expected):
    assert quantize(values) == expected


def _random_inputs():
    rng = np.random.default_rng(1234)
    return {
        "normal": rng.standard_normal((4, 64)),
        "halves (many ties)": rng.integers(-300, 300, (4, 64)) / 2.0,
        "tiny": rng.standard_normal((2, 64)) * 1e-6,
        "one sign": np.abs(rng.standard_normal((2, 64))) + 3.0,
        "outlier": np.concatenate([rng.standard_normal((1, 63)), [[50.0]]], axis=1),
        "fp16 weights": (rng.standard_normal((3, 96)) * 0.05).astype(np.float16),
    }


@pytest.mark.parametrize("kind", list(_random_inputs()))
@pytest.mark.parametrize("vectorised,scalar", [(quantize_q8_0, scalar_q8_0), (quantize_q5_1, scalar_q5_1)],
                         ids=["q8_0", "q5_1"])
def test_matches_scalar_reimplementation(kind, vectorised, scalar):
    values = _random_inputs()[kind]
    assert vectorised(values) == scalar(np.asarray(values, np.float32).reshape(-1))


@pytest.mark.parametrize("quantize,dequantize,levels", [(quantize_q8_0, dequantize_q8_0, 127),
                                                        (quantize_q5_1, dequantize_q5_1, 31)],
                         ids=["q8_0", "q5_1"])
def test_round_trip_error_is_within_half_a_step(quantize, dequantize, levels):
    x = np.random.default_rng(7).standard_normal((64, 256)).astype(np.float32)
    blocks = x.reshape(-1, 32)
    restored = dequantize(quantize(x)).reshape(-1, 32)
    span = np.abs(blocks).max(axis=1) if levels == 127 else np.ptp(blocks, axis=1)
    step = span / levels
    # Half a step of rounding, plus the fp16 rounding of the scale (and of q5_1's minimum).
    bound = 0.5 * step + 2.0 ** -10 * (np.abs(blocks).max(axis=1) + step) + 1e-7
    assert (np.abs(restored - blocks).max(axis=1) <= bound).all()
    assert np.abs(restored - blocks).mean() < 0.3 * step.mean()


@pytest.mark.parametrize("quantize,block_bytes", [(quantize_q8_0, 34), (quantize_q5_1, 24)])
def test_size_and_shape_rules(quantize, block_bytes):
    assert len(quantize(np.ones((3, 64), np.float16))) == 6 * block_bytes
    with pytest.raises(ValueError):
        quantize(np.ones((2, 40), np.float32))


def _ggml_base_library() -> ctypes.CDLL | None:
    """ggml's own quantizers, from the libraries beside pywhispercpp's extension: in the wheel
    ``make setup`` builds, next to it; in PyPI's wheel, in ``pywhispercpp.libs``."""
    import _pywhispercpp

    site = Path(_pywhispercpp.__file__).resolve().parent
    for candidate in sorted([*site.glob("libggml-base*.so*"),
                             *(site / "pywhispercpp.libs").glob("libggml-base*.so*")]):
        lib = ctypes.CDLL(str(candidate))
        if hasattr(lib, "quantize_row_q8_0_ref") and hasattr(lib, "quantize_row_q5_1_ref"):
            return lib
    return None


@pytest.mark.parametrize("kind", list(_random_inputs()))
@pytest.mark.parametrize("function,quantize,block_bytes",
                         [("quantize_row_q8_0_ref", quantize_q8_0, 34),
                          ("quantize_row_q5_1_ref", quantize_q5_1, 24)], ids=["q8_0", "q5_1"])
def test_matches_ggml_reference_quantizer(kind, function, quantize, block_bytes):
    lib = _ggml_base_library()
    assert lib is not None, "ggml's library with its reference quantizers is not installed"
    values = np.ascontiguousarray(_random_inputs()[kind], dtype=np.float32).reshape(-1)
    out = ctypes.create_string_buffer(values.size // 32 * block_bytes)
    getattr(lib, function)(values.ctypes.data_as(ctypes.c_void_p), out, ctypes.c_int64(values.size))
    assert quantize(values) == out.raw
