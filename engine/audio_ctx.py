"""How much of whisper.cpp's encoder window to use for a piece of audio (``audio_ctx``).

Whisper's encoder always works on a 30 s window of 1500 frames (20 ms each); whisper.cpp pads
shorter audio with silence and encodes all of it, so a 3 s segment costs as much as a 30 s one.
``audio_ctx`` limits the encoder to the first N frames. The model was trained on the full
window, so shrinking it too far makes the decoder drop or invent words near the end of the
audio; ``bench/audio_ctx.py`` measured where that starts on the speech set
(``docs/PERFORMANCE.md``, "audio_ctx"), and the rule here keeps a margin from it:

    ctx = round_up(ceil(seconds * 50) + MARGIN_FRAMES, STEP_FRAMES), at least MIN_FRAMES,
    and the full window (0, meaning 1500) once that reaches FULL_WINDOW.

A shrunken window must be decoded in one pass (``TranscribeOptions.single_segment``): otherwise
whisper.cpp often ends its first pass early and decodes the rest of the window again, and the
sentence comes out twice.

Any thread: pure functions.
"""
from __future__ import annotations

import math

#: Encoder frames per second of audio (one frame is 20 ms).
FRAMES_PER_SECOND = 50
#: The full window: 30 s.
FULL_WINDOW = 1500
#: Extra frames beyond the audio itself (bench/audio_ctx.py: see docs/PERFORMANCE.md).
MARGIN_FRAMES = 32
#: Rounding step; keeps the number of distinct encoder graph sizes small.
STEP_FRAMES = 64
#: Never below this: very short words need some silence after them too.
MIN_FRAMES = 256


def audio_ctx_for(seconds: float, margin_frames: int = MARGIN_FRAMES,
                  step_frames: int = STEP_FRAMES, min_frames: int = MIN_FRAMES) -> int:
    """The ``TranscribeOptions.audio_ctx`` for ``seconds`` of audio (0 = the full window).

    Args:
        seconds: Length of the audio to transcribe.
        margin_frames: Frames added beyond the audio's own length.
        step_frames: The result is a multiple of this (unless it is the full window).
        min_frames: Lower bound before rounding.

    Returns:
        A frame count in ``[min_frames, FULL_WINDOW)``, or 0 when the full window is needed.
    """
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    frames = max(min_frames, math.ceil(seconds * FRAMES_PER_SECOND) + margin_frames)
    if step_frames > 1:
        frames = -(-frames // step_frames) * step_frames
    return 0 if frames >= FULL_WINDOW else frames
