"""Inserting text into a real window in another process: paste, type, copy, and refusals."""
from __future__ import annotations

import pytest
from x_apps import stop_helper
from xvfb import wait_until

from desktop.clipboard import Clipboard, read_clipboard
from desktop.inject import WINDOW_GONE, InjectOptions, InjectResult, Injector, InsertMode
from desktop.xwindow import WindowInfo, XDesktop

NON_ASCII = "é ß ü 中文"
TYPED = "typed: é ß ü 中文 ñ 日本語 αβγ €\tend"


@pytest.fixture
def injector(selection_owner):
    return Injector(Clipboard(selection_owner), XDesktop())


def test_paste_arrives_and_rich_clipboard_comes_back(rich_clipboard, open_target, injector):
    before = read_clipboard()
    assert before.get("image/png") and before.get("text/html")
    target = open_target()
    where = injector.remember_target()
    assert where == WindowInfo(target.id, ("murmurTarget", "Murmurtarget"))

    assert injector.insert(NON_ASCII, where) == InjectResult(True, False)

    target.wait_text(NON_ASCII)
    assert read_clipboard().formats == before.formats


def test_paste_into_empty_clipboard_leaves_it_empty(open_target, injector, caplog):
    target = open_target()
    with caplog.at_level("INFO", logger="desktop.inject"):
        assert injector.insert(NON_ASCII, injector.remember_target()).inserted
    target.wait_text(NON_ASCII)
    assert read_clipboard().empty
    # The log says which window took it (the words stay out of the log).
    assert f"window {target.id:#x} took the paste ({len(NON_ASCII)} characters)" in caplog.text
    assert NON_ASCII not in caplog.text


def test_terminal_gets_ctrl_shift_v(open_target, injector):
    target = open_target(terminal=True)
    where = injector.remember_target()
    assert where.is_terminal
    assert injector.insert(NON_ASCII, where).inserted
    target.wait_text(NON_ASCII)  # a plain Ctrl+V would have left "^V"


def test_type_mode_types_any_script(open_target, injector):
    target = open_target()
    result = injector.insert(TYPED, injector.remember_target(), InjectOptions(InsertMode.TYPE))
    assert result == InjectResult(True, False)
    target.wait_text(TYPED)
    assert read_clipboard().empty  # typing never touches the clipboard


def test_copy_mode_only_sets_the_clipboard(open_target, injector):
    target = open_target()
    result = injector.insert(NON_ASCII, injector.remember_target(), InjectOptions(InsertMode.COPY))
    assert result == InjectResult(False, True)
    assert read_clipboard().text == NON_ASCII
    assert target.text() == ""


def test_focus_moved_to_another_window_refuses_and_keeps_text(open_target, injector):
    first = open_target()
    where = injector.remember_target()
    second = open_target()  # the user clicked elsewhere while Murmur transcribed
    result = injector.insert(NON_ASCII, where)
    assert (result.inserted, result.on_clipboard) == (False, True)
    assert "clipboard" in result.message
    assert read_clipboard().text == NON_ASCII
    assert first.text() == "" and second.text() == ""


class FocusMovesBeforeTheKeys(XDesktop):
    """The user clicks another window after Murmur's last focus check, before its Ctrl+V."""

    def __init__(self, xdotool, window_id: int) -> None:
        super().__init__()
        self._move = lambda: xdotool("windowfocus", "--sync", str(window_id))

    def press_chord(self, keys) -> None:
        self._move()
        super().press_chord(keys)


def test_focus_moved_between_the_check_and_the_keys_pastes_nowhere(
        open_target, selection_owner, xdotool):
    first = open_target()
    second = open_target(focus=False)
    xdotool("windowfocus", "--sync", str(first.id))
    injector = Injector(Clipboard(selection_owner), FocusMovesBeforeTheKeys(xdotool, second.id))
    result = injector.insert(NON_ASCII, injector.remember_target())
    assert (result.inserted, result.on_clipboard) == (False, True)
    assert "lost focus" in result.message
    assert read_clipboard().text == NON_ASCII
    # Tk handles the paste key (and any retry in other formats) before the next key.
    xdotool("type", "--window", str(second.id), "x")
    second.wait_text("x")
    assert first.text() == ""


