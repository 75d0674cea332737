"""Save the X clipboard with all its formats, put text on it, and restore it intact.

Reading goes through ``xclip`` (one process per target, all in parallel, each bounded by a
deadline, so a hung or vanished owner costs at most ``READ_TIMEOUT_S``). Serving — our text,
and later the saved formats — is ``desktop.selection.SelectionOwner``'s job, because ``xclip -i``
can serve only one format per process and would lose the HTML and the image.

Limits worth knowing: the property *type* of a saved format is not kept (``xclip -o`` drops it);
each format is served back with its target name as type, which is what MIME targets, ``STRING``
and ``UTF8_STRING`` use. After a restore Murmur owns the clipboard on the user's behalf, so the
content lives as long as Murmur does (as it did with the original owner).

Threads: ``read_clipboard`` and ``Clipboard`` methods block (subprocesses, waits on the owner
thread); call them from a worker thread, not the GUI thread.
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass

from desktop.selection import META_TARGETS, Offer, SelectionOwner

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 2.0  # for all formats together
# Without TARGETS support (old owners) these are tried directly.
FALLBACK_TARGETS = ("UTF8_STRING", "STRING")
# Targets whose value is an X resource id (Qt offers PIXMAP/BITMAP for images): meaningless
# once the owner is gone, and xclip cannot tell us their type, so they are not saved.
RESOURCE_TARGETS = frozenset({"PIXMAP", "BITMAP", "DRAWABLE", "COLORMAP", "WINDOW"})


class ClipboardError(RuntimeError):
    """The clipboard cannot be used at all (no ``xclip``, no display)."""


@dataclass(frozen=True)
class ClipboardContents:
    """A snapshot of the clipboard: each format's bytes, in the owner's order.

    Attributes:
        formats: ``(target, data)`` pairs, e.g. ``("text/html", b"<b>hi</b>")``.
        unreadable: targets the owner advertised but did not deliver in time (owner hung or
            vanished mid-read); they cannot be restored.
        unanswered: an owner exists but did not even list its formats in time (it hangs):
            nothing of what it holds could be saved.
    """

    formats: tuple[tuple[str, bytes], ...] = ()
    unreadable: tuple[str, ...] = ()
    unanswered: bool = False

    @property
    def empty(self) -> bool:
        return not self.formats

    def get(self, target: str) -> bytes | None:
        return dict(self.formats).get(target)

    @property
    def text(self) -> str | None:
        """The plain text, if the snapshot has any."""
        for target in ("UTF8_STRING", "text/plain;charset=utf-8", "text/plain"):
            if (data := self.get(target)) is not None:
                return data.decode("utf-8", errors="replace")
        data = self.get("STRING")
        return None if data is None else data.decode("latin-1")


def text_formats(text: str) -> dict[str, bytes]:
    """The formats under which text is offered: every name a reader might ask for."""
    utf8 = text.encode("utf-8")
    formats = {"UTF8_STRING": utf8, "text/plain;charset=utf-8": utf8, "TEXT": utf8,
               "text/plain": utf8}
    try:
        formats["STRING"] = text.encode("latin-1")  # ICCCM: STRING is Latin-1
    except UnicodeEncodeError:
        pass  # better absent than mangled: readers fall back to UTF8_STRING
    return formats


def read_clipboard(display: str | None = None, selection: str = "clipboard",
                   timeout: float = READ_TIMEOUT_S) -> ClipboardContents:
    """Read every format of the selection (worker thread; blocks up to ``timeout`` s).

    An empty clipboard (no owner) gives an empty snapshot; an owner that dies or hangs during
    the read gives the formats read so far, the rest listed as ``unreadable``.

    Raises:
        ClipboardError: ``xclip`` is not installed.
    """
    deadline = time.monotonic() + timeout
    env = dict(os.environ, **({"DISPLAY": display} if display else {}))
    asked = _xclip_start(selection, "TARGETS", env)
    listed = _xclip_finish(asked, deadline)
    if listed is None and asked.returncode == -signal.SIGKILL:
        # Killed at the deadline: an owner is there but hangs. xclip fails at once when there is
        # no owner. Nothing can be saved, and the caller must say so, not act as if it was empty.
        log.warning("the clipboard's owner did not answer within %.1f s", timeout)
        return ClipboardContents(unanswered=True)
    if listed is None:
        targets = list(FALLBACK_TARGETS)
    else:
        names = listed.decode("latin-1").split()
        skip = META_TARGETS | RESOURCE_TARGETS
        targets = list(dict.fromkeys(t for t in names if t not in skip))
    # Start every read at once: a dozen formats cost one round trip, not a dozen.
    procs = {t: _xclip_start(selection, t, env) for t in targets}
    formats, unreadable = [], []
    for target, proc in procs.items():
        data = _xclip_finish(proc, deadline)
        if data is not None:
            formats.append((target, data))
        elif listed is not None:
            unreadable.append(target)
    if unreadable:
        log.warning("clipboard formats not readable (owner gone or hung): %s", unreadable)
    return ClipboardContents(tuple(formats), tuple(unreadable))


def _xclip_start(selection: str, target: str, env: dict[str, str]) -> subprocess.Popen:
    xclip = shutil.which("xclip")
    if xclip is None:
        raise ClipboardError("xclip is not installed; Murmur needs it to save the clipboard")
    return subprocess.Popen([xclip, "-selection", selection, "-o", "-t", target], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _xclip_finish(proc: subprocess.Popen, deadline: float) -> bytes | None:
    try:
        out, _ = proc.communicate(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    return out if proc.returncode == 0 else None


class Clipboard:
    """The CLIPBOARD selection: snapshot it, put text on it, put a snapshot back.

    Args:
        owner: Serves what we put on the clipboard; its thread outlives each paste.
        display: X display name; ``None`` means ``$DISPLAY``.
    """

    def __init__(self, owner: SelectionOwner, display: str | None = None) -> None:
        self._owner = owner
        self._display = display

    def save(self) -> ClipboardContents:
        """Snapshot every format of the clipboard (worker thread).

        While Murmur still serves the clipboard (what it put back after the last paste, when
        nothing was copied since), the snapshot is what it serves: no ``xclip`` round trips on
        the way from the transcript to the paste (~15 ms on an idle machine, more on a busy
        one).
        """
        held = self._owner.held()
        if held is not None:
            return ClipboardContents(tuple(held.items()))
        return read_clipboard(self._display)

    def set_text(self, text: str, watch_window: int | None = None) -> Offer:
        """Own the clipboard with ``text``; the ``Offer`` says when ``watch_window``'s app took it."""
        return self._owner.offer(text_formats(text), watch_window)

    def restore(self, contents: ClipboardContents) -> None:
        """Put a snapshot back; an empty snapshot leaves the clipboard empty, as it was."""
        if contents.empty:
            self._owner.release()
        else:
            self._owner.offer(dict(contents.formats))
