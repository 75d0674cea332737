"""A start that came while the last dictation is still being transcribed or pasted.

One dictation is transcribed and inserted at a time (``app.state``), so two transcripts never
race into one window; yet what the user says right after pressing the hotkey must not be lost.
So a press while busy is a *deferred start*: the recorder holds the microphone and the ring index
of the press, pre-roll included (``Recorder.mark``; the ring holds minutes, so the audio is
still there later), and the dictation begins from that index the moment the last one is done.
A stop before then (hold released, second tap, ``main.py stop``) takes the ring position and the
focused window *at that moment*, as any release does: the dictation is then finished as soon as
it begins, with the audio up to the stop, and its text goes into that window. Esc / cancel drops
it and lets the microphone go.

Which intent does what is the pure table ``app.state.defer``. This class keeps what goes with
it (the indexes and the window) and performs the recorder's side. The controller decides when
(it owns the state machine) and tells the user (it owns ``notice``); the sentences live here,
next to what they describe.

Threads: GUI thread only, like the controller that owns it.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.dictation_parts import Inserter, Recorder
from app.state import Deferred
from desktop.xwindow import WindowInfo

DEFERRED_START = ("Recording — the last dictation is still being inserted; what you say now is "
                  "kept and inserted after it.")
DEFERRED_STOP = "Stopped — this dictation is inserted as soon as the last one is."
DEFERRED_CANCEL = "Cancelled: nothing of that dictation is recorded or inserted."


@dataclass(frozen=True)
class DeferredStop:
    """Where a deferred dictation that was stopped before it began ends."""

    until: int  # the ring index at the stop: its audio ends there
    target: WindowInfo | None  # the window focused at the stop: its text goes there


class DeferredStart:
    """The one start that may wait while busy (``app.state.Deferred``), and its bookkeeping.

    Args:
        recorder: Marks the press, reports the position at a stop, begins from the mark.
        inserter: Remembers the focused window at a stop.
    """

    def __init__(self, recorder: Recorder, inserter: Inserter) -> None:
        self._recorder = recorder
        self._inserter = inserter
        self._state = Deferred.NONE
        self._from_index = 0  # the press's ring index; meaningful while the state is not NONE
        self._stop: DeferredStop | None = None  # set exactly while the state is STOPPED
        # A stopped one that has begun keeps its stop until its recording ends (``take_stop``).
        self._begun_stop: DeferredStop | None = None

    @property
    def state(self) -> Deferred:
        return self._state

    @property
    def pending(self) -> bool:
        """A start waits to begin (still recording or already stopped)."""
        return self._state is not Deferred.NONE

    def change(self, to: Deferred, pressed_at: float | None = None) -> str:
        """Move to ``to`` (what ``app.state.defer`` gave; not the current state), doing the
        recorder's side of it; return the sentence that tells the user. ``pressed_at``: when
        the key behind it went down, if a key."""
        if self._state is Deferred.NONE:
            self._from_index = self._recorder.mark(pressed_at)
        if to is Deferred.NONE:
            self._recorder.unmark()
            self._stop, sentence = None, DEFERRED_CANCEL
        elif to is Deferred.STOPPED:
            # As at any release: this moment's position and focused window are where it ends.
            self._stop = DeferredStop(self._recorder.position(), self._inserter.remember_target())
            sentence = DEFERRED_STOP
        else:  # taken up again after a stop: it records on, the audio in between is kept
            self._stop, sentence = None, DEFERRED_START
        self._state = to  # last: if the recorder raised, nothing changed
        return sentence

    def begin(self) -> bool:
        """The last dictation is done: this one starts recording from its press and no longer
        waits. True if it was stopped already: the controller then finishes it at once, and
        ``take_stop`` says where it ends."""
        stop = self._stop
        self._state, self._stop = Deferred.NONE, None
        self._recorder.begin(from_index=self._from_index)
        self._begun_stop = stop
        return stop is not None

    def take_stop(self) -> DeferredStop | None:
        """When a recording ends: the stop of the deferred dictation that just began, or None
        (an ordinary recording: it ends now). Called whenever a recording ends, finished or
        dropped, so a stop can never carry over to the next dictation."""
        stop, self._begun_stop = self._begun_stop, None
        return stop