def test_target_closed_refuses_and_keeps_text(open_target, injector):
    target = open_target()
    where = injector.remember_target()
    stop_helper(target.process)
    wait_until(lambda: XDesktop().focused_window() != where, 5, "the window to close")
    result = injector.insert(NON_ASCII, where)
    assert (result.inserted, result.on_clipboard) == (False, True)
    assert read_clipboard().text == NON_ASCII


def test_no_focused_window_keeps_text(injector):
    result = injector.insert(NON_ASCII, None)
    assert (result.inserted, result.on_clipboard) == (False, True)
    assert read_clipboard().text == NON_ASCII


def test_target_that_never_takes_the_paste_keeps_text(open_target, injector, xdotool, caplog):
    target = open_target(no_paste=True)
    with caplog.at_level("INFO", logger="desktop.inject"):
        result = injector.insert(NON_ASCII, injector.remember_target(),
                                 InjectOptions(paste_timeout_s=0.3))
    assert "took the paste" not in caplog.text
    assert (result.inserted, result.on_clipboard) == (False, True)
    assert "did not take the paste" in result.message
    assert read_clipboard().text == NON_ASCII  # the old clipboard is not put back under it
    assert target.text() == ""


def test_modifiers_still_held_from_the_hotkey_are_released(open_target, injector, xdotool):
    target = open_target()
    xdotool("keydown", "ctrl+alt")  # the user has not let go of Ctrl+Alt(+Space) yet
    assert injector.insert(NON_ASCII, injector.remember_target()).inserted
    target.wait_text(NON_ASCII)
    assert XDesktop().release_held_modifiers() == ()  # nothing left held down


def test_type_mode_with_more_new_characters_than_spare_keys(open_target, injector):
    # 60 distinct CJK characters: more than any layout has spare keycodes, so several batches.
    text = "".join(chr(0x4E00 + 7 * n) for n in range(60)) + " ok"
    target = open_target()
    assert injector.insert(text, injector.remember_target(), InjectOptions(InsertMode.TYPE)).inserted
    target.wait_text(text)


def test_reinsert_brings_the_last_target_back_and_pastes(open_target, injector):
    first = open_target()
    where = injector.remember_target()
    murmur = open_target()  # Murmur's own window has the focus when "Paste again" is clicked
    assert injector.reinsert(NON_ASCII, where) == InjectResult(True, False)
    first.wait_text(NON_ASCII)
    assert murmur.text() == ""
    assert XDesktop().focused_window() == where


def test_reinsert_into_a_closed_window_keeps_text_on_the_clipboard(open_target, injector):
    target = open_target()
    where = injector.remember_target()
    stop_helper(target.process)
    wait_until(lambda: XDesktop().focused_window() != where, 5, "the window to close")
    result = injector.reinsert(NON_ASCII, where)
    assert (result.inserted, result.on_clipboard) == (False, True)
    assert result.message.startswith(WINDOW_GONE)
    assert read_clipboard().text == NON_ASCII


def test_reinsert_without_a_remembered_window_copies(injector):
    result = injector.reinsert(NON_ASCII, None)
    assert (result.inserted, result.on_clipboard) == (False, True)
    assert read_clipboard().text == NON_ASCII


def test_murmurs_own_window_is_never_pasted_into(x_display, injector):
    """A second launch raises Murmur's window mid-dictation: at release it has the focus. The
    window here is made by this process with python-xlib and says so in ``_NET_WM_PID``, as Qt's
    windows do; the text must stay on the clipboard, with the reason."""
    import os

    import Xlib.display
    from Xlib import X, Xatom

    display = Xlib.display.Display(x_display.display)
    try:
        window = display.screen().root.create_window(0, 0, 200, 100, 0, display.screen().root_depth)
        window.set_wm_class("murmur", "Murmur")
        window.change_property(display.intern_atom("_NET_WM_PID"), Xatom.CARDINAL, 32, [os.getpid()])
        window.map()
        display.sync()
        wait_until(lambda: window.get_attributes().map_state == X.IsViewable, 5, "the window")
        window.set_input_focus(X.RevertToParent, X.CurrentTime)
        display.sync()
        where = injector.remember_target()
        assert where == WindowInfo(window.id, ("murmur", "Murmur"), os.getpid())
        result = injector.insert(NON_ASCII, where)
        assert (result.inserted, result.on_clipboard) == (False, True)
        assert "Murmur's own window" in result.message
        assert read_clipboard().text == NON_ASCII
    finally:
        display.close()
