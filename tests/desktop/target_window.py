"""A real text window in its own process, for paste/type tests (Tk, so it starts in ~0.1 s).

Usage: ``python target_window.py OUT_FILE [--terminal]``. Prints the X id of its top-level
window once mapped, then writes the whole text to OUT_FILE after every change (write + rename,
so a reader never sees half a file).

``--terminal`` sets the window class to ``XTerm`` and behaves like a terminal: Ctrl+V inserts a
literal ``^V``, Ctrl+Shift+V pastes. ``--no-paste`` ignores every paste key (an app that refuses
paste).
"""
from __future__ import annotations

import os
import sys
import tkinter

import Xlib.display


def main() -> None:
    out = sys.argv[1]
    terminal = "--terminal" in sys.argv[2:]
    no_paste = "--no-paste" in sys.argv[2:]
    root = tkinter.Tk(className="XTerm" if terminal else "MurmurTarget")
    root.title("murmur-test-target")
    text = tkinter.Text(root, width=60, height=10)
    text.pack()

    def save(_event=None) -> None:
        tmp = f"{out}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text.get("1.0", "end-1c"))
        os.replace(tmp, out)
        text.edit_modified(False)  # re-arm <<Modified>>

    text.bind("<<Modified>>", lambda e: text.edit_modified() and save())
    if terminal:
        text.event_delete("<<Paste>>", "<Control-Key-v>")
        text.bind("<Control-Key-v>", lambda e: (text.insert("insert", "^V"), "break")[1])
        text.bind("<Control-Key-V>", lambda e: (text.event_generate("<<Paste>>"), "break")[1])
    if no_paste:
        text.bind("<<Paste>>", lambda e: "break")
    text.focus_set()
    root.update()
    save()
    # The top-level X window is the parent of Tk's own: the one carrying WM_CLASS.
    display = Xlib.display.Display()
    wrapper = display.create_resource_object("window", root.winfo_id()).query_tree().parent
    print(wrapper.id, flush=True)
    display.close()
    root.mainloop()


if __name__ == "__main__":
    main()
