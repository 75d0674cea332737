"""The user's settings: a frozen ``Settings`` dataclass read from and written to a QSettings file.

The ``QSettings`` object is always passed in (``open_settings`` makes the real one, an INI file
in the XDG config dir); nothing here is global, so tests use a file in a temporary dir.

Reading never fails: a value that is garbage, out of range or of the wrong kind falls back to
that key's default, and a sentence saying so is collected in ``LoadedSettings.warnings`` for the
UI to show. A file written by a newer Murmur (a ``version`` we do not know) is read key by key
the same way, with one warning more. Every value is stored as a string, because the INI format
turns everything into strings anyway and a hand-edited file holds nothing else.

Threads: GUI thread (QSettings is not meant to be shared between threads).
"""
from __future__ import annotations

import enum
import json
import logging
import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from PySide6.QtCore import QSettings

from app.retention import KeepAudio, Retention
from audio.capture_types import CaptureOptions
from desktop.chord import DEFAULT_CHORD, Gesture, format_chord, parse_chord
from desktop.inject import InjectOptions, InsertMode
from engine.catalog import DEFAULT_MODEL
from engine.options import (AUTO_LANGUAGE, WHISPER_LANGUAGES, TranscribeOptions,
                            default_threads, locale_language)
from engine.private_files import private_dir, touch_private

log = logging.getLogger(__name__)

#: The layout of the settings file this code writes; bump it when a key changes meaning.
SETTINGS_VERSION = 1
APP_NAME = "murmur"
MAX_PREROLL_MS = 2000  # the capture ring keeps far more, but older audio is not "pre-roll"
MIN_RING_SECONDS = 5  # well above the pre-roll and the recorder's drain interval


class Key(enum.Enum):
    """The names in the settings file, one per ``Settings`` field (plus the layout version)."""

    VERSION = "version"
    MODEL = "model"
    LANGUAGE = "language"
    THREADS = "threads"
    HOTKEY = "hotkey"
    GESTURE = "gesture"
    INPUT_DEVICE = "input_device"
    INSERT_MODE = "insert_mode"
    PREROLL_MS = "preroll_ms"
    KEEP_MICROPHONE_OPEN = "keep_microphone_open"
    SOUND_ON_START = "sound_on_start"
    SOUND_ON_STOP = "sound_on_stop"
    START_AT_LOGIN = "start_at_login"
    HISTORY_DAYS = "history_days"
    REPLACEMENTS = "replacements"
    KEEP_AUDIO = "keep_audio"
    KEEP_AUDIO_DAYS = "keep_audio_days"
    RING_SECONDS = "ring_seconds"


@dataclass(frozen=True)
class Settings:
    """Everything the user can set. Field names are ``Key`` values in lower case.

    Attributes:
        model: Model name from the catalog or installed models, or a path to a ggml file.
        language: Whisper language code or ``"auto"``; defaults to the locale's language.
        threads: CPU threads whisper.cpp may use.
        hotkey: The key chord, e.g. ``"Ctrl+Alt+Space"``.
        gesture: Which gestures of the chord start and stop a dictation.
        input_device: Microphone name; None follows the system default.
        insert_mode: Paste, type or only copy the transcript.
        preroll_ms: Audio from before the hotkey press that belongs to the dictation.
        keep_microphone_open: Keep the stream open between dictations (needed for pre-roll).
        sound_on_start: Play a sound when recording starts.
        sound_on_stop: Play a sound when recording stops.
        start_at_login: An XDG autostart entry starts Murmur at login.
        history_days: Delete history entries older than this; 0 keeps them forever.
        replacements: ``(spoken, written)`` word replacements applied to every transcript.
        keep_audio: How long a dictation's audio is kept: until it is transcribed (default:
            deleted once its text is in history; a failed one stays for a retry), or for
            ``keep_audio_days`` days, transcribed or not.
        keep_audio_days: Days for ``KeepAudio.DAYS``.
        ring_seconds: Microphone audio kept in memory (the capture ring; 4 bytes a sample at
            16 kHz). Dictations may be longer: they are copied out as they go. Only in the file.
    """

    model: str = DEFAULT_MODEL
    language: str = field(default_factory=locale_language)
    threads: int = field(default_factory=default_threads)
    hotkey: str = DEFAULT_CHORD
    gesture: Gesture = Gesture.BOTH
    input_device: str | None = None
    insert_mode: InsertMode = InsertMode.PASTE
    preroll_ms: int = 300
    keep_microphone_open: bool = True
    sound_on_start: bool = True
    sound_on_stop: bool = True
    start_at_login: bool = False
    history_days: int = 0
    replacements: tuple[tuple[str, str], ...] = ()
    keep_audio: KeepAudio = KeepAudio.UNTIL_TRANSCRIBED
    keep_audio_days: int = 7
    ring_seconds: int = int(CaptureOptions.buffer_seconds)

    def transcribe_options(self) -> TranscribeOptions:
        """The engine options these settings ask for (any thread)."""
        return TranscribeOptions(language=self.language, threads=self.threads)

    def capture_options(self) -> CaptureOptions:
        """The microphone options these settings ask for (any thread)."""
        return CaptureOptions(device=self.input_device, preroll_seconds=self.preroll_ms / 1000,
                              close_when_idle=not self.keep_microphone_open,
                              buffer_seconds=self.ring_seconds)

    def inject_options(self) -> InjectOptions:
        """The insertion options these settings ask for (any thread)."""
        return InjectOptions(mode=self.insert_mode)

    def retention(self) -> Retention:
        """How long dictation audio is kept (``app/kept_audio.py``; any thread)."""
        return Retention(self.keep_audio, self.keep_audio_days)


