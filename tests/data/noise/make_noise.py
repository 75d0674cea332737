"""Build the speech-free clips of tests/data/noise: what Murmur must never turn into text.

    .venv/bin/python tests/data/noise/make_noise.py      # rewrites the WAVs and manifest.tsv

Every clip is 16 kHz mono 16-bit PCM WAV, a few seconds long. Generated clips come from numpy
with a fixed seed per clip, so a run writes the same samples every time; recorded clips are cut
from the speech-free parts of the real recordings in tests/data/speech (licences in
tests/data/speech/README.md) and from CPython's test data (PSF licence). README.md says how each
was made; manifest.tsv lists them with their source and licence.

Levels are RMS in dBFS (0 dBFS = a full-scale sine's RMS is -3 dBFS). A dictation microphone's
room tone sits around -60 to -45 dBFS, speech around -25 to -15 dBFS.

Numpy only (no scipy in the app's environment): filters are shaped in the frequency domain.
"""
from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

RATE = 16_000
HERE = Path(__file__).resolve().parent
SPEECH = HERE.parent / "speech"
#: CPython's own test recording of a plucked string (any CPython 3 source tree has it).
PLUCK_NAME = "pluck-pcm16.wav"
GENERATED = "generated here (numpy, seeded); no third-party material"


@dataclass(frozen=True)
class NoiseClip:
    id: str
    kind: str  # "generated" or "recorded"
    what: str
    source: str
    licence: str
    make: Callable[[np.random.Generator], np.ndarray]
    seed: int | None = None  # None: 1000 + the clip's index


# ---- building blocks ----------------------------------------------------------------------------
def db(level_dbfs: float) -> float:
    return 10 ** (level_dbfs / 20)


def at_level(x: np.ndarray, level_dbfs: float) -> np.ndarray:
    rms = np.sqrt(np.mean(x.astype(np.float64) ** 2)) or 1.0
    return (x * (db(level_dbfs) / rms)).astype(np.float32)


