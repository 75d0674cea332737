"""engine.audio_ctx: the encoder size rule (table-driven; the margin itself is measured by
bench/audio_ctx.py, see docs/PERFORMANCE.md)."""
from __future__ import annotations

import pytest

from engine.audio_ctx import FULL_WINDOW, MARGIN_FRAMES, MIN_FRAMES, STEP_FRAMES, audio_ctx_for


@pytest.mark.parametrize("seconds", [0.0, 0.5, 1.0, 2.0, 4.46, 5.0, 10.0, 17.3, 20.0, 25.0])
def test_covers_the_audio_plus_the_margin_in_steps(seconds):
    ctx = audio_ctx_for(seconds)
    assert ctx % STEP_FRAMES == 0 and ctx >= MIN_FRAMES
    assert ctx >= seconds * 50 + MARGIN_FRAMES
    assert ctx - STEP_FRAMES < max(MIN_FRAMES, seconds * 50 + MARGIN_FRAMES)


@pytest.mark.parametrize("seconds", [29.0, 29.5, 30.0, 45.0, 600.0])
def test_long_audio_gets_the_full_window(seconds):
    assert audio_ctx_for(seconds) == 0


def test_table():
    got = [audio_ctx_for(s, 32, 64, 256) for s in (1, 5, 5.2, 10, 20)]
    assert got == [256, 320, 320, 576, 1088]
    assert audio_ctx_for(4.0, 0, 1, 0) == 200
    assert audio_ctx_for(40.0) == 0 and FULL_WINDOW == 1500


def test_negative_is_refused():
    with pytest.raises(ValueError):
        audio_ctx_for(-1)
