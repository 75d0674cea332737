"""The window's status line: a coloured dot, the state, the recording time, the last notice.

It shows what the controller says and nothing else: ``set_state`` with each ``state_changed``
and ``show_notice`` with each ``notice``. The controller emits a notice *before* the state change
it explains (an error's message, then ``ERROR``), so a notice stays on screen until the next
dictation starts rather than being cleared by the state change that follows it.

Threads: GUI thread.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.state import State
from ui.state_style import style_for

TICK_MS = 200  # the elapsed time shows whole seconds; 5 ticks a second keeps it on time


def format_elapsed(seconds: float) -> str:
    """``0:07``, ``12:34``, ``1:02:03``: recording time as people read a stopwatch."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class StatusLine(QWidget):
    """Shows the dictation state (with elapsed time while recording) and the last notice.

    Args:
        clock: Monotonic seconds; tests pass a fake one so no test waits for real time.
        parent: Parent widget.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._state = State.IDLE
        self._recording_since = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)

        self._dot = QLabel()
        self._dot.setFixedSize(12, 12)
        self._label = QLabel()
        self._label.setObjectName("stateLabel")
        self._elapsed = QLabel()
        self._elapsed.setObjectName("elapsed")
        self._notice = QLabel()
        self._notice.setObjectName("notice")
        self._notice.setWordWrap(True)
        self._notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._notice.hide()

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(8)
        top.addWidget(self._dot, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self._label)
        top.addWidget(self._elapsed)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self._notice)
        self.set_state(State.IDLE)

    # ---- what tests and the window read ------------------------------------------------------
    @property
    def state(self) -> State:
        return self._state

    def text(self) -> str:
        """Everything the line says, as one string (state, time, notice)."""
        parts = [self._label.text(), self._elapsed.text(), self._notice.text()]
        return " ".join(p for p in parts if p)

    # ---- slots ----------------------------------------------------------------------------------
    def set_state(self, state: State) -> None:
        """Show ``state``; entering ``RECORDING`` starts the clock and clears the old notice."""
        style = style_for(state)
        if state is State.RECORDING and self._state is not State.RECORDING:
            self._recording_since = self._clock()
            self.show_notice("")
        self._state = state
        self._label.setText(style.label)
        self._dot.setStyleSheet(f"background: {style.colour}; border-radius: 6px;")
        self._notice.setProperty("error", state is State.ERROR)
        self._notice.style().polish(self._notice)  # re-evaluate the [error="true"] rule
        if state is State.RECORDING:
            self._timer.start()
        else:
            self._timer.stop()
        self.tick()

    def show_notice(self, text: str) -> None:
        """Show one sentence under the state (an error's reason, "Nothing was heard.")."""
        self._notice.setText(text)
        self._notice.setVisible(bool(text))

    def tick(self) -> None:
        """Update the elapsed time (the timer's slot; public so tests can step it)."""
        if self._state is State.RECORDING:
            self._elapsed.setText(format_elapsed(self._clock() - self._recording_since))
        else:
            self._elapsed.setText("")
