"""Faults 2/3 with 5: a dictation fails while the data folder is full or read-only, so its audio
cannot go to disk; it must be kept in memory, offered, and transcribed by a retry.

Real parts: Murmur started as a user would (``python main.py``, tests/e2e/murmur_app.py) on a
private Xvfb, its microphone a private PulseAudio null sink into which ``paplay`` plays real
speech, a Tk target window in another process. It runs in a private mount namespace whose
``$XDG_DATA_HOME/murmur`` is a 1 MiB tmpfs, filled with ``dd`` or remounted read-only before the
app starts (``private_data_dir`` of test_storage_faults.py). The models folder in it links to a
model file outside, which is first a truncated copy of the real Whisper model: the engine cannot
load it, so the dictation fails. The test then puts the whole model there and presses the
banner's "Get the default model" (Alt+G), which finds it valid and loads it; ``main.py retry``
transcribes the dictation from memory. What the user sees is read from ``status --json`` and the
real X clipboard.
"""
from __future__ import annotations

import os
import shutil

import pytest
from e2e_desktop import clipboard_text, set_clipboard
from test_kept_dictations import press_in_murmur_window, speak_into, wait_started
from test_storage_faults import _can_unshare, private_data_dir
from xvfb import wait_until

from engine.wer import word_errors

pytestmark = pytest.mark.model

JFK = ("And so my fellow Americans ask not what your country can do for you, ask what you can "
       "do for your country.")
JFK_SECONDS = 11.0
TIMEOUT_S = 120


@pytest.mark.skipif(not _can_unshare(), reason="no user+mount namespaces on this kernel")
@pytest.mark.parametrize("how", ["full", "read-only"])
def test_a_failed_dictation_the_disk_refused_is_kept_in_memory_and_retried(
        launch_murmur, default_model_path, target, pulse, x_server, test_data, tmp_path, how):
    model = tmp_path / "model.bin"  # outside the tmpfs: the test can mend it
    with open(default_model_path, "rb") as whole:
        model.write_bytes(whole.read(5_000_000))
    murmur = launch_murmur(prefix=private_data_dir(model, how))
    wait_started(murmur)
    wait_until(lambda: murmur.details()["model_problem"], TIMEOUT_S, "the model problem")

    speak_into(murmur, pulse, test_data / "speech" / "jfk.wav")
    murmur.cli("stop")
    murmur.wait_state("error")  # the engine has no usable model: the dictation failed
    (kept,) = wait_until(lambda: murmur.details()["kept_dictations"], 30,
                         "the failed dictation kept")
    details = murmur.details()
    assert kept["in_memory"] is True and kept["seconds"] > JFK_SECONDS, details
    assert any("in memory only" in text and "lost if Murmur quits" in text
               for text in details["banners"]), details
    assert murmur.process.poll() is None and target.text().strip() == ""

    mended = tmp_path / "model.part"
    shutil.copyfile(default_model_path, mended)
    os.replace(mended, model)
    press_in_murmur_window(x_server, "alt+g")  # the banner's "Get the default model"
    wait_until(lambda: murmur.details()["model_loaded"], TIMEOUT_S, "the mended model loaded")

    set_clipboard(x_server, "what the user had copied")
    assert murmur.cli("retry").returncode == 0
    wait_until(lambda: murmur.details()["kept_dictations"] == [], TIMEOUT_S,
               "the kept dictation transcribed")
    text = wait_until(lambda: (t := clipboard_text(x_server).strip()) != "what the user had "
                      "copied" and t, 30, "the words on the clipboard")
    assert word_errors(JFK, text).errors <= 2, (text, murmur.log_tail())
    assert target.text().strip() == ""  # never pasted into whatever has the focus now
    assert murmur.process.poll() is None
