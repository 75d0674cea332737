"""Settings ↔ QSettings: round trip, garbage and unknown versions fall back per key, autostart."""
from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QSettings

from app.settings import (SETTINGS_VERSION, Gesture, Key, Settings, autostart_path, load_settings,
                          open_settings, save_settings, set_start_at_login)
from app.retention import KeepAudio
from desktop.chord import DEFAULT_CHORD
from desktop.inject import InsertMode
from engine.options import locale_language


@pytest.fixture
def ini(tmp_path):
    return tmp_path / "murmur.ini"


def store(path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


def test_missing_file_gives_defaults_without_warnings(ini):
    loaded = load_settings(store(ini))
    assert loaded.settings == Settings()
    assert loaded.warnings == ()
    assert loaded.settings.hotkey == DEFAULT_CHORD
    assert loaded.settings.language == locale_language()
    assert loaded.settings.keep_microphone_open is True
    assert loaded.settings.input_device is None


def test_round_trip_of_every_field(ini):
    changed = Settings(model="/models/ggml-small é.bin", language="de", threads=3,
                       hotkey="Ctrl+Shift+D", gesture=Gesture.TAP, input_device="USB Mic, left",
                       insert_mode=InsertMode.TYPE, preroll_ms=500, keep_microphone_open=False,
                       sound_on_start=False, sound_on_stop=False, start_at_login=True,
                       history_days=30,
                       replacements=(("new line", "\n"), ("Murmer", "Murmur"),
                                     ("ß, ü", "中文")),
                       keep_audio=KeepAudio.DAYS, keep_audio_days=3, ring_seconds=60)
    for spec in dataclasses.fields(Settings):  # the test really changes every field
        assert getattr(changed, spec.name) != getattr(Settings(), spec.name), spec.name
    save_settings(store(ini), changed)
    loaded = load_settings(store(ini))
    assert loaded.warnings == ()
    assert loaded.settings == changed
    assert f"version={SETTINGS_VERSION}" in ini.read_text()


@pytest.mark.parametrize("key, raw", [
    (Key.LANGUAGE, "klingon"), (Key.THREADS, "0"), (Key.THREADS, "many"),
    (Key.HOTKEY, "Ctrl+Alt"), (Key.HOTKEY, "Ctrl+Banana"), (Key.GESTURE, "wiggle"),
    (Key.INSERT_MODE, "telepathy"), (Key.PREROLL_MS, "-5"), (Key.PREROLL_MS, "99999"),
    (Key.KEEP_MICROPHONE_OPEN, "maybe"), (Key.SOUND_ON_START, "2"), (Key.HISTORY_DAYS, "1.5"),
    (Key.REPLACEMENTS, "not json"), (Key.REPLACEMENTS, '[["a"]]'), (Key.REPLACEMENTS, '{"a": 1}'),
    (Key.MODEL, "   "), (Key.KEEP_AUDIO, "forever"), (Key.KEEP_AUDIO, ""),
    (Key.KEEP_AUDIO_DAYS, "0"), (Key.KEEP_AUDIO_DAYS, "a week"),
    (Key.RING_SECONDS, "1"), (Key.RING_SECONDS, "lots"),
])
def test_garbage_value_falls_back_to_that_keys_default_with_a_warning(ini, key, raw):
    s = store(ini)
    s.setValue(Key.VERSION.value, str(SETTINGS_VERSION))
    s.setValue(Key.SOUND_ON_STOP.value, "false")  # a good neighbour is kept
    s.setValue(key.value, raw)
    s.sync()
    loaded = load_settings(store(ini))
    assert getattr(loaded.settings, key.value) == getattr(Settings(), key.value)
    assert loaded.settings.sound_on_stop is False
    assert len(loaded.warnings) == 1 and key.value in loaded.warnings[0]


def test_garbage_file_never_crashes(ini):
    ini.write_bytes(b"\x00\xff\xfe[[[=\n=\nhotkey\nthreads=3\x00\n[General\nlanguage===\n" * 50)
    loaded = load_settings(store(ini))
    assert isinstance(loaded.settings, Settings)


def test_unknown_version_is_read_key_by_key_with_a_warning(ini):
    ini.write_text("[General]\nversion=99\nlanguage=fr\ngesture=hover\n")
    loaded = load_settings(store(ini))
    assert loaded.settings.language == "fr"
    assert loaded.settings.gesture is Gesture.BOTH
    assert len(loaded.warnings) == 2
    assert "version" in loaded.warnings[0]


def test_unreadable_file_gives_defaults_and_a_warning(ini):
    ini.mkdir()  # a directory where the file should be
    loaded = load_settings(store(ini))
    assert loaded.settings == Settings()


def test_open_settings_uses_the_xdg_config_dir(isolated_user_dirs):
    s = open_settings()
    save_settings(s, Settings(language="es"))
    assert (isolated_user_dirs / "xdg_config_home" / "murmur" / "murmur.ini").is_file()
    assert load_settings(open_settings()).settings.language == "es"


def test_derived_engine_and_insert_options():
    settings = Settings(language="de", threads=2, insert_mode=InsertMode.COPY)
    assert settings.transcribe_options().language == "de"
    assert settings.transcribe_options().threads == 2
    assert settings.inject_options().mode is InsertMode.COPY


def test_start_at_login_writes_and_removes_the_autostart_entry(isolated_user_dirs):
    path = set_start_at_login(True, ["/usr/bin/python3", "/opt/my apps/main.py"])
    assert path == autostart_path() == (isolated_user_dirs / "xdg_config_home" / "autostart"
                                        / "murmur.desktop")
    text = path.read_text()
    assert "[Desktop Entry]" in text and "Type=Application" in text
    assert 'Exec=/usr/bin/python3 "/opt/my apps/main.py"\n' in text
    set_start_at_login(True, ["/usr/bin/murmur"])  # rewriting is fine
    assert "Exec=/usr/bin/murmur\n" in path.read_text()
    set_start_at_login(False, ["/usr/bin/murmur"])
    assert not path.exists()
    set_start_at_login(False, ["/usr/bin/murmur"])  # removing twice is fine


def test_capture_options_follow_the_settings():
    options = Settings(input_device="USB Mic", preroll_ms=450,
                       keep_microphone_open=False).capture_options()
    got = (options.device, options.preroll_seconds, options.close_when_idle)
    assert got == ("USB Mic", 0.45, True)
