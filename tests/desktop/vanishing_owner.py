"""An X clipboard owner (python-xlib, its own process) that dies while its clipboard is read.

``python vanishing_owner.py DIE_ON TARGET=FILE...`` owns the CLIPBOARD with each file's bytes
under its target name, answers ``TARGETS`` and every format, prints ``ready`` once it owns the
clipboard, and exits at once, without answering, on the first request for ``DIE_ON`` (``-``:
never), as an application that quits or crashes in the middle of a copy-paste would. It also
exits when another program takes the clipboard. Formats must be under 64 KiB (no INCR here).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import Xlib.display
import Xlib.protocol.event
from Xlib import X, Xatom


def main() -> None:
    die_on = sys.argv[1]
    display = Xlib.display.Display()
    formats = {}
    for spec in sys.argv[2:]:
        target, _, path = spec.partition("=")
        formats[display.intern_atom(target)] = Path(path).read_bytes()
    clipboard = display.intern_atom("CLIPBOARD")
    window = display.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
    window.set_selection_owner(clipboard, X.CurrentTime)
    if display.get_selection_owner(clipboard) != window:
        sys.exit("could not own the clipboard")
    print("ready", flush=True)
    targets_atom = display.intern_atom("TARGETS")
    while True:
        event = display.next_event()
        if event.type == X.SelectionClear:
            return  # someone else owns it now: like xclip, this owner has nothing left to do
        if event.type != X.SelectionRequest:
            continue
        name = display.get_atom_name(event.target)
        if name == die_on:
            os._exit(0)  # vanish mid-read: no answer, the X server drops our ownership
        prop = event.property or event.target
        if event.target == targets_atom:
            event.requestor.change_property(prop, Xatom.ATOM, 32, [targets_atom, *formats])
        elif event.target in formats:
            event.requestor.change_property(prop, event.target, 8, formats[event.target])
        else:
            prop = X.NONE
        event.requestor.send_event(Xlib.protocol.event.SelectionNotify(
            time=event.time, requestor=event.requestor, selection=event.selection,
            target=event.target, property=prop))
        display.flush()


if __name__ == "__main__":
    main()
