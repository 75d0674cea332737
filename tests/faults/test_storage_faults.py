"""Faults 5 and 10: the data folder is full or read-only, the settings file is garbage, the
history database is corrupt — in the real app, with a real dictation.

The app runs as in the end-to-end tests (tests/e2e/murmur_app.py: private Xvfb and PulseAudio,
the real model, a Tk target window in another process; speech played into the virtual
microphone). For a full or read-only disk the app is started inside a private mount namespace
(``unshare --map-root-user --mount``, no privileges needed where user namespaces are on) whose
``$XDG_DATA_HOME/murmur`` — history, kept audio, the models folder — is a small tmpfs that the
wrapper fills to the last byte, or remounts read-only, before it execs the app. The model file
itself stays outside, linked in.
"""
from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from e2e_desktop import xdotool
from xvfb import wait_until

from app.history import History
from engine.catalog import DEFAULT_MODEL, model_filename
from engine.wer import word_errors

pytestmark = pytest.mark.model

FULL_HOUR = "FOR A FULL HOUR HE HAD PACED UP AND DOWN WAITING BUT HE COULD WAIT NO LONGER"
CLIP = "ls_1089-134691-0001.wav"
TRANSCRIBE_TIMEOUT_S = 90
TAIL_S = 1.5


def data_dir() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "murmur"


def _can_unshare() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "--map-root-user", "--mount", "true"],
                          capture_output=True, timeout=10).returncode == 0


def private_data_dir(model: Path, how: str) -> tuple[str, ...]:
    """A launch prefix: ``$XDG_DATA_HOME/murmur`` becomes a 1 MiB tmpfs holding only the model
    link, then ``full`` fills it (dd until ENOSPC) or ``read-only`` remounts it read-only."""
    folder = shlex.quote(str(data_dir()))
    link = shlex.quote(str(data_dir() / "models" / model_filename(DEFAULT_MODEL)))
    damage = {"full": f"dd if=/dev/zero of={folder}/filler bs=4k 2>/dev/null || true",
              "read-only": f"mount -o remount,ro {folder}"}[how]
    script = (f"set -e; mount -t tmpfs -o size=1m tmpfs {folder}; mkdir {folder}/models; "
              f"ln -s {shlex.quote(str(model))} {link}; {damage}; exec \"$@\"")
    return ("unshare", "--map-root-user", "--mount", "sh", "-c", script, "sh")


def dictate(murmur, pulse, x_server, test_data) -> None:
    """Hold the hotkey, play a sentence into the microphone, release."""
    murmur.wait_ready()
    xdotool(x_server, "keydown", "ctrl+alt+space")
    murmur.wait_state("recording")
    player = pulse.play(test_data / "speech" / CLIP)
    assert player.wait(60) == 0, player.stderr.read()
    murmur.record_past(TAIL_S)
    xdotool(x_server, "keyup", "space", "keyup", "alt", "keyup", "ctrl")


def window_says(murmur) -> str:
    return (murmur.details() or {}).get("window") or ""


@pytest.mark.skipif(not _can_unshare(), reason="no user+mount namespaces on this kernel")
@pytest.mark.parametrize("how", ["full", "read-only"])
def test_a_full_or_read_only_data_folder_still_inserts_the_text_and_says_so(
        launch_murmur, default_model_path, target, pulse, x_server, test_data, how):
    murmur = launch_murmur(prefix=private_data_dir(default_model_path, how))
    dictate(murmur, pulse, x_server, test_data)
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    assert word_errors(FULL_HOUR, target.text()).errors <= 1, (target.text(), murmur.log_tail())
    murmur.wait_state("idle")
    told = window_says(murmur).lower()
    assert "history" in told or "disk" in told or "could not" in told, (told, murmur.log_tail())
    assert murmur.process.poll() is None  # still running


def test_garbage_settings_fall_back_to_defaults_and_dictation_works(
        launch_murmur, target, pulse, x_server, test_data):
    garbage = ("[General]\nversion=99\nlanguage=en\nthreads=2\nhotkey=ctrl+banana+%%%\n"
               "gesture=sideways\npreroll_ms=-7\ninsert_mode=telepathy\nno_such_key=\xff\n")
    murmur = launch_murmur(ini=garbage)
    dictate(murmur, pulse, x_server, test_data)  # the default hotkey, Ctrl+Alt+Space
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    assert word_errors(FULL_HOUR, target.text()).errors <= 1, (target.text(), murmur.log_tail())
    assert murmur.details()["hotkey"].lower().replace(" ", "") == "ctrl+alt+space"
    log = murmur.log.read_text(errors="replace").lower()
    assert "hotkey" in log and "unusable" in log, murmur.log_tail()


def test_a_corrupt_history_database_is_moved_aside_and_a_new_one_used(
        launch_murmur, target, pulse, x_server, test_data):
    data_dir().mkdir(parents=True, exist_ok=True)
    database = data_dir() / "history.sqlite3"
    database.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))  # a header, then noise
    murmur = launch_murmur()
    murmur.wait_ready()
    # The window is built just after "ready"; the notice from before it waits for it.
    told = wait_until(lambda: "history" in window_says(murmur).lower() and window_says(murmur),
                      30, "the window to say the history was damaged").lower()
    dictate(murmur, pulse, x_server, test_data)
    wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "text in the target window")
    murmur.wait_state("idle")
    aside = [p for p in data_dir().iterdir() if p.name.startswith("history") and
             p.name != database.name and not p.name.endswith(("-wal", "-shm", "-journal"))]
    assert aside, list(data_dir().iterdir())  # the damaged file is kept for the user
    assert "damaged" in told, (told, murmur.log_tail())

    def saved() -> list[str]:
        history = History(database)
        try:
            return [entry.text for entry in history.entries()]
        except sqlite3.Error:
            return []
        finally:
            history.close()
    assert wait_until(saved, 30, "the dictation in the new history") == [target.text().strip()]
