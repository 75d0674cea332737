"""Focus queries on a real X server (the private Xvfb of conftest.py, target windows in other
processes, focus moved by ``xdotool``): the connection ``XDesktop`` keeps for them."""
from __future__ import annotations

import threading

from desktop.xwindow import WindowInfo, XDesktop

TARGET_CLASS = ("murmurTarget", "Murmurtarget")
QUERIES_PER_THREAD = 300


def test_a_kept_connection_follows_the_focus(open_target, xdotool):
    desktop = XDesktop()
    first = open_target()
    assert desktop.focused_window().id == first.id
    second = open_target()  # focused on opening
    assert desktop.focused_window().id == second.id
    xdotool("windowfocus", "--sync", str(first.id))
    assert desktop.focused_window().id == first.id


def test_threads_asking_at_once_each_get_a_true_answer(open_target):
    """One X connection shared by two threads interleaves their requests and replies; each
    thread has its own, so hundreds of queries at once all name the focused window."""
    desktop = XDesktop()
    want = WindowInfo(open_target().id, TARGET_CLASS)
    answers: list[list[WindowInfo | None]] = [[], []]
    errors: list[BaseException] = []

    def ask(into: list) -> None:
        try:
            for _ in range(QUERIES_PER_THREAD):
                into.append(desktop.focused_window())
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(into,)) for into in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert answers == [[want] * QUERIES_PER_THREAD] * 2


def test_a_broken_kept_connection_is_replaced_without_a_failed_query(open_target):
    desktop = XDesktop()
    want = WindowInfo(open_target().id, TARGET_CLASS)
    assert desktop.focused_window() == want
    desktop._kept.display.close()  # as if the connection had broken
    assert desktop.focused_window() == want


def test_key_remaps_by_typing_do_not_pile_up_on_the_kept_connection(open_target):
    """``type_text`` re-maps spare keycodes, and every client is sent MappingNotify; the kept
    connection reads and drops them after each query."""
    desktop = XDesktop()
    target = open_target()
    desktop.focused_window()
    desktop.type_text("中文 日本語")  # characters the layout lacks: remapped keys
    target.wait_text("中文 日本語")
    assert desktop.focused_window() == WindowInfo(target.id, TARGET_CLASS)
    assert desktop._kept.display.pending_events() == 0
