"""Spool files on disk: listed with time and length, and deleted by the retention
(real files in the recorder's format in a temporary dir)."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

import numpy as np

from app.kept_audio import (DAY_S, TRANSCRIBED_PREFIX, KeptRecording, apply_retention, list_kept,
                            load_recording)
from app.retention import KeepAudio, Retention


def spool_file(spool, stamp="20261126-103200", samples=16_000, age_days=0.0):
    spool.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = spool / f"dictation-{stamp}-123-{time.monotonic_ns()}.f32"
    path.write_bytes(np.ones(samples, "<f4").tobytes())
    when = time.time() - age_days * DAY_S
    os.utime(path, (when, when))
    return path


def test_lists_time_and_length_oldest_first(tmp_path):
    spool = tmp_path / "recordings"
    late = spool_file(spool, "20261126-103300", 8000)
    early = spool_file(spool, "20261126-103200", 14 * 16_000)
    found = list_kept(spool)
    assert [k.path for k in found] == [early, late]
    assert found[0].started == datetime(2026, 11, 26, 10, 32)
    assert found[0].seconds == 14.0 and found[1].seconds == 0.5
    assert "(14 s)" in found[0].label()
    assert list_kept(spool, {early}) == found[1:]
    assert list_kept(tmp_path / "none") == []


def test_the_label_gives_the_date_only_for_another_days_dictation(tmp_path):
    today = datetime.now().replace(hour=10, minute=32, second=0, microsecond=0)
    earlier = today - timedelta(days=3)
    assert KeptRecording(tmp_path / "a.f32", today, 14.2).label() == "10:32 (14 s)"
    assert KeptRecording(tmp_path / "b.f32", earlier, 2.0).label() == \
        f"{earlier:%d %b} 10:32 (2 s)"


def test_retention_until_transcribed_and_for_n_days(tmp_path):
    spool = tmp_path / "recordings"
    fresh, old = spool_file(spool), spool_file(spool, age_days=8)
    done = spool / f"{TRANSCRIBED_PREFIX}{spool_file(spool).name}"
    (spool / done.name[len(TRANSCRIBED_PREFIX):]).rename(done)
    # Default: transcribed audio goes; untranscribed stays however old.
    assert apply_retention(spool, Retention()) == 1
    assert sorted(spool.iterdir()) == sorted([fresh, old])
    # For 7 days: what is older goes, transcribed or not; what is in use stays.
    assert apply_retention(spool, Retention(KeepAudio.DAYS, 7), in_use={old}) == 0
    assert apply_retention(spool, Retention(KeepAudio.DAYS, 7)) == 1
    assert list(spool.iterdir()) == [fresh]


def test_a_partial_last_sample_from_a_crash_is_ignored(tmp_path):
    path = spool_file(tmp_path / "recordings", samples=3)
    with open(path, "ab") as spool:
        spool.write(b"\x00\x00")  # the process died in the middle of writing a sample
    assert len(load_recording(path).samples) == 3
    assert list_kept(path.parent)[0].seconds == 3 / 16_000
