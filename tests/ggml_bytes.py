"""Reading a ggml model file by hand, independently of engine/ggml_format.py, for the importer
tests (tests/engine/test_ct2_import.py, tests/engine/test_english_only_import.py). Imported as
``tests.ggml_bytes``."""
from __future__ import annotations

import struct
from pathlib import Path


def stored_vocabulary(path: Path) -> list[bytes]:
    """The vocabulary section of a ggml file: after the magic and 11 hparams, the mel filterbank
    (n_mel, n_fft, floats), then a count and length-prefixed tokens."""
    data = path.read_bytes()
    n_mel, n_fft = struct.unpack_from("<ii", data, 48)
    pos = 56 + 4 * n_mel * n_fft
    (count,) = struct.unpack_from("<i", data, pos)
    pos, tokens = pos + 4, []
    for _ in range(count):
        (length,) = struct.unpack_from("<i", data, pos)
        tokens.append(data[pos + 4:pos + 4 + length])
        pos += 4 + length
    return tokens
