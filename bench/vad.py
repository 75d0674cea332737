"""Measure voice-activity detectors: frame-level F1 in silence and in noise, and CPU share.

    .venv/bin/python bench/vad.py            # every clip, every condition, every detector
    .venv/bin/python bench/vad.py --quick    # a few clips (what tests/audio/test_vad.py runs)

The set: each speech clip of tests/data/speech, 1.5 s of background before and after, in
"silence" (dither at -90 dBFS), and in generated white, pink and brown noise at 10 dB and 5 dB
SNR (speech power over its active frames). Truth comes from the *clean* clip: 10 ms frames
within 35 dB of the clip's loudest frame are speech, and pauses shorter than 200 ms between
them count as speech too (a detector must not chop words at stop consonants). F1 is counted
over 10 ms frames. CPU share is process time over audio time, fed in 20 ms pushes like capture.

Detectors: Silero VAD (the app's choice; its ONNX weights run in numpy, audio/silero_net.py), the energy baseline of audio/vad.py,
and WebRTC's GMM VAD (``webrtcvad-wheels``, bench only) in modes 2 and 3.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio.vad import FRAME_SAMPLES, EnergyVad, GateOptions, SileroVad, SpeechGate  # noqa: E402
from bench.speech_set import load_clips  # noqa: E402

RATE = 16_000
LABEL_HOP = 160          # truth and scoring resolution: 10 ms
ACTIVE_BELOW_PEAK_DB = 35.0
BRIDGE_S = 0.2
PAD_S = 1.5
THRESHOLD = 0.5
CONDITIONS = ["silence", "white@10", "pink@10", "brown@10", "white@5", "pink@5", "brown@5"]
QUICK_CLIPS = ["jfk", "ls_1089-134686-0001", "arctic_a0024", "lj_LJ001-0024"]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    cpu_share: float


def speech_labels(clean: np.ndarray) -> np.ndarray:
    """Truth per 10 ms frame of a clean clip (see the module docstring)."""
    n = len(clean) // LABEL_HOP
    db = 10 * np.log10(np.mean(clean[: n * LABEL_HOP].reshape(n, LABEL_HOP) ** 2, 1) + 1e-12)
    active = db > db.max() - ACTIVE_BELOW_PEAK_DB
    idx = np.flatnonzero(active)
    bridge = int(BRIDGE_S * RATE / LABEL_HOP)
    for a, b in zip(idx[:-1], idx[1:]):
        if 1 < b - a <= bridge:
            active[a:b] = True
    return active


def noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """White, pink (1/f) or brown (1/f^2) noise of unit RMS."""
    white = rng.standard_normal(n)
    if kind != "white":
        spectrum = np.fft.rfft(white)
        f = np.maximum(np.fft.rfftfreq(n, 1 / RATE), 20.0)
        spectrum /= f ** (0.5 if kind == "pink" else 1.0)
        white = np.fft.irfft(spectrum, n)
    return white / np.sqrt(np.mean(white ** 2))


def make_item(clean: np.ndarray, condition: str, rng: np.random.Generator
              ) -> tuple[np.ndarray, np.ndarray]:
    """Audio with the clip embedded in ``condition``, and its 10 ms truth labels."""
    pad = int(PAD_S * RATE)
    speech = np.concatenate([np.zeros(pad), clean, np.zeros(pad)])
    labels = np.concatenate([np.zeros(pad // LABEL_HOP, bool), speech_labels(clean),
                             np.zeros(pad // LABEL_HOP + 1, bool)])
    active = np.repeat(speech_labels(clean), LABEL_HOP)
    speech_rms = np.sqrt(np.mean(clean[: len(active)][active] ** 2))
    if condition == "silence":
        background = noise("white", len(speech), rng) * 10 ** (-90 / 20)
    else:
        kind, snr = condition.split("@")
        background = noise(kind, len(speech), rng) * speech_rms * 10 ** (-float(snr) / 20)
    mix = (speech + background).astype(np.float32)
    return mix, labels[: len(mix) // LABEL_HOP]


def run_detector(process: Callable[[np.ndarray], np.ndarray], frame: int, audio: np.ndarray,
                 gate: GateOptions | None) -> tuple[np.ndarray, float]:
    """Decisions per 10 ms frame, and CPU seconds spent, feeding 20 ms pushes.

    ``gate`` None thresholds raw probabilities at 0.5; else ``SpeechGate`` decides, with its
    hangover scaled to the detector's frame length.
    """
    push = 320
    start = time.process_time()
    probs = np.concatenate([process(audio[i:i + push]) for i in range(0, len(audio), push)])
    if gate is None:
        decided = probs >= THRESHOLD
    else:
        frames = round(gate.hangover_frames * FRAME_SAMPLES / frame)
        decided = SpeechGate(GateOptions(gate.threshold, gate.release, frames)).decide(probs)
    cpu = time.process_time() - start
    per_sample = np.repeat(decided, frame)
    per_sample = np.pad(per_sample, (0, max(0, len(audio) - len(per_sample))))
    n = len(audio) // LABEL_HOP
    return per_sample[: n * LABEL_HOP].reshape(n, LABEL_HOP).mean(1) >= 0.5, cpu


def detectors() -> dict[str, tuple[Callable[[], Callable], int]]:
    """name -> (factory of a fresh ``process(samples) -> probabilities``, frame samples)."""
    def silero():
        return lambda x, v=SileroVad(): v.process(x).probabilities

    def energy():
        return lambda x, v=EnergyVad(): v.process(x).probabilities

    found = {"silero": (silero, FRAME_SAMPLES), "energy": (energy, FRAME_SAMPLES)}
    try:
        import webrtcvad
    except ImportError:
        return found

    def webrtc(mode):
        def make():
            vad, carry = webrtcvad.Vad(mode), [np.zeros(0, np.float32)]

            def process(x):
                buf = np.concatenate([carry[0], x])
                n = len(buf) // 480
                carry[0] = buf[n * 480:]
                pcm = (np.clip(buf[: n * 480], -1, 1) * 32767).astype(np.int16)
                return np.array([vad.is_speech(pcm[i * 480:(i + 1) * 480].tobytes(), RATE)
                                 for i in range(n)], dtype=np.float32)
            return process
        return make

    found["webrtc-2"] = (webrtc(2), 480)
    found["webrtc-3"] = (webrtc(3), 480)
    return found


def evaluate(names: list[str] | None = None, quick: bool = False,
             conditions: list[str] = CONDITIONS, gate: GateOptions | None = GateOptions()
             ) -> dict[tuple[str, str], Score]:
    """Score every detector in every condition over the clip set."""
    clips = [c for c in load_clips() if not quick or c.id in QUICK_CLIPS]
    audio = [soundfile.read(c.path, dtype="float32")[0] for c in clips]
    found = detectors()
    results = {}
    for condition in conditions:
        rng = np.random.default_rng(7)
        items = [make_item(a, condition, rng) for a in audio]
        for name in names or list(found):
            factory, frame = found[name]
            tp = fp = fn = 0
            cpu = seconds = 0.0
            for mix, truth in items:
                decided, spent = run_detector(factory(), frame, mix, gate)
                tp += int(np.sum(decided & truth))
                fp += int(np.sum(decided & ~truth))
                fn += int(np.sum(~decided & truth))
                cpu, seconds = cpu + spent, seconds + len(mix) / RATE
            precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
            f1 = 2 * precision * recall / max(precision + recall, 1e-9)
            results[(name, condition)] = Score(precision, recall, f1, cpu / seconds)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="four clips only")
    parser.add_argument("--raw", action="store_true", help="threshold 0.5, no SpeechGate")
    args = parser.parse_args()
    results = evaluate(quick=args.quick, gate=None if args.raw else GateOptions())
    print("| detector | condition | precision | recall | F1 | CPU % of one core |")
    print("|---|---|---|---|---|---|")
    for (name, condition), s in results.items():
        print(f"| {name} | {condition} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} "
              f"| {100 * s.cpu_share:.2f} |")


if __name__ == "__main__":
    main()
