"""Per-frame voice activity: is this 32 ms of 16 kHz audio speech?

Used to find pauses while dictating, to trim silence, and to refuse to transcribe silence or
noise (Whisper invents "Thank you." on silence). ``SileroVad`` is the detector the app uses;
``EnergyVad`` is the baseline it was measured against (``bench/vad.py``, ``docs/AUDIO.md``):
Silero keeps F1 >= 0.9 in noise where the energy detector collapses, at ~1 % of a core.

Silero's weights come from the ``silero-vad`` wheel, installed *without* its dependencies (it
declares torch, which the app never needs); ``audio/silero_net.py`` runs the network in numpy
(onnxruntime cost the app's process ~47 MiB for it; the answers are the same to 1e-5, checked
against onnxruntime in tests/audio/test_silero_net.py). The package is located with
``importlib.util.find_spec``, which does not execute its ``__init__`` (that one imports torch).

Threads: a detector keeps recurrent state, so each instance belongs to one thread (the
segmenter's); make one per stream.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.resample import TARGET_RATE
from audio.silero_net import INPUT_SAMPLES, WEIGHTS_FILE, SileroNet

#: Silero's frame at 16 kHz (32 ms); EnergyVad uses the same so results line up.
FRAME_SAMPLES = 512
_SILERO_CONTEXT = INPUT_SAMPLES - FRAME_SAMPLES  # v5+ sees the previous frame's last 64 too
#: EnergyVad's noise floor rises this much per frame while frames are louder (0.5 dB/s).
_FLOOR_RISE_DB = 0.5 * FRAME_SAMPLES / TARGET_RATE


class VadUnavailable(RuntimeError):
    """The Silero model is not installed."""


@dataclass(frozen=True)
class VadResult:
    """Speech probabilities of the frames completed by one ``process`` call.

    Attributes:
        probabilities: One value in [0, 1] per frame of ``FRAME_SAMPLES`` samples.
        first_frame: Index (counted from the detector's start or reset) of the first one.
    """

    probabilities: np.ndarray
    first_frame: int


def silero_model_path() -> Path:
    """Where the ``silero-vad`` wheel put the ONNX model whose weights ``SileroNet`` reads."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise VadUnavailable("the silero-vad package is not installed "
                             "(pip install --no-deps silero-vad)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / WEIGHTS_FILE
    if not path.is_file():
        raise VadUnavailable(f"silero-vad is installed but {path} is missing")
    return path


class _Framer:
    """Cuts a stream into FRAME_SAMPLES frames, keeping the remainder for the next call."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._carry = np.zeros(0, dtype=np.float32)
        self.frames_done = 0

    def frames(self, samples: np.ndarray) -> np.ndarray:
        buf = np.concatenate([self._carry, np.asarray(samples, dtype=np.float32)])
        n = len(buf) // FRAME_SAMPLES
        self._carry = buf[n * FRAME_SAMPLES:]
        return buf[: n * FRAME_SAMPLES].reshape(n, FRAME_SAMPLES)


class SileroVad:
    """Silero VAD v5/v6 on numpy (``audio/silero_net.py``), 16 kHz.

    Args:
        model_path: The ONNX file to read the weights from; defaults to the one the
            ``silero-vad`` wheel ships (``silero_model_path``).
    """

    def __init__(self, model_path: Path | None = None) -> None:
        self._net = SileroNet(model_path or silero_model_path())
        self._framer = _Framer()
        self.reset()

    def reset(self) -> None:
        """Forget the recurrent state (start of a new, unrelated stream)."""
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._input = np.zeros((1, _SILERO_CONTEXT + FRAME_SAMPLES), dtype=np.float32)
        self._framer.reset()

    def process(self, samples: np.ndarray) -> VadResult:
        """Feed 16 kHz samples; get the probability of each frame they completed."""
        first = self._framer.frames_done
        frames = self._framer.frames(samples)
        out = np.empty(len(frames), dtype=np.float32)
        for i, frame in enumerate(frames):
            self._input[0, :_SILERO_CONTEXT] = self._input[0, -_SILERO_CONTEXT:]
            self._input[0, _SILERO_CONTEXT:] = frame
            out[i], self._state = self._net.step(self._input, self._state)
        self._framer.frames_done += len(frames)
        return VadResult(probabilities=out, first_frame=first)


@dataclass(frozen=True)
class GateOptions:
    """Turns probabilities into speech/non-speech decisions, causally.

    Attributes:
        threshold: A frame at or above this starts speech.
        release: Speech continues while frames stay at or above this (hysteresis, as Silero's
            own ``get_speech_timestamps`` uses threshold - 0.15).
        hangover_frames: Frames below ``release`` still counted as speech before it ends, so
            stop consonants and short pauses do not split words (4 frames = 128 ms).
    """

    threshold: float = 0.5
    release: float = 0.35
    hangover_frames: int = 4


class SpeechGate:
    """Streaming hysteresis + hangover over per-frame probabilities. One thread per instance.

    Args:
        options: See ``GateOptions``.
    """

    def __init__(self, options: GateOptions = GateOptions()) -> None:
        self.options = options
        self.reset()

    def reset(self) -> None:
        self._speaking = False
        self._quiet_frames = 0

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """Speech decision (bool) for each frame, in order."""
        o = self.options
        out = np.empty(len(probabilities), dtype=bool)
        for i, p in enumerate(probabilities):
            if not self._speaking:
                self._speaking = p >= o.threshold
                self._quiet_frames = 0
            elif p >= o.release:
                self._quiet_frames = 0
            else:
                self._quiet_frames += 1
                self._speaking = self._quiet_frames <= o.hangover_frames
            out[i] = self._speaking
        return out


class EnergyVad:
    """Baseline: frame energy against a tracked noise floor (no model).

    Args:
        margin_db: How far above the noise floor a frame must be to count as speech.
        min_dbfs: Frames quieter than this are never speech.
    """

    def __init__(self, margin_db: float = 9.0, min_dbfs: float = -55.0) -> None:
        self.margin_db, self.min_dbfs = margin_db, min_dbfs
        self._framer = _Framer()
        self.reset()

    def reset(self) -> None:
        """Forget the noise floor and any buffered samples."""
        self._floor_db: float | None = None
        self._framer.reset()

    def process(self, samples: np.ndarray) -> VadResult:
        """Feed 16 kHz samples; get a pseudo-probability for each frame they completed."""
        first = self._framer.frames_done
        frames = self._framer.frames(samples)
        energy = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
        out = np.empty(len(frames), dtype=np.float32)
        for i, e in enumerate(energy):
            # The floor follows quiet frames at once and loud ones slowly, so it settles on
            # the background between words rather than on the speech.
            floor = e if self._floor_db is None else self._floor_db
            floor = e if e < floor else floor + _FLOOR_RISE_DB
            self._floor_db = floor
            excess = min(e - floor, e - self.min_dbfs) - self.margin_db
            out[i] = 1.0 / (1.0 + np.exp(-excess))
        self._framer.frames_done += len(frames)
        return VadResult(probabilities=out, first_frame=first)