@dataclass(frozen=True)
class LoadedSettings:
    """What ``load_settings`` found: the settings and a sentence per value it had to replace."""

    settings: Settings
    warnings: tuple[str, ...] = ()


# ---- parsing: each takes the stored string and returns the value or raises ValueError --------
def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ValueError(text)


def _int_range(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text.strip())
        if not low <= value <= high:
            raise ValueError(text)
        return value
    return parse


def _language(text: str) -> str:
    code = text.strip().lower()
    if code != AUTO_LANGUAGE and code not in WHISPER_LANGUAGES:
        raise ValueError(text)
    return code


def _non_empty(text: str) -> str:
    if not text.strip():
        raise ValueError(text)
    return text.strip()


def _device(text: str) -> str | None:
    return text.strip() or None  # empty: the system default


def _replacements(text: str) -> tuple[tuple[str, str], ...]:
    pairs = json.loads(text)
    if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p)
            and p[0].strip() for p in pairs):
        raise ValueError(text)
    return tuple((spoken, written) for spoken, written in pairs)


_PARSERS: dict[Key, Callable[[str], object]] = {
    Key.MODEL: _non_empty,
    Key.LANGUAGE: _language,
    Key.THREADS: _int_range(1, 64),
    Key.HOTKEY: lambda text: format_chord(parse_chord(text)),
    Key.GESTURE: lambda text: Gesture(text.strip().lower()),
    Key.INPUT_DEVICE: _device,
    Key.INSERT_MODE: lambda text: InsertMode(text.strip().lower()),
    Key.PREROLL_MS: _int_range(0, MAX_PREROLL_MS),
    Key.KEEP_MICROPHONE_OPEN: _bool,
    Key.SOUND_ON_START: _bool,
    Key.SOUND_ON_STOP: _bool,
    Key.START_AT_LOGIN: _bool,
    Key.HISTORY_DAYS: _int_range(0, 100_000),
    Key.REPLACEMENTS: _replacements,
    Key.KEEP_AUDIO: lambda text: KeepAudio(text.strip().lower()),
    Key.KEEP_AUDIO_DAYS: _int_range(1, 3650),
    Key.RING_SECONDS: _int_range(MIN_RING_SECONDS, 3600),
}


def _to_text(value: object) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, tuple):
        return json.dumps([list(pair) for pair in value], ensure_ascii=False)
    return str(value)


