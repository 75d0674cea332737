"""ggml's q8_0 and q5_1 block quantization, vectorised with numpy.

Both formats cut a row into blocks of 32 values. The bytes must be exactly what ggml's
reference quantizers (``quantize_row_q8_0_ref`` / ``quantize_row_q5_1_ref`` in
``ggml-quants.c``, which whisper.cpp's ``quantize`` tool uses) produce, so the arithmetic below
is done in float32 in the same order as ggml's, and the scales are rounded to float16 with
round-to-nearest-even exactly as ``GGML_FP32_TO_FP16`` does.

Block layouts (little-endian, no padding):

* q8_0, 34 bytes: fp16 ``d``, then 32 int8 ``q``; value = ``d * q``.
* q5_1, 24 bytes: fp16 ``d``, fp16 ``m``, uint32 ``qh`` (bit ``j`` is the 5th bit of value
  ``j``), 16 bytes ``qs`` (low nibble: value ``j``, high nibble: value ``j + 16``);
  value = ``d * q + m``.
"""
from __future__ import annotations

import numpy as np

BLOCK_SIZE = 32
Q8_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "i1", (BLOCK_SIZE,))])
Q5_1_BLOCK = np.dtype([("d", "<f2"), ("m", "<f2"), ("qh", "<u4"), ("qs", "u1", (BLOCK_SIZE // 2,))])

# Blocks quantized per numpy pass: bounds the float64 temporaries to ~50 MB for the largest
# Whisper tensors (the large-v3 token embedding has 2 million blocks).
_CHUNK_BLOCKS = 1 << 17


def _blocks(x: np.ndarray) -> np.ndarray:
    """View ``x`` (any shape, last axis a multiple of 32) as rows of 32 values, dtype kept."""
    x = np.asarray(x)
    if x.ndim == 0 or x.shape[-1] % BLOCK_SIZE:
        raise ValueError(f"the last axis must be a multiple of {BLOCK_SIZE}, got shape {x.shape}")
    return np.ascontiguousarray(x).reshape(-1, BLOCK_SIZE)


def _round_half_away(x: np.ndarray) -> np.ndarray:
    """C's ``roundf``: ties go away from zero (numpy's ``rint`` sends them to even).

    Done in float64 because ``floor(|x| + 0.5)`` is exact there for float32 inputs, whereas in
    float32 the addition itself can round 0.49999997 up to 1.
    """
    x = x.astype(np.float64)
    return np.copysign(np.floor(np.abs(x) + 0.5), x)


def _reciprocal(d: np.ndarray) -> np.ndarray:
    """``d ? 1.0f/d : 0.0f`` in float32, without a division-by-zero warning."""
    safe = np.where(d == 0, np.float32(1), d)
    return np.where(d == 0, np.float32(0), np.float32(1) / safe).astype(np.float32)


def _quantize_q8_0_blocks(x: np.ndarray) -> np.ndarray:
    out = np.empty(len(x), dtype=Q8_0_BLOCK)
    amax = np.abs(x).max(axis=1)
    d = (amax / np.float32(127)).astype(np.float32)
    scaled = x * _reciprocal(d)[:, None]
    out["d"] = d.astype(np.float16)
    out["qs"] = _round_half_away(scaled).astype(np.int8)
    return out


def _quantize_q5_1_blocks(x: np.ndarray) -> np.ndarray:
    out = np.empty(len(x), dtype=Q5_1_BLOCK)
    lo = x.min(axis=1)
    hi = x.max(axis=1)
    d = ((hi - lo) / np.float32(31)).astype(np.float32)
    scaled = (x - lo[:, None]) * _reciprocal(d)[:, None]
    # ggml adds 0.5f in float32 and truncates with a (uint8_t) cast: keep both steps, since the
    # float32 addition can round up a value just below .5 and that decides the nibble.
    q = np.trunc(scaled + np.float32(0.5)).astype(np.uint32)
    out["d"] = d.astype(np.float16)
    out["m"] = lo.astype(np.float16)
    half = BLOCK_SIZE // 2
    low = q & 0x0F
    out["qs"] = (low[:, :half] | (low[:, half:] << 4)).astype(np.uint8)
    fifth = (q >> 4) & 1
    shifts = np.arange(BLOCK_SIZE, dtype=np.uint32)  # value j -> bit j, j + 16 -> bit j + 16
    out["qh"] = (fifth << shifts).sum(axis=1, dtype=np.uint32)
    return out


def _quantize(x: np.ndarray, kernel) -> bytes:
    blocks = _blocks(x)
    # Widen to float32 one chunk at a time: an f16 weight is never copied whole.
    parts = [kernel(blocks[i:i + _CHUNK_BLOCKS].astype(np.float32))
             for i in range(0, len(blocks), _CHUNK_BLOCKS)]
    return b"".join(part.tobytes() for part in parts)


def quantize_q8_0(x: np.ndarray) -> bytes:
    """Quantize ``x`` row-major to ggml q8_0 blocks.

    Args:
        x: float16/float32 array whose last axis is a multiple of 32.

    Returns:
        ``x.size // 32 * 34`` bytes, identical to ggml's reference quantizer.
    """
    return _quantize(x, _quantize_q8_0_blocks)


def quantize_q5_1(x: np.ndarray) -> bytes:
    """Quantize ``x`` row-major to ggml q5_1 blocks (``x.size // 32 * 24`` bytes)."""
    return _quantize(x, _quantize_q5_1_blocks)


def dequantize_q8_0(data: bytes) -> np.ndarray:
    """Decode q8_0 blocks back to a flat float32 array (for checks and tests)."""
    blocks = np.frombuffer(data, dtype=Q8_0_BLOCK)
    return (blocks["d"].astype(np.float32)[:, None] * blocks["qs"]).reshape(-1)


def dequantize_q5_1(data: bytes) -> np.ndarray:
    """Decode q5_1 blocks back to a flat float32 array (for checks and tests)."""
    blocks = np.frombuffer(data, dtype=Q5_1_BLOCK)
    low = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.uint32)
    fifth = (blocks["qh"][:, None] >> np.arange(BLOCK_SIZE, dtype=np.uint32)) & 1
    q = (low | (fifth << 4)).astype(np.float32)
    d = blocks["d"].astype(np.float32)[:, None]
    m = blocks["m"].astype(np.float32)[:, None]
    return (q * d + m).reshape(-1)
