"""Start/stop cues: the chime's shape, the WAV, the player choice, and which moves play what."""
from __future__ import annotations

import logging
import subprocess
import sys
import wave

import numpy as np
import pytest

from app.cues import (CUE_MS, CUE_PEAK_DBFS, CUE_RATE, CUE_TONES_HZ, MAX_PLAYING, CueOptions,
                      Cues, chime, find_player, write_wav)
from app.state import State

I, R, T, P, X = State.IDLE, State.RECORDING, State.TRANSCRIBING, State.PASTING, State.ERROR


class FakeProcess:
    def __init__(self, args, **_kwargs):
        self.args = args
        self.code = None

    def poll(self):
        return self.code


class FakeSpawn:
    def __init__(self):
        self.started: list[FakeProcess] = []

    def __call__(self, args, **kwargs):
        assert kwargs["stdout"] is subprocess.DEVNULL and kwargs["start_new_session"]
        self.started.append(FakeProcess(args))
        return self.started[-1]

    def played(self) -> list[str]:
        return ["start" if "start-" in p.args[-1] else "stop" for p in self.started]

    def finish_all(self, code=0):
        for process in self.started:
            process.code = code


@pytest.fixture
def spawn():
    return FakeSpawn()


def _dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)), 8 * len(samples)))
    return float(np.argmax(spectrum) * CUE_RATE / (8 * len(samples)))


@pytest.mark.parametrize(("rising", "first", "second"),
                         [(True, *CUE_TONES_HZ), (False, *reversed(CUE_TONES_HZ))])
def test_chime_is_two_tones_in_order_quiet_and_click_free(rising, first, second):
    samples = chime(rising)
    assert samples.dtype == np.float32 and len(samples) == CUE_RATE * CUE_MS // 1000
    assert 20 * np.log10(np.max(np.abs(samples))) == pytest.approx(CUE_PEAK_DBFS, abs=0.01)
    assert abs(samples[0]) < 1e-3 and abs(samples[-1]) < 1e-3  # fades: no click
    quarter = len(samples) // 4
    assert _dominant_hz(samples[:quarter]) == pytest.approx(first, rel=0.03)
    assert _dominant_hz(samples[-quarter:]) == pytest.approx(second, rel=0.03)


def test_wav_round_trips(tmp_path):
    path = tmp_path / "sub" / "cue.wav"
    write_wav(path, chime(True))
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, CUE_RATE)
        data = np.frombuffer(wav.readframes(wav.getnframes()), "<i2") / 32767
    assert np.max(np.abs(data - chime(True))) < 1e-4
    assert list(path.parent.iterdir()) == [path]  # no .part left behind


@pytest.mark.parametrize(("installed", "expected"), [
    ({"paplay", "aplay"}, "paplay"), ({"aplay"}, "aplay"), (set(), None)])
def test_player_prefers_paplay_then_aplay(installed, expected):
    player = find_player(lambda name: f"/usr/bin/{name}" if name in installed else None)
    assert (player[0] if player else None) == (f"/usr/bin/{expected}" if expected else None)


# (moves the controller reports, cues played). The controller starts in IDLE.
MOVES = {
    "dictation": ([R, T, P, I], ["start", "stop"]),
    "cancelled": ([R, I], ["start", "stop"]),
    "cancelled while transcribing": ([R, T, I], ["start", "stop"]),
    "device lost while recording": ([R, X], ["start"]),
    "start from an error": ([X, R, T], ["start", "stop"]),
    "paste again": ([P, I], []),
    "repeated state": ([R, R, T], ["start", "stop"]),
}


@pytest.mark.parametrize(("moves", "expected"), MOVES.values(), ids=MOVES.keys())
def test_moves_play_their_cues(tmp_path, spawn, moves, expected):
    cues = Cues(CueOptions(), tmp_path, ("/usr/bin/paplay",), spawn)
    for state in moves:
        cues.on_state_changed(state)
        spawn.finish_all()
    assert spawn.played() == expected
    assert all(p.args[0] == "/usr/bin/paplay" for p in spawn.started)


@pytest.mark.parametrize(("options", "expected"), [
    (CueOptions(on_start=False), ["stop"]), (CueOptions(on_stop=False), ["start"]),
    (CueOptions(False, False), [])])
def test_settings_choose_the_cues_and_apply_live(tmp_path, spawn, options, expected):
    cues = Cues(CueOptions(False, False), tmp_path, ("paplay",), spawn)
    cues.set_options(options)
    for state in (R, T):
        cues.on_state_changed(state)
    assert spawn.played() == expected
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(f"{name}-v1.wav" for name in expected)  # only what is played is made


def test_no_player_skips_with_one_log_line(tmp_path, spawn, caplog):
    cues = Cues(CueOptions(), tmp_path, (), spawn)
    with caplog.at_level(logging.WARNING, logger="app.cues"):
        for state in (R, T, I, R, T):
            cues.on_state_changed(state)
    assert spawn.started == []
    assert len(caplog.records) == 1 and "no paplay or aplay" in caplog.text


def test_a_player_that_cannot_start_turns_cues_off_once(tmp_path, caplog):
    calls = []

    def broken(args, **_kwargs):
        calls.append(args)
        raise PermissionError("not executable")

    cues = Cues(CueOptions(), tmp_path, ("paplay",), broken)
    with caplog.at_level(logging.WARNING, logger="app.cues"):
        for state in (R, T, I, R):
            cues.on_state_changed(state)
    assert len(calls) == 1 and len(caplog.records) == 1


def test_a_hammered_hotkey_never_stacks_up_players(tmp_path, spawn):
    cues = Cues(CueOptions(), tmp_path, ("paplay",), spawn)
    for _ in range(25):
        cues.on_state_changed(R)
        cues.on_state_changed(I)
    assert len(spawn.started) == MAX_PLAYING  # none finished meanwhile
    spawn.finish_all(code=1)  # e.g. no sound server: noted once, and playing goes on
    assert cues.play(rising=True)


def test_play_returns_while_the_player_still_runs(tmp_path):
    # A "player" that takes 30 s: play() must not wait for it.
    slow = (sys.executable, "-c", "import sys, time; time.sleep(30)")
    cues = Cues(CueOptions(), tmp_path, slow)
    assert cues.play(rising=True)
    process = cues._playing[0]
    try:
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()
