"""PendingNotices: what is said before the window exists reaches it in order, nothing twice,
and afterwards notices pass straight through. Pure Python: no Qt needed.
"""
from __future__ import annotations

from ui.pending_notices import PendingNotices


def test_notices_before_the_window_are_shown_once_it_exists_in_order():
    pending = PendingNotices()
    pending.show("The setting 'history_days' had an unusable value")
    pending.show("")  # nothing to say: not held
    pending.show("The global hotkey could not be armed")
    assert pending.held == ("The setting 'history_days' had an unusable value",
                            "The global hotkey could not be armed")
    shown: list[str] = []
    pending.attach(shown.append)
    assert shown == ["The setting 'history_days' had an unusable value",
                     "The global hotkey could not be armed"]
    assert pending.held == ()
    pending.show("Nothing was heard")
    assert shown[-1] == "Nothing was heard" and len(shown) == 3
