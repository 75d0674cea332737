"""The live view drains a ring written by the test: right rows, timer only while visible."""
from __future__ import annotations

import numpy as np
import pytest

from audio.ring_buffer import RingBuffer
from audio.spectrogram import FrequencyAxis
from ui.level_meter import METER_FLOOR_DB, LevelMeter, Levels, signal_levels
from ui.ring_tap import RingTap
from ui.spectrogram_axes import VIEWS, frequency_ticks, hz_label, row_of_frequency
from ui.spectrogram_view import DISPLAY_LEVELS, SpectrogramView

RATE = 16000


def sine(hz: float, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.fixture
def ring() -> RingBuffer:
    return RingBuffer(RATE * 10)


@pytest.fixture
def view(qtbot, ring) -> SpectrogramView:
    widget = SpectrogramView(ring)
    qtbot.addWidget(widget)
    return widget


@pytest.mark.parametrize("axis", list(FrequencyAxis))
def test_a_1khz_sine_lands_in_the_1khz_row(qtbot, ring, axis):
    view = SpectrogramView(ring, axis)
    qtbot.addWidget(view)
    ring.write(sine(1000, 1.0))
    view.refresh()
    image = view.image_data()
    newest = image[:, -20:].mean(axis=1)
    expected = int(row_of_frequency(view.view.options, 1000))  # row i spans [i, i + 1)
    assert abs(int(np.argmax(newest)) - expected) <= 1
    assert newest.max() > -12  # amplitude 0.5 is -6 dBFS; the Hann skirt costs a little
    assert image[:, 0].max() == view.view.options.floor_db  # older than the tone: silence


def test_the_picture_is_the_image_coloured_and_scrolls_with_it(view, ring):
    picture = view.picture
    assert picture.levels == DISPLAY_LEVELS
    assert picture.lut.shape == (256, 3) and picture.lut.dtype == np.uint8
    for audio in (sine(440, 0.5), sine(2000, 0.33), np.zeros(RATE // 7, np.float32)):
        ring.write(audio)
        view.refresh()  # only the new columns are coloured; the rest are shifted
        assert np.array_equal(picture.pixels, picture.colour(view.image_data()))


def test_the_picture_scrolls_left(view, ring):
    ring.write(sine(1000, 0.5))
    view.refresh()
    before = view.image_data().copy()
    ring.write(np.zeros(RATE // 10, np.float32))  # 100 ms: 10 new columns
    view.refresh()
    after = view.image_data()
    assert np.array_equal(after[:, :-10], before[:, 10:])


def test_timer_drains_while_shown_and_stops_when_hidden(qtbot, view, ring):
    assert not view.timer_active
    view.show()
    qtbot.waitExposed(view)
    assert view.timer_active
    assert 28 <= 1000 / view._timer.interval() <= 32  # ~30 frames a second (issue #4)
    ring.write(sine(1000, 0.3))
    qtbot.waitUntil(lambda: view.image_data()[:, -1].max() > -20, timeout=2000)
    view.hide()
    assert not view.timer_active
    view.show()
    assert view.timer_active


def test_a_reader_that_fell_behind_skips_ahead(qtbot):
    ring = RingBuffer(RATE)  # one second: the view's six-second backlog cannot fit
    view = SpectrogramView(ring)
    qtbot.addWidget(view)
    for _ in range(50):  # five seconds the view never read: most of it overwritten
        ring.write(sine(2000, 0.1))
    view.refresh()
    assert view._tap.cursor == ring.end_index
    newest = view.image_data()[:, -5:].mean(axis=1)
    assert abs(int(np.argmax(newest)) - int(row_of_frequency(view.view.options, 2000))) <= 1
    view.refresh()  # nothing new: no error, no change


def test_switching_axis_redraws_the_recent_history(qtbot, view, ring):
    ring.write(sine(1000, 1.0))
    view.refresh()
    with qtbot.waitSignal(view.axis_changed) as signal:
        view._buttons.buttons()[1].click()  # "Linear"
    assert signal.args == [FrequencyAxis.LINEAR]
    assert view.axis is FrequencyAxis.LINEAR
    assert view.image_data().shape[0] == 201
    assert int(np.argmax(view.image_data()[:, -10:].mean(axis=1))) == 25  # 1000 Hz / 40 Hz
    view.set_axis(FrequencyAxis.LINEAR)  # same axis again: nothing happens


def test_no_ring_shows_silence(qtbot):
    view = SpectrogramView(None)
    qtbot.addWidget(view)
    view.refresh()
    assert (view.image_data() == view.view.options.floor_db).all()


def test_tap_skips_ahead_and_says_so():
    ring = RingBuffer(1000)
    tap = RingTap(ring, max_backlog=300)
    assert tap.read().skipped  # the first read starts a run
    ring.write(np.ones(100, np.float32))
    got = tap.read()
    assert len(got.samples) == 100 and not got.skipped
    ring.write(np.arange(500, dtype=np.float32))
    got = tap.read()
    assert got.skipped and list(got.samples[:2]) == [200.0, 201.0] and len(got.samples) == 300
    tap.restart()
    got = tap.read()
    assert got.skipped and len(got.samples) == 300


def test_tap_reports_samples_the_writer_overwrote():
    ring = RingBuffer(100)
    tap = RingTap(ring, max_backlog=1000)
    tap.read()
    ring.write(np.zeros(250, np.float32))
    got = tap.read()
    assert got.skipped and len(got.samples) == 100 and tap.cursor == 250


def test_levels_in_dbfs():
    full_scale = sine(1000, 0.1, amplitude=1.0)
    levels = signal_levels(full_scale)
    assert levels.rms_db == pytest.approx(-3.01, abs=0.05)
    assert levels.peak_db == pytest.approx(0.0, abs=0.01)
    assert signal_levels(np.zeros(100, np.float32)) == Levels(METER_FLOOR_DB, METER_FLOOR_DB)
    assert signal_levels(np.zeros(0, np.float32)).rms_db == METER_FLOOR_DB


def test_meter_rises_at_once_and_falls_slowly(qtbot):
    meter = LevelMeter()
    qtbot.addWidget(meter)
    meter.set_levels(Levels(-10.0, -3.0))
    assert meter.shown == Levels(-10.0, -3.0)
    meter.set_levels(Levels(-60.0, -60.0))
    assert -12.0 < meter.shown.rms_db < -10.0 and -4.0 < meter.shown.peak_db < -3.0
    meter.show()
    meter.grab()  # paints without warnings


def test_view_feeds_the_meter(view, ring):
    ring.write(sine(1000, 0.2, amplitude=0.5))
    view.refresh()
    assert view.meter.shown.peak_db == pytest.approx(-6.02, abs=0.1)


@pytest.mark.parametrize("view_spec", VIEWS, ids=lambda v: v.title)
def test_every_view_has_ticks_in_order_and_a_tooltip(view_spec):
    ticks = frequency_ticks(view_spec)
    positions = [p for p, _ in ticks]
    assert len(ticks) >= 4 and positions == sorted(positions)
    assert view_spec.tooltip and "dB" in view_spec.tooltip
    assert [hz_label(h) for h in (200, 1000, 2500)] == ["200", "1k", "2.5k"]


def test_display_levels_are_adjustable_and_the_legend_follows(view, ring):
    ring.write(sine(1000, 0.5))
    view.refresh()
    view.set_display_levels(-80.0, -30.0)
    assert view.picture.levels == (-80.0, -30.0)
    assert np.array_equal(view.picture.pixels, view.picture.colour(view.image_data()))
    assert view.legend.levels == (-80.0, -30.0)
    view.legend.show()
    view.legend.grab()  # paints without warnings


def test_the_picture_says_when_no_audio_arrives(view, ring):
    from ui.spectrogram_view import NO_AUDIO_FRAMES

    for _ in range(NO_AUDIO_FRAMES - 1):
        view.refresh()
    assert not view.no_audio_shown  # a moment without samples is normal
    view.refresh()
    assert view.no_audio_shown
    ring.write(np.zeros(RATE // 10, np.float32))  # silence is audio too
    view.refresh()
    assert not view.no_audio_shown


def test_live_changed_follows_drawing_and_minimising_stops_it(qtbot, view):
    seen = []
    view.live_changed.connect(seen.append)
    view.show()
    qtbot.waitExposed(view)
    view.set_minimised(True)  # Qt still calls a minimised window visible: the timer stops
    assert not view.timer_active
    view.set_minimised(False)
    assert view.timer_active
    view.hide()
    assert not view.timer_active
    assert seen == [True, False, True, False]


def test_the_cached_axes_follow_the_view_and_the_size(qtbot, ring):
    """The axes are painted from a cached pixmap; it must never show a previous view's ticks."""
    from PySide6.QtWidgets import QGraphicsItem

    from ui.spectrogram_axes import ViewKind

    cached, uncached = SpectrogramView(ring), SpectrogramView(ring)
    for name in ("bottom", "left"):
        axis = cached._plot.getPlotItem().getAxis(name)
        assert axis.cacheMode() is QGraphicsItem.CacheMode.DeviceCoordinateCache
        uncached._plot.getPlotItem().getAxis(name).setCacheMode(QGraphicsItem.CacheMode.NoCache)

    def picture(view) -> np.ndarray:
        image = view._plot.grab().toImage()
        return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1).copy()

    for view in (cached, uncached):
        qtbot.addWidget(view)
        view.resize(700, 300)
        view.show()
    first = picture(cached)
    for kind in (ViewKind.LINEAR, ViewKind.WAVEFORM, ViewKind.MEL):
        for view in (cached, uncached):
            view.set_view(kind)
        assert np.array_equal(picture(cached), picture(uncached)), kind
    for view in (cached, uncached):
        view.resize(520, 260)
    qtbot.waitUntil(lambda: picture(cached).shape != first.shape)
    assert np.array_equal(picture(cached), picture(uncached))


def test_held_still_while_the_words_are_finished_then_the_pause_is_drawn_at_once(qtbot, view, ring):
    """``hold_still``: no frames while a dictation's last words are transcribed and pasted (the
    GUI thread leaves both cores to whisper.cpp); going on, the first frame takes all the audio
    written meanwhile, so the picture has no gap."""
    seen = []
    view.live_changed.connect(seen.append)
    view.show()
    qtbot.waitExposed(view)
    view.hold_still(True)
    assert not view.timer_active
    view.set_minimised(False)  # restoring the window does not end the hold
    assert not view.timer_active
    before = view._image.copy()
    ring.write(sine(440, 0.5))  # half a second of tone
    view.hold_still(False)
    assert view.timer_active
    view.refresh()
    changed = np.flatnonzero((view._image != before).any(axis=0))
    columns = RATE // 2 / view._view.options.hop_samples
    assert len(changed) >= columns * 0.8  # the whole pause, not just the newest frame's audio
    view.hide()  # hidden while held: still nothing drawn when the hold ends
    view.hold_still(True)
    view.hold_still(False)
    assert not view.timer_active
    assert seen == [True, False, True, False]