def open_settings(config_home: Path | None = None) -> QSettings:
    """The real settings file: ``$XDG_CONFIG_HOME/murmur/murmur.ini`` (GUI thread)."""
    home = config_home or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = home / APP_NAME / f"{APP_NAME}.ini"
    try:
        # Made 0700/0600 before Qt writes it: Qt's save keeps an existing file's mode, and would
        # otherwise create both with the umask's (replacements can be personal words).
        private_dir(path.parent)
        touch_private(path)
    except OSError as error:  # a read-only config dir: QSettings reports it, defaults are used
        log.warning("settings: cannot make %s private: %s", path, error)
    return QSettings(str(path), QSettings.Format.IniFormat)


def load_settings(store: QSettings) -> LoadedSettings:
    """Read every key, replacing what cannot be used by its default (GUI thread).

    Args:
        store: The settings file (``open_settings``, or one in a test's temporary dir).

    Returns:
        The settings, and one warning per replaced value (empty when the file was fine).
    """
    warnings: list[str] = []
    if store.status() is not QSettings.Status.NoError:
        warnings.append(f"The settings file {store.fileName()} could not be read; using the "
                        "defaults.")
        return LoadedSettings(Settings(), tuple(warnings))
    version = store.value(Key.VERSION.value)
    if version is not None and str(version).strip() != str(SETTINGS_VERSION):
        warnings.append(f"The settings file is of version {str(version)[:20]!r}, this Murmur "
                        f"knows version {SETTINGS_VERSION}; values it cannot use were reset.")
    defaults = Settings()
    values = {}
    for spec in fields(Settings):
        key = Key(spec.name)
        raw = store.value(key.value)
        if raw is None:
            continue  # never set: the default, silently
        if isinstance(raw, list):  # INI reads "a, b" as a list; we never write one
            raw = ", ".join(map(str, raw))
        try:
            values[spec.name] = _PARSERS[key](str(raw))
        except (ValueError, TypeError) as error:
            log.warning("settings: %s=%r unusable (%s)", key.value, raw, error)
            warnings.append(f"The setting '{key.value}' had an unusable value ({str(raw)[:40]!r});"
                            f" using the default ({_to_text(getattr(defaults, spec.name))!r}).")
    return LoadedSettings(Settings(**values), tuple(warnings))


def save_settings(store: QSettings, settings: Settings) -> None:
    """Write every value and the layout version, and flush to disk (GUI thread).

    Raises:
        OSError: the file could not be written (read-only or full config dir).
    """
    store.setValue(Key.VERSION.value, str(SETTINGS_VERSION))
    for spec in fields(Settings):
        store.setValue(spec.name, _to_text(getattr(settings, spec.name)))
    store.sync()
    if store.status() is not QSettings.Status.NoError:
        raise OSError(f"Could not save the settings to {store.fileName()}.")


def autostart_path(config_home: Path | None = None) -> Path:
    """``$XDG_CONFIG_HOME/autostart/murmur.desktop`` (any thread)."""
    home = config_home or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return home / "autostart" / f"{APP_NAME}.desktop"


def set_start_at_login(enabled: bool, command: list[str], config_home: Path | None = None) -> Path:
    """Write (or remove) the XDG autostart entry that starts Murmur at login (GUI thread).

    Args:
        enabled: Write the entry when True, remove it when False.
        command: The program and arguments to run, e.g. ``[sys.executable, "/…/main.py"]``.
        config_home: The XDG config dir; defaults to ``$XDG_CONFIG_HOME``.

    Returns:
        The path of the entry.
    """
    path = autostart_path(config_home)
    if not enabled:
        path.unlink(missing_ok=True)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # The Exec key has its own quoting rules (Desktop Entry spec); shlex's double-quote-free
    # output of plain paths is valid there, and paths with spaces get single quotes, which the
    # spec does not allow, so quote with double quotes ourselves.
    exec_line = " ".join(a if shlex.quote(a) == a else '"' + a.replace("\\", "\\\\")
                         .replace('"', '\\"').replace("`", "\\`").replace("$", "\\$") + '"'
                         for a in command)
    text = ("[Desktop Entry]\nType=Application\nName=Murmur\n"
            "Comment=Offline dictation: hold a hotkey, speak, and the words appear\n"
            f"Exec={exec_line}\nTerminal=false\nX-GNOME-Autostart-enabled=true\n")
    part = path.with_suffix(".desktop.part")
    part.write_text(text, encoding="utf-8")
    part.replace(path)  # a session starting now sees the old file or the new one, never half
    return path
