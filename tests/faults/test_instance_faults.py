"""Fault 11, first half: a second Murmur started while the first one is dictating.

The real app runs as in the end-to-end tests (tests/e2e/murmur_app.py: private Xvfb and
PulseAudio, the real model, a Tk target window in another process). A second ``python main.py``
— what a user double-clicking the launcher again runs — must hand over to the first (which
raises its window) and exit, and the dictation under way must go on untouched. (SIGKILL of the
first one mid-dictation, and the next start offering its audio, is in test_kept_dictations.py.)
"""
from __future__ import annotations

import pytest
from e2e_desktop import clipboard_text
from xvfb import wait_until

from engine.wer import word_errors

pytestmark = pytest.mark.model

FULL_HOUR = "FOR A FULL HOUR HE HAD PACED UP AND DOWN WAITING BUT HE COULD WAIT NO LONGER"
TRANSCRIBE_TIMEOUT_S = 90


def test_a_second_launch_mid_dictation_hands_over_and_the_dictation_goes_on(
        murmur, target, pulse, x_server, test_data):
    murmur.wait_ready()
    assert murmur.cli("start").returncode == 0
    murmur.wait_state("recording")
    player = pulse.play(test_data / "speech" / "ls_1089-134691-0001.wav")
    second = murmur.cli()  # a second `python main.py` while the first records
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr
    assert murmur.details()["state"] == "recording"  # the first one did not stop or restart
    assert player.wait(60) == 0, player.stderr.read()
    murmur.record_past(1.5)
    assert murmur.cli("stop").returncode == 0
    # The second launch raised Murmur's window, which may now have the focus: Murmur never
    # pastes into itself, so then the text is on the clipboard and the window says why.
    state = wait_until(lambda: (murmur.details() or {}).get("state") in ("idle", "error") and
                       murmur.details()["state"], TRANSCRIBE_TIMEOUT_S, "the dictation to end")
    if target.text().strip():
        text = target.text()
    else:
        told = murmur.details()["window"] or ""
        assert state == "error" and "Murmur's own window" in told, (told, murmur.log_tail())
        text = clipboard_text(x_server)
    assert word_errors(FULL_HOUR, text).errors <= 1, (text, murmur.log_tail())
    assert murmur.process.poll() is None