def shaped_noise(rng: np.random.Generator, seconds: float, slope_db_per_octave: float,
                 low_hz: float = 20.0, high_hz: float = 7900.0) -> np.ndarray:
    """Gaussian noise with a power slope (0 white, -3 pink, -6 brown) between two corners."""
    n = int(seconds * RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    gain = np.zeros_like(f)
    band = (f >= low_hz) & (f <= high_hz)
    gain[band] = (f[band] / 1000.0) ** (slope_db_per_octave / 20 / np.log10(2))
    return np.fft.irfft(spectrum * gain, n).astype(np.float32)


def band_noise(rng: np.random.Generator, n: int, low_hz: float, high_hz: float) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    spectrum[(f < low_hz) | (f > high_hz)] = 0
    out = np.fft.irfft(spectrum, n)
    return (out / (np.std(out) or 1.0)).astype(np.float32)


def room_tone(rng: np.random.Generator, seconds: float, level_dbfs: float = -58.0) -> np.ndarray:
    """A quiet room: mostly low rumble (pink below 300 Hz), a little hiss on top."""
    rumble = at_level(shaped_noise(rng, seconds, -6.0, 20, 300), level_dbfs - 1)
    hiss = at_level(shaped_noise(rng, seconds, -1.5, 300, 7900), level_dbfs - 8)
    return rumble + hiss


def click(rng: np.random.Generator, ms: float, low_hz: float, high_hz: float,
          decay_ms: float) -> np.ndarray:
    """A sharp transient: band-limited noise with an instant attack and exponential decay."""
    n = int(ms * RATE / 1000)
    envelope = np.exp(-np.arange(n) / (decay_ms * RATE / 1000))
    return band_noise(rng, n, low_hz, high_hz) * envelope.astype(np.float32)


def place(out: np.ndarray, sound: np.ndarray, at_s: float, gain: float) -> None:
    i = int(at_s * RATE)
    j = min(len(out), i + len(sound))
    if i < len(out):
        out[i:j] += gain * sound[:j - i]


def smooth_envelope(n: int, attack: float, release: float) -> np.ndarray:
    """Raised-cosine rise over ``attack`` and fall over ``release`` (fractions of ``n``)."""
    t = np.linspace(0, 1, n, endpoint=False)
    env = np.ones(n)
    rise, fall = t < attack, t > 1 - release
    env[rise] = 0.5 - 0.5 * np.cos(np.pi * t[rise] / attack)
    env[fall] = 0.5 - 0.5 * np.cos(np.pi * (1 - t[fall]) / release)
    return env.astype(np.float32)


def clip_to(x: np.ndarray, seconds: float) -> np.ndarray:
    n = int(seconds * RATE)
    return np.pad(x, (0, max(0, n - len(x))))[:n]


# ---- generated clips ----------------------------------------------------------------------------
def digital_silence(rng):
    return np.zeros(2 * RATE, np.float32)


def dither(rng):
    # What an idle 16-bit converter delivers: TPDF dither of about one bit.
    return ((rng.random(2 * RATE) - rng.random(2 * RATE)) / 32768).astype(np.float32)


def coloured(slope: float, level: float, seconds: float = 3.0):
    return lambda rng: at_level(shaped_noise(rng, seconds, slope), level)


def mains_hum(base_hz: float, level: float):
    def make(rng):
        t = np.arange(3 * RATE) / RATE
        tone = sum(a * np.sin(2 * np.pi * base_hz * k * t + rng.uniform(0, 2 * np.pi))
                   for k, a in ((1, 1.0), (2, 0.5), (3, 0.35), (5, 0.2), (7, 0.1)))
        return at_level(tone, level) + room_tone(rng, 3.0)
    return make


def fan(rng):
    # Broadband air noise plus the blade-pass tone (~ 110 Hz) and its slow wobble.
    t = np.arange(3 * RATE) / RATE
    air = at_level(shaped_noise(rng, 3.0, -4.5, 40, 6000), -38)
    wobble = 1 + 0.2 * np.sin(2 * np.pi * 0.7 * t)
    blade = at_level(np.sin(2 * np.pi * 110 * t) * wobble + 0.4 * np.sin(2 * np.pi * 220 * t),
                     -42)
    return air + blade


def keyboard(rng, seconds=3.5, rate_per_s=7.0, level=-18.0):
    """Typing: each key a press click and, 60-110 ms later, a softer release click."""
    out = room_tone(rng, seconds)
    t = rng.uniform(0.1, 0.3)
    while t < seconds - 0.2:
        gain = db(level + rng.uniform(-5, 3))
        place(out, click(rng, 25, 1500, 7500, rng.uniform(2, 4)), t, gain)
        place(out, click(rng, 20, 1000, 6000, 2), t + rng.uniform(0.06, 0.11), gain * 0.5)
        if rng.random() < 0.12:  # the space bar: a deeper thunk
            place(out, click(rng, 40, 200, 2500, 6), t, gain * 0.8)
        t += rng.exponential(1 / rate_per_s) + 0.04
        if rng.random() < 0.08:
            t += rng.uniform(0.3, 0.8)  # a pause to think
    return out


def mouse_clicks(rng):
    out = room_tone(rng, 3.0)
    for at in (0.4, 0.55, 1.5, 2.3, 2.42):
        place(out, click(rng, 15, 2000, 7800, 1.0), at, db(-20))
        place(out, click(rng, 12, 2500, 7800, 0.8), at + 0.09, db(-26))
    return out


def door_knock(rng):
    """Three knuckle knocks: a damped low resonance (the door panel) plus a short tap."""
    out = room_tone(rng, 3.0)
    n = int(0.25 * RATE)
    t = np.arange(n) / RATE
    for at in (0.6, 0.85, 1.1, 2.0, 2.25):
        thump = (np.sin(2 * np.pi * 140 * t) + 0.6 * np.sin(2 * np.pi * 310 * t + 1.0)) \
            * np.exp(-t / 0.035)
        tap = click(rng, 10, 800, 5000, 1.5)
        place(out, thump.astype(np.float32), at, db(-12))
        place(out, tap, at, db(-22))
    return out


def formant_filter(x: np.ndarray, formants: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    """``x`` through a vocal-tract-like resonance set: (centre Hz, bandwidth Hz, gain) each."""
    n = len(x)
    f = np.fft.rfftfreq(n, 1 / RATE)
    gain = sum(a / (1 + ((f - fc) / (bw / 2)) ** 2) for fc, bw, a in formants)
    return np.fft.irfft(np.fft.rfft(x) * gain, n).astype(np.float32)


#: A neutral open vowel's first three formants: breath and cough noise pass through the same
#: tract, which is what makes them hard (they share speech's spectral envelope).
TRACT = ((700.0, 400.0, 1.0), (1200.0, 500.0, 0.7), (2600.0, 600.0, 0.4))


def breathing(rng):
    """Two close-mic breaths, each an inhale and an exhale: aspiration noise (an unvoiced /h/)
    through the vocal tract's resonances, with smooth swells."""
    out = room_tone(rng, 4.0)
    for start, length, level in ((0.2, 0.9, -28), (1.2, 1.0, -30), (2.3, 0.8, -29),
                                 (3.0, 0.95, -31)):
        n = int(length * RATE)
        burst = formant_filter(rng.standard_normal(n), TRACT) * smooth_envelope(n, 0.35, 0.5)
        place(out, at_level(burst, level), start, 1.0)
    return out


def glottal_pulses(rng, n: int, f0_start: float, fall: float, open_quotient: float):
    """A pulse train whose pitch falls by ``fall`` (a fraction) and jitters like a real voice."""
    t = np.arange(n) / RATE
    f0 = f0_start * (1 - fall * t / t[-1]) + 15 * rng.standard_normal(n).cumsum() / np.sqrt(n)
    return ((np.cumsum(f0) / RATE) % 1 < open_quotient).astype(np.float32)


def cough(rng):
    """Two voiced coughs: a 4 ms explosive attack, then ~0.1 s of rough voicing (220 Hz
    falling) through the vocal tract, decaying. Voicing is what makes a VAD call it speech."""
    out = room_tone(rng, 3.0)
    for at in (0.5, 1.5):
        n = int(0.4 * RATE)
        t = np.arange(n) / RATE
        envelope = np.minimum(1, t / 0.004) * np.exp(-t / 0.11)
        source = 0.6 * glottal_pulses(rng, n, 220, 0.25, 0.05) * (t > 0.03) \
            + 0.4 * band_noise(rng, n, 200, 7000) * 0.05
        burst = formant_filter(source, ((600, 150, 1.0), (1100, 200, 0.6), (2500, 300, 0.3)))
        burst = burst + band_noise(rng, n, 1000, 7000) * 0.02 * np.exp(-t / 0.03)
        place(out, at_level((burst * envelope).astype(np.float32), -14), at, 1.0)
    return out


def cough_dry(rng):
    """Two dry coughs: an explosive noisy burst with a rasp of square pulses (~ 180 Hz)."""
    out = room_tone(rng, 3.0)
    for at, level in ((0.5, -14), (1.6, -16)):
        n = int(0.35 * RATE)
        t = np.arange(n) / RATE
        env = np.minimum(1, t / 0.005) * np.exp(-t / 0.09)
        noise = band_noise(rng, n, 300, 6000)
        f0 = 180 * (1 - 0.3 * t / t[-1])  # pitch falls through the cough
        pulses = np.sign(np.sin(2 * np.pi * np.cumsum(f0) / RATE)) * 0.5
        rasp = band_noise(rng, n, 100, 2000) * 0.3 + pulses * (t > 0.03) * 0.4
        burst = (noise * 0.8 + rasp) * env
        place(out, at_level(burst.astype(np.float32), level), at, 1.0)
    return out


def sigh(rng):
    """A breathy sigh: weak voicing (170 Hz falling) in much breath noise, 1.2 s."""
    out = room_tone(rng, 3.0)
    n = int(1.2 * RATE)
    source = 0.25 * glottal_pulses(rng, n, 170, 0.3, 0.1) + rng.standard_normal(n) * 0.05
    voice = formant_filter(source, ((700, 200, 1.0), (1200, 250, 0.6), (2600, 300, 0.3)))
    place(out, at_level(voice * smooth_envelope(n, 0.2, 0.7), -26), 0.8, 1.0)
    return out


def desk(rng):
    """A desk between sentences: fan, some typing, a mouse click, one breath."""
    out = fan(rng)[: 3 * RATE] * 0.5 + keyboard(rng, 3.0, 5.0, -22)
    n = int(0.9 * RATE)
    place(out, at_level(band_noise(rng, n, 300, 3500) * smooth_envelope(n, 0.4, 0.5), -36), 1.8, 1)
    place(out, click(rng, 15, 2000, 7800, 1.0), 1.2, db(-22))
    return out


# ---- recorded clips -----------------------------------------------------------------------------
def speech_free_parts(name: str, head_s: float, tail_s: float) -> list[np.ndarray]:
    """The first ``head_s`` and the last ``tail_s`` seconds of a speech clip.

    The lengths were chosen by ear and checked with Silero VAD (every 32 ms frame < 0.2) and
    with the energy envelope: each part ends at least 0.2 s before the first word starts, or
    starts 0.2 s after the last word ends. ``tests/faults/test_nothing_invented.py`` checks the
    VAD part again on the written clip.
    """
    x, rate = soundfile.read(SPEECH / name, dtype="float32")
    assert rate == RATE and x.ndim == 1, name
    parts = []
    if head_s:
        parts.append(x[: int(head_s * RATE)])
    if tail_s:
        parts.append(x[len(x) - int(tail_s * RATE):])
    return parts


def joined(parts: list[np.ndarray], seconds: float, fade_ms: float = 20.0) -> np.ndarray:
    """Parts end to end with short crossfades (no clicks at the joins), repeated to ``seconds``."""
    fade = int(fade_ms * RATE / 1000)
    ramp = np.linspace(0, 1, fade, dtype=np.float32)
    out = parts[0].copy()
    i = 1
    while len(out) < seconds * RATE:
        part = parts[i % len(parts)]
        i += 1
        out[-fade:] = out[-fade:] * (1 - ramp) + part[:fade] * ramp
        out = np.concatenate([out, part[fade:]])
    return out[: int(seconds * RATE)]


def room_tone_librispeech(rng):
    # Heads of LibriSpeech clips (each a different recording room) before the first word.
    parts = [p for name, head, tail in (("ls_1089-134686-0000.wav", 0.30, 0),
                                        ("ls_1272-141231-0002.wav", 0.28, 0.18),
                                        ("ls_4507-16021-0012.wav", 0.36, 0),
                                        ("ls_8455-210777-0068.wav", 0.38, 0),
                                        ("ls_1272-128104-0000.wav", 0.32, 0),
                                        ("ls_1089-134691-0000.wav", 0.36, 0))
             for p in speech_free_parts(name, head, tail)]
    return joined(parts, 3.0)


def room_tone_picovoice(rng):
    return joined(speech_free_parts("pv_cheetah_test_en.wav", 0.52, 0.62), 2.0)


def room_tone_8k(rng):
    # The telephone-band clip's quiet tail (an 8 kHz recording, upsampled) and its head.
    return joined(speech_free_parts("ls_1272-128104-0004_8k.wav", 0.30, 0.0)
                  + speech_free_parts("ls_1272-141231-0002.wav", 0.28, 0.18), 3.0)


def pluck(rng):
    """CPython's recorded pluck (0.3 s, 11.025 kHz stereo), three times, over room tone."""
    path = next((p for p in sorted(Path(sys.base_prefix).glob(f"lib/python3*/test/audiodata/"
                                                             f"{PLUCK_NAME}"))), None)
    if path is None:
        raise SystemExit(f"{PLUCK_NAME} not found under {sys.base_prefix}/lib/python3*/test")
    x, rate = soundfile.read(path, dtype="float32")
    x = x.mean(axis=1) if x.ndim == 2 else x
    # Linear-phase FFT resampling to 16 kHz: exact enough for a test clip, no scipy/soxr needed.
    n = int(round(len(x) * RATE / rate))
    x = np.fft.irfft(np.fft.rfft(x), n) * (n / len(x))
    out = room_tone(rng, 3.0)
    for at in (0.3, 1.2, 2.1):
        place(out, x.astype(np.float32), at, 0.5)
    return out


CLIPS = [
    NoiseClip("silence_digital", "generated", "digital silence (all zeros), 2 s", GENERATED,
              "CC0", digital_silence),
    NoiseClip("silence_dither", "generated", "idle 16-bit converter: TPDF dither of ~1 LSB",
              GENERATED, "CC0", dither),
    NoiseClip("room_tone_low", "generated", "quiet room: low rumble + hiss, -58 dBFS",
              GENERATED, "CC0", lambda rng: room_tone(rng, 3.0)),
    NoiseClip("white_-50", "generated", "white noise, -50 dBFS", GENERATED, "CC0",
              coloured(0.0, -50, 2.0)),
    NoiseClip("white_-30", "generated", "white noise, -30 dBFS (loud hiss)", GENERATED, "CC0",
              coloured(0.0, -30)),
    NoiseClip("pink_-40", "generated", "pink noise, -40 dBFS", GENERATED, "CC0",
              coloured(-3.0, -40, 2.0)),
    NoiseClip("pink_-22", "generated", "pink noise, -22 dBFS (as loud as speech)", GENERATED,
              "CC0", coloured(-3.0, -22)),
    NoiseClip("brown_-30", "generated", "brown noise, -30 dBFS (rumble, traffic)", GENERATED,
              "CC0", coloured(-6.0, -30, 2.0)),
    NoiseClip("hum_50hz", "generated", "mains hum 50 Hz + harmonics, -35 dBFS, over room tone",
              GENERATED, "CC0", mains_hum(50, -35)),
    NoiseClip("hum_60hz_loud", "generated", "mains hum 60 Hz + harmonics, -22 dBFS",
              GENERATED, "CC0", mains_hum(60, -22)),
    NoiseClip("fan", "generated", "fan: pinkish air noise + 110 Hz blade tone with wobble",
              GENERATED, "CC0", fan),
    NoiseClip("keyboard", "generated", "typing at ~7 keys/s: press/release clicks, space bar",
              GENERATED, "CC0", keyboard),
    NoiseClip("mouse_clicks", "generated", "mouse clicks (press + release), single and double",
              GENERATED, "CC0", mouse_clicks),
    NoiseClip("door_knock", "generated", "five knocks: damped 140/310 Hz resonance + tap",
              GENERATED, "CC0", door_knock),
    NoiseClip("breathing", "generated", "close-mic breaths in/out: noise through vowel "
              "formants, -28..-31 dBFS", GENERATED, "CC0", breathing),
    NoiseClip("cough", "generated", "two voiced coughs: explosive attack, rough 220 Hz voicing "
              "through formants", GENERATED, "CC0", cough,
              seed=5),  # this draw made Whisper write "*BOOM*" through the app's path
    NoiseClip("cough_dry", "generated", "two dry coughs: noise burst with square-pulse rasp",
              GENERATED, "CC0", cough_dry),
    NoiseClip("sigh", "generated", "a breathy sigh: weak falling voicing in breath noise",
              GENERATED, "CC0", sigh),
    NoiseClip("desk", "generated", "fan + typing + mouse click + a breath", GENERATED, "CC0",
              desk),
    NoiseClip("room_tone_librispeech", "recorded",
              "speech-free heads (and one tail) of six LibriSpeech recordings, crossfaded",
              "tests/data/speech/ls_1089-134686-0000, ls_1272-141231-0002, ls_4507-16021-0012, "
              "ls_8455-210777-0068, ls_1272-128104-0000, ls_1089-134691-0000",
              "CC BY 4.0, LibriSpeech (c) 2014 Panayotov, Chen, Povey, Khudanpur; "
              "audio from LibriVox (public domain)", room_tone_librispeech),
    NoiseClip("room_tone_picovoice", "recorded",
              "speech-free head and tail of Picovoice's test_en.wav, crossfaded, looped",
              "tests/data/speech/pv_cheetah_test_en.wav (Picovoice/cheetah)",
              "Apache-2.0, Picovoice", room_tone_picovoice),
    NoiseClip("pluck_recorded", "recorded",
              "CPython's recorded plucked string (pluck-pcm16.wav), 3 times, over room tone",
              "CPython Lib/test/audiodata/pluck-pcm16.wav",
              "PSF License 2.0, Python Software Foundation", pluck),
]


def main() -> None:
    rows = []
    for index, clip in enumerate(CLIPS):
        rng = np.random.default_rng(1000 + index if clip.seed is None else clip.seed)
        x = np.clip(clip.make(rng), -1, 1).astype(np.float32)
        path = HERE / f"{clip.id}.wav"
        soundfile.write(path, x, RATE, subtype="PCM_16")
        rms = np.sqrt(np.mean(x.astype(np.float64) ** 2))
        level = "-inf" if rms == 0 else f"{20 * np.log10(rms):.1f}"
        rows.append({"id": clip.id, "file": path.name, "duration_s": f"{len(x) / RATE:.2f}",
                     "rms_dbfs": level, "kind": clip.kind, "what": clip.what,
                     "source": clip.source, "licence": clip.licence})
        print(f"{clip.id:24s} {len(x) / RATE:5.2f} s  {level:>6s} dBFS")
    with open(HERE / "manifest.tsv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), delimiter="\t", quoting=csv.QUOTE_NONE,
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
