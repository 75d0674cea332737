"""Spectrogram maths: tones land in the right bin/row, two tones resolve, silence is the floor,
pushing in pieces equals pushing at once, and the Slaney mel filterbank matches reference values.
"""
from __future__ import annotations

import numpy as np
import pytest

from audio.mel import hz_to_mel, mel_band_centers, mel_filterbank, mel_to_hz
from audio.spectrogram import FrequencyAxis, Spectrogram, SpectrogramOptions, power_to_db

RATE = 16_000
BIN_HZ = RATE / 400  # 40 Hz per bin with the 400-sample (25 ms) window


def sine(freq: float, seconds: float = 0.5, amplitude: float = 1.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def linear(**kw) -> Spectrogram:
    return Spectrogram(SpectrogramOptions(axis=FrequencyAxis.LINEAR, **kw))


@pytest.mark.parametrize("freq, want_bin", [
    (1000, 25), (440, 11), (3000, 75), (7000, 175), (1010, 25), (1030, 26)])
def test_sine_peaks_in_its_bin(freq, want_bin):
    columns = linear().push(sine(freq))
    assert columns.shape == ((len(sine(freq)) - 400) // 160 + 1, 201)
    assert set(np.argmax(columns, axis=1)) == {want_bin}


@pytest.mark.parametrize("amplitude, want_db", [(1.0, 0.0), (0.1, -20.0), (0.01, -40.0)])
def test_bin_centred_sine_level_is_dbfs(amplitude, want_db):
    columns = linear().push(sine(1000, amplitude=amplitude))
    assert np.max(columns[:, 25]) == pytest.approx(want_db, abs=0.01)


@pytest.mark.parametrize("f1, f2", [(1000, 1200), (480, 640), (3000, 3200)])
def test_two_tones_resolve(f1, f2):
    column = linear().push(sine(f1) + sine(f2))[5]
    b1, b2 = round(f1 / BIN_HZ), round(f2 / BIN_HZ)
    assert sorted(np.argsort(column)[-2:]) == [b1, b2]
    dip = np.min(column[b1:b2 + 1])
    assert min(column[b1], column[b2]) - dip > 20  # a clear valley between the two peaks


@pytest.mark.parametrize("axis", list(FrequencyAxis))
@pytest.mark.parametrize("floor_db", [-100.0, -80.0])
def test_silence_is_exactly_the_floor(axis, floor_db):
    columns = Spectrogram(SpectrogramOptions(axis=axis, floor_db=floor_db)).push(
        np.zeros(RATE, np.float32))
    assert np.all(columns == np.float32(floor_db))


def test_power_to_db_table():
    got = power_to_db(np.array([0.0, 1e-20, 1e-5, 1.0, 100.0]), floor_db=-90.0)
    np.testing.assert_allclose(got, [-90.0, -90.0, -50.0, 0.0, 20.0], atol=1e-5)


@pytest.mark.parametrize("axis", list(FrequencyAxis))
def test_incremental_pushes_equal_one_push(axis):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(RATE).astype(np.float32) * 0.1
    whole = Spectrogram(SpectrogramOptions(axis=axis)).push(x)
    spectrogram = Spectrogram(SpectrogramOptions(axis=axis))
    cuts = np.sort(rng.integers(0, len(x), 40))
    parts = [spectrogram.push(piece) for piece in np.split(x, cuts)]
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-4)
    assert len(whole) == (len(x) - 400) // 160 + 1


@pytest.mark.parametrize("freq", [300, 1000, 2500, 6000])
@pytest.mark.parametrize("n_rows", [80, 128])
def test_sine_lands_in_nearest_mel_band(freq, n_rows):
    columns = Spectrogram(SpectrogramOptions(axis=FrequencyAxis.MEL, n_rows=n_rows)).push(
        sine(freq))
    centers = mel_band_centers(RATE, n_rows)
    row = int(np.argmax(columns[5]))
    assert abs(centers[row] - freq) <= max(np.diff(centers)[max(row - 1, 0)], BIN_HZ)


@pytest.mark.parametrize("freq", [100, 1000, 5000])
def test_sine_on_log_axis(freq):
    options = SpectrogramOptions(axis=FrequencyAxis.LOG, n_rows=200, log_fmin=50)
    row = int(np.argmax(Spectrogram(options).push(sine(freq))[5]))
    centers = np.geomspace(50, RATE / 2, 200)
    assert abs(np.log(centers[row] / freq)) < np.log(1 + 2 * BIN_HZ / freq)


# Reference rows of the Slaney filterbank (sr 16 kHz, n_fft 400), computed by an independent
# implementation: faster-whisper's FeatureExtractor.get_mel_filters (librosa's algorithm,
# the values of Whisper's mel_filters.npz). (n_mels, band, first nonzero bin, values.)
REFERENCE_ROWS = [
    (80, 0, 1, [0.02486259]),
    (80, 1, 1, [0.001990822, 0.02287177]),
    (80, 20, 19, [0.0109722, 0.01389039]),
    (80, 40, 42, [0.005411105, 0.01473557, 0.00651819]),
    (80, 79, 186, [0.0003667417, 0.00083307, 0.001299398, 0.001765727, 0.002232055,
                   0.002698383, 0.003164712, 0.003141313, 0.002692554, 0.002243795,
                   0.001795036, 0.001346277, 0.0008975181, 0.000448759]),
    (128, 0, 1, [0.01237399]),
    (128, 1, 1, [0.03039256]),
    (128, 32, 19, [0.02149357]),
    (128, 64, 42, [0.006749683, 0.01809152]),
    (128, 127, 191, [0.0004756951, 0.001617172, 0.002758648, 0.003900125, 0.005041602,
                     0.004457121, 0.003342841, 0.00222856, 0.00111428]),
]


@pytest.mark.parametrize("n_mels, band, first_bin, values", REFERENCE_ROWS)
def test_mel_filterbank_matches_reference(n_mels, band, first_bin, values):
    row = mel_filterbank(RATE, 400, n_mels)[band]
    nonzero = np.nonzero(row)[0]
    assert nonzero[0] == first_bin and len(nonzero) == len(values)
    np.testing.assert_allclose(row[nonzero], values, rtol=1e-5)


@pytest.mark.parametrize("n_mels", [80, 128])
def test_mel_filterbank_matches_faster_whisper(n_mels):
    extractor = pytest.importorskip("faster_whisper.feature_extractor")
    reference = extractor.FeatureExtractor.get_mel_filters(RATE, 400, n_mels)
    np.testing.assert_allclose(mel_filterbank(RATE, 400, n_mels), reference, atol=1e-8)


@pytest.mark.parametrize("hz, mel", [(0, 0), (200 / 3, 1), (1000, 15), (6400, 42), (8000,
                                     15 + 27 * np.log(8) / np.log(6.4))])
def test_slaney_mel_scale(hz, mel):
    assert hz_to_mel(hz) == pytest.approx(mel)
    assert mel_to_hz(mel) == pytest.approx(hz)
