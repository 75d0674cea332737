"""Sounds on start and stop of a recording: a soft rising chime and a soft falling one.

Each cue is two short sine tones a fifth apart (rising to start, falling to stop), 120 ms in all,
with raised-cosine fades and a peak of -18 dBFS. They are computed with numpy the first time they
are needed and written as 16-bit WAVs into ``$XDG_CACHE_HOME/murmur/sounds`` (``CUE_VERSION`` is
in the file name, so changing the sound writes new files instead of reusing stale ones).

They are played by ``paplay`` (PulseAudio / PipeWire), else ``aplay`` (ALSA), as a child process
that is never waited for: PySide6-Essentials has no QtMultimedia, and PortAudio belongs to
``audio/`` (its backend re-initialises PortAudio to rescan devices, so nothing else may hold a
stream). With neither player installed the cues are skipped, with one log line.

The microphone hears the speakers, so the start cue lands in the dictation's first 120 ms. That
is why it is short, quiet and tonal: Whisper writes no words for a pure chime (at most a
non-speech tag, which ``engine.postprocess`` drops). ``tests/app/test_cues_model.py`` measures it
with the real model: the chime mixed at full level into the start of real speech changes no word.
Unit tests fake the player (``spawn``); ``tests/app/test_cues_pulse.py`` plays a cue for real
into a private PulseAudio null sink and hears it on the monitor. The end-to-end tests keep the
cues on, as a user would: their virtual microphone *is* that monitor, so each dictation there
carries its start cue at full level, the worst case, and must still come out word for word.

Threads: GUI thread (``on_state_changed`` is connected to ``DictationController.state_changed``).
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.state import State
from engine.private_files import private_dir, private_file

log = logging.getLogger(__name__)

CUE_VERSION = 1
CUE_RATE = 48_000
CUE_MS = 120
CUE_PEAK_DBFS = -18.0
CUE_TONES_HZ = (880.0, 1318.5)  # A5 and E6: a fifth, bright enough to stand apart from speech
FADE_IN_MS = 4
FADE_OUT_MS = 30
# Players tried in order, with their arguments; the WAV's path is appended.
PLAYERS = (("paplay", "--client-name=Murmur"), ("aplay", "-q"))
MAX_PLAYING = 2  # more cues at once than this (a hotkey hammered) are skipped, not queued


def _tone(hz: float, samples: int, rate: int) -> np.ndarray:
    t = np.arange(samples) / rate
    envelope = np.ones(samples)
    fade_in, fade_out = rate * FADE_IN_MS // 1000, rate * FADE_OUT_MS // 1000
    envelope[:fade_in] = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade_in) / fade_in)
    envelope[-fade_out:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(1, fade_out + 1) / fade_out)
    return np.sin(2 * np.pi * hz * t) * envelope * np.exp(-t * 12)  # a gentle bell-like decay


def chime(rising: bool, rate: int = CUE_RATE) -> np.ndarray:
    """The cue as float32 samples in [-1, 1]: two tones, low-high if ``rising``, else high-low.

    The second tone starts half-way and overlaps the first one's fade, so the two sound as one
    gesture. Peak at ``CUE_PEAK_DBFS``; silent at both ends (no click).
    """
    total = rate * CUE_MS // 1000
    half = total // 2
    low, high = CUE_TONES_HZ
    first, second = (low, high) if rising else (high, low)
    out = np.zeros(total)
    out[: total - half // 2] += _tone(first, total - half // 2, rate)
    out[half:] += _tone(second, total - half, rate)
    out *= 10 ** (CUE_PEAK_DBFS / 20) / np.max(np.abs(out))
    return out.astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, rate: int = CUE_RATE) -> None:
    """Write mono 16-bit PCM; written to ``*.part`` first, so a player never reads half a file."""
    private_dir(path.parent)  # Murmur's cache folder: 0700 like all of its folders
    part = path.with_name(path.name + ".part")
    with os.fdopen(private_file(part, os.O_WRONLY | os.O_TRUNC), "wb") as raw, \
            wave.open(raw, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    part.replace(path)


def default_sound_dir() -> Path:
    """``$XDG_CACHE_HOME/murmur/sounds`` (any thread): the cues can always be made again."""
    import platformdirs

    return platformdirs.user_cache_path("murmur") / "sounds"


def find_player(which: Callable[[str], str | None] = shutil.which) -> tuple[str, ...] | None:
    """The first installed player command of ``PLAYERS`` (full path first), or ``None``."""
    for name, *args in PLAYERS:
        path = which(name)
        if path:
            return (path, *args)
    return None


@dataclass(frozen=True)
class CueOptions:
    """Which cues play: the settings ``sound_on_start`` and ``sound_on_stop``."""

    on_start: bool = True
    on_stop: bool = True


class Cues:
    """Plays the start cue when recording begins and the stop cue when it ends (GUI thread).

    Connect ``on_state_changed`` to ``DictationController.state_changed``. Entering ``RECORDING``
    plays the start cue; leaving it for ``TRANSCRIBING`` (finished) or ``IDLE`` (cancelled) plays
    the stop cue; an error plays nothing (the window and tray say what went wrong).

    Args:
        options: Which cues play; ``set_options`` changes it live.
        sound_dir: Where the WAVs are made; defaults to ``default_sound_dir()``.
        player: The player command, e.g. ``("paplay",)``; ``None`` finds one (``find_player``),
            ``()`` means there is none.
        spawn: Starts the player, like ``subprocess.Popen``; tests pass a fake.
    """

    def __init__(self, options: CueOptions = CueOptions(), sound_dir: Path | None = None,
                 player: Sequence[str] | None = None,
                 spawn: Callable[..., subprocess.Popen] = subprocess.Popen) -> None:
        self._options = options
        self._dir = sound_dir or default_sound_dir()
        self._player = find_player() if player is None else tuple(player)
        self._spawn = spawn
        self._state = State.IDLE
        self._playing: list[subprocess.Popen] = []
        self._files: dict[bool, Path] = {}  # rising → its WAV, made on first use
        self._off_reason = ""  # set (and logged) once, when cues cannot play at all
        self._player_failed = False

    @property
    def options(self) -> CueOptions:
        return self._options

    def set_options(self, options: CueOptions) -> None:
        """Play these cues from the next state change on."""
        self._options = options

    def on_state_changed(self, state: State) -> None:
        """The controller moved to ``state``: play the cue that move calls for, if any."""
        old, self._state = self._state, state
        if state is State.RECORDING and old is not State.RECORDING:
            if self._options.on_start:
                self.play(rising=True)
        elif old is State.RECORDING and state in (State.TRANSCRIBING, State.IDLE):
            if self._options.on_stop:
                self.play(rising=False)

    def play(self, rising: bool) -> bool:
        """Start the rising (start) or falling (stop) cue and return at once; False if skipped."""
        if self._off_reason:
            return False
        if not self._player:
            self._turn_off("no paplay or aplay is installed")
            return False
        self._reap()
        if len(self._playing) >= MAX_PLAYING:
            return False
        try:
            path = self._file(rising)
            self._playing.append(self._spawn(
                [*self._player, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True))
        except OSError as error:
            self._turn_off(str(error))
            return False
        return True

    def _file(self, rising: bool) -> Path:
        if rising not in self._files:
            path = self._dir / f"{'start' if rising else 'stop'}-v{CUE_VERSION}.wav"
            if not path.is_file():
                write_wav(path, chime(rising))
            self._files[rising] = path
        return self._files[rising]

    def _reap(self) -> None:
        """Forget players that ended (``poll`` also collects them, so none is left a zombie)."""
        still = []
        for process in self._playing:
            code = process.poll()
            if code is None:
                still.append(process)
            elif code and not self._player_failed:
                self._player_failed = True  # e.g. no sound server: say it once, keep trying
                log.info("%s exited with status %s: the cue was not heard", self._player[0], code)
        self._playing = still

    def _turn_off(self, why: str) -> None:
        self._off_reason = why
        log.warning("start/stop sounds are off: %s", why)
