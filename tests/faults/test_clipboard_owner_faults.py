"""Fault 7: the clipboard's owner vanishes; the clipboard holds rich text or an image.

Real parts: Murmur started as a user would (``python main.py``, tests/e2e/murmur_app.py) on a
private Xvfb with the real Whisper model; a real dictation (``main.py start``/``stop``, speech
played with ``paplay`` into a private PulseAudio daemon's null sink, whose monitor is Murmur's
microphone) pasted into a Tk text window in another process. The clipboard lives on the real X
server and belongs, before the paste, to another process:

* a Qt app holding text/plain, text/html, an image and a custom format, which quits as soon as
  it loses the clipboard (tests/desktop/clipboard_owner.py ``--exit-when-replaced``): it is
  gone between Murmur's save and restore;
* ``xclip -t image/png``, which also exits once Murmur takes the clipboard;
* a python-xlib owner that dies, unanswered, when Murmur asks it for image/png
  (tests/desktop/vanishing_owner.py): it vanishes while Murmur reads its formats.

Before and after are read with ``xclip -o`` (``desktop.clipboard.read_clipboard``) by target.
"""
from __future__ import annotations

import os
import re
import struct
import subprocess
import zlib

import pytest
from clipboard_owner import TEST_READ_TIMEOUT_S
from x_apps import start_helper, stop_helper
from xvfb import wait_until

from desktop.clipboard import read_clipboard

pytestmark = pytest.mark.model

EXPERIENCE = "EXPERIENCE PROVES THIS"
TRANSCRIBE_TIMEOUT_S = 180  # a loaded machine; normally a few seconds
TAIL_S = 1.5
HTML = "<p>Before: <b>caf\u00e9</b> <i>\u4e2d\u6587</i></p>"
TEXT = "Before: caf\u00e9, \u4e2d\u6587"


def png(width: int = 24, height: int = 16) -> bytes:
    """A real PNG (random RGB pixels), small enough to be served without INCR."""
    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def read(x_server):
    return read_clipboard(x_server.display, timeout=TEST_READ_TIMEOUT_S)


def dictate(murmur, pulse, test_data, target) -> None:
    """A short dictation, pasted into ``target`` (which starts empty)."""
    murmur.wait_ready()
    assert murmur.cli("start").returncode == 0
    murmur.wait_state("recording")
    player = pulse.play(test_data / "speech" / "ls_2830-3980-0043.wav")
    assert player.wait(60) == 0, player.stderr.read()
    murmur.record_past(TAIL_S)
    assert murmur.cli("stop").returncode == 0
    try:
        wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "the text in the target")
    except TimeoutError as error:
        raise AssertionError(f"{error}: {murmur.details()} {murmur.log_tail()}") from None
    murmur.wait_state("idle")
    assert "experience" in target.text().lower(), (target.text(), murmur.log_tail())


def test_rich_text_and_image_come_back_intact_after_their_owner_quit_mid_paste(
        murmur, target, pulse, x_server, test_data):
    owner, _ = start_helper("clipboard_owner.py", "--exit-when-replaced", "--size", "48",
                            env=dict(x_server.env, QT_QPA_PLATFORM="xcb"))
    try:
        before, twice = read(x_server), read(x_server)
        assert before.unreadable == ()
        kinds = dict(before.formats)
        assert {"text/html", "text/plain", "image/png"} <= set(kinds), list(kinds)
        # Qt encodes some image formats afresh at each request, not always to the same bytes
        # (image/ico's padding): only what the owner itself serves identically can be compared.
        unstable = {name for name, data in twice.formats if kinds.get(name) != data}
        assert {"text/html", "text/plain", "image/png"}.isdisjoint(unstable), unstable
        dictate(murmur, pulse, test_data, target)
        assert owner.wait(10) is not None  # it quit when Murmur took the clipboard
    finally:
        stop_helper(owner)
    after = read(x_server)
    assert [t for t, _ in after.formats] == [t for t, _ in before.formats]
    for (name, data), (_, again) in zip(before.formats, after.formats):
        if name in unstable:
            assert len(again) == len(data), name
        else:
            assert again == data, name  # every target byte-identical
    assert "could not" not in murmur.details()["window"]


def test_an_image_owned_by_xclip_comes_back_intact(murmur, target, pulse, x_server,
                                                   test_data, tmp_path):
    image = png()
    path = tmp_path / "copied.png"
    path.write_bytes(image)
    owner = subprocess.Popen(["xclip", "-quiet", "-selection", "clipboard", "-t", "image/png",
                              "-i", str(path)], env=x_server.env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: read(x_server).get("image/png") == image, 10,
                   "xclip to own the clipboard")
        before = read(x_server)
        dictate(murmur, pulse, test_data, target)
        assert owner.wait(10) == 0  # xclip exits once it is no longer the owner
    finally:
        owner.kill()
        owner.wait()
    after = read(x_server)
    assert after.formats == before.formats and after.get("image/png") == image


def test_an_owner_vanishing_while_its_formats_are_read_costs_only_what_it_took_along(
        murmur, target, pulse, x_server, test_data, tmp_path):
    originals = {"UTF8_STRING": TEXT.encode(), "text/plain": TEXT.encode(),
                 "text/html": HTML.encode(), "image/png": png()}
    files = []
    for n, (name, data) in enumerate(originals.items()):
        (tmp_path / f"f{n}").write_bytes(data)
        files.append(f"{name}={tmp_path / f'f{n}'}")
    owner, _ = start_helper("vanishing_owner.py", "image/png", *files, env=x_server.env)
    try:
        dictate(murmur, pulse, test_data, target)  # the paste still lands
        assert owner.wait(10) is not None  # it died when asked for the image
    finally:
        stop_helper(owner)
    after = dict(read(x_server).formats)
    assert "image/png" not in after
    for name, data in after.items():
        assert data == originals[name], name  # what was read back is put back byte-identical
    window = murmur.details()["window"]
    told = re.search(r"could not be put back \(([^)]*)\)", window)
    assert told, window  # and the user is told which formats were lost
    assert set(told.group(1).split(", ")) == set(originals) - set(after), window
