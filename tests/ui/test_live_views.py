"""Every live view on known signals: a chirp's energy follows its frequency, two tones make two
rows, the waveform keeps the peaks, the Whisper view is Whisper's own log-mel."""
from __future__ import annotations

import numpy as np
import pytest

from audio.ring_buffer import RingBuffer
from audio.whisper_features import log_mel
from ui.spectrogram_axes import (SELECTOR, VIEW_BY_KIND, WHISPER_RANGE_DB, ViewKind,
                                 row_of_frequency)
from ui.spectrogram_view import SPAN_SECONDS, SpectrogramView

RATE = 16000
HOP = 160
SPECTRA = [ViewKind.LINEAR, ViewKind.LOG, ViewKind.MEL, ViewKind.WHISPER]


def chirp(seconds: float, f0: float, f1: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    phase = f0 * t + (f1 - f0) * t ** 2 / (2 * seconds)
    return (0.5 * np.sin(2 * np.pi * phase)).astype(np.float32)


@pytest.fixture
def ring() -> RingBuffer:
    return RingBuffer(RATE * 10)


def shown(qtbot, ring, kind: ViewKind, audio: np.ndarray) -> SpectrogramView:
    view = SpectrogramView(ring)
    qtbot.addWidget(view)
    view.set_view(kind)
    ring.write(audio)
    view.refresh()
    return view


@pytest.mark.parametrize("kind", SPECTRA, ids=lambda k: k.value)
def test_energy_follows_a_chirp(qtbot, ring, kind):
    seconds = 4.0
    view = shown(qtbot, ring, kind, chirp(seconds, 300, 4000))
    image = view.image_data()
    for at in (0.5, 2.0, 3.5):  # seconds into the chirp
        hz = 300 + (4000 - 300) * at / seconds
        column = image.shape[1] - int((seconds - at) * RATE / HOP)
        row = int(np.argmax(image[:, column - 2:column + 3].mean(axis=1)))
        expected = row_of_frequency(view.view.options, hz)
        assert abs(row + 0.5 - expected) <= max(1.5, 0.04 * expected), (at, hz)


@pytest.mark.parametrize("kind", SPECTRA, ids=lambda k: k.value)
def test_two_tones_make_two_rows(qtbot, ring, kind):
    t = np.arange(2 * RATE) / RATE
    audio = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.3 * np.sin(2 * np.pi * 2500 * t))
    view = shown(qtbot, ring, kind, audio.astype(np.float32))
    profile = view.image_data()[:, -50:].mean(axis=1)
    strong = np.flatnonzero(profile > profile.max() - 10.0)
    groups = np.split(strong, np.flatnonzero(np.diff(strong) > 1) + 1)
    assert len(groups) == 2
    for group, hz in zip(groups, (440, 2500)):
        assert group.min() - 1 <= row_of_frequency(view.view.options, hz) <= group.max() + 2


def test_the_whisper_view_is_whispers_log_mel(qtbot, ring, test_data):
    from audio.decode import decode_file

    speech = decode_file(test_data / "speech" / "jfk.wav").samples[:5 * RATE]
    view = shown(qtbot, ring, ViewKind.WHISPER, speech)
    image = view.image_data()
    assert image.shape == (80, int(SPAN_SECONDS * RATE / HOP))
    columns = (len(speech) - 200) // HOP + 1  # those whose 25 ms window is complete
    expected = 10.0 * log_mel(speech)[:, :columns]
    np.testing.assert_allclose(image[:, -columns:], expected, atol=1e-3)
    # Whisper's clamp: a colour range wider than the clamp shows that it is drawn.
    assert image.max() - image.min() > WHISPER_RANGE_DB + 10
    view.set_display_levels(float(image.min()), float(image.max()))
    clamped = np.maximum(image, image.max() - WHISPER_RANGE_DB)
    assert np.array_equal(view.picture.pixels, view.picture.colour(clamped))
    assert not np.array_equal(view.picture.pixels, view.picture.colour(image))
    assert "Whisper" in view.legend.toolTip()


def test_the_waveform_keeps_every_peak(qtbot, ring):
    audio = np.zeros(RATE, np.float32)
    audio[RATE // 2] = 0.9  # one click between many silent samples
    audio[RATE // 2 + 5] = -0.7
    view = shown(qtbot, ring, ViewKind.WAVEFORM, audio)
    low, high = view.waveform.envelope()
    assert high.max() == pytest.approx(0.9) and low.min() == pytest.approx(-0.7)
    newest = len(high) - (RATE // 2) // HOP  # the click's column, counted from the right
    assert high[newest] == pytest.approx(0.9)
    assert not view.picture.isVisible()
    assert not view.legend.isVisibleTo(view)


def test_picking_views_tells_which_and_keeps_each_range(qtbot, ring):
    view = SpectrogramView(ring)
    qtbot.addWidget(view)
    assert [b.text() for b in view.bar.buttons.buttons()] == [title for _, title in SELECTOR]
    with qtbot.waitSignal(view.view_changed) as signal:
        view.bar.button_for(ViewKind.WHISPER).click()
    assert signal.args == [ViewKind.WHISPER] and view.kind is ViewKind.WHISPER
    assert view.picture.levels == VIEW_BY_KIND[ViewKind.WHISPER].levels
    view.bar._boxes[0].setValue(-50.0)  # the range editor
    assert view.picture.levels == (-50.0, VIEW_BY_KIND[ViewKind.WHISPER].levels[1])
    view.set_view(ViewKind.MEL)
    assert view.picture.levels == VIEW_BY_KIND[ViewKind.MEL].levels
    view.set_view(ViewKind.WHISPER)
    assert view.bar.legend.levels[0] == -50.0


def test_every_view_has_a_one_line_tooltip(qtbot, ring):
    view = SpectrogramView(ring)
    qtbot.addWidget(view)
    tips = [view.bar.button_for(kind).toolTip() for kind, _ in SELECTOR]
    assert all(tip and "\n" not in tip for tip in tips)
    assert "cycles per second" in view.bar.button_for(ViewKind.LINEAR).toolTip()
    assert "equally spaced" in view.bar.button_for(ViewKind.MEL).toolTip()
    assert "log scale of amplitude" in view.bar.button_for(ViewKind.WHISPER).toolTip()


def test_a_view_switched_to_keeps_drawing_after_hide_show_and_minimise(qtbot, ring):
    """The Whisper view's clamp buffer once shared its name with the "shown" flag: after a hide
    and a show it drew into a bool, and minimising after a view switch raised."""
    view = SpectrogramView(ring)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.timer_active)
    view.set_view(ViewKind.WHISPER)
    view.set_minimised(True)
    assert not view.timer_active
    view.set_minimised(False)
    view.hide()
    view.show()
    qtbot.waitUntil(lambda: view.timer_active)
    ring.write(chirp(1.0, 300, 3000))
    view.refresh()
    image = view.image_data()
    assert image.max() > view.view.options.floor_db + 30  # the chirp was drawn
    clamped = np.maximum(image, image.max() - WHISPER_RANGE_DB)
    assert np.array_equal(view.picture.pixels, view.picture.colour(clamped))
