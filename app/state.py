"""The dictation state machine as a pure table: which event moves which state where.

``IDLE → RECORDING → TRANSCRIBING → PASTING → IDLE``, plus ``ERROR``. The table has no side
effects and no clock; the controller looks up ``transition(state, event)``, performs the effects
of the new state, and logs the events the table ignores (``None``). Tray icon, window status and
sounds derive from the state alone.

Raw hotkey presses and releases are *not* events here: ``desktop.chord.GestureTracker`` turns
them into ``START`` / ``STOP`` / ``CANCEL`` (hold-to-talk and tap-to-toggle both end up as these
three), so the hold/tap timing lives in one place.

Choices worth knowing:

* ``START`` while ``TRANSCRIBING`` or ``PASTING`` does not move this table: one dictation is
  transcribed and inserted at a time, so two transcripts can never race into the same window.
  It is a *deferred start* instead (``Deferred``, ``defer``): the controller keeps the ring
  position of the press, and the next dictation begins from there as soon as this one reaches
  ``IDLE`` or ``ERROR``, so what the user says right after the press is kept.
* ``CANCEL`` while ``PASTING`` is ignored: the paste is already under way, and stopping half-way
  would leave the clipboard holding the transcript instead of what the user had copied. The
  controller says it came too late.
* A lost microphone is not ``ERROR`` while ``RECORDING``: the controller sends ``STOP``, so the
  audio so far is transcribed and inserted like any dictation; while no microphone works,
  ``START`` becomes ``ERROR`` with the reason.
* ``CANCEL`` while ``TRANSCRIBING`` discards the insertion; the controller keeps the audio/text
  in history, so nothing is lost.
* A late ``TRANSCRIPT_READY`` after a cancel arrives in ``IDLE`` and is ignored.
* ``REINSERT`` ("Paste again" from the history) only from ``IDLE``, straight to ``PASTING``:
  while it pastes, the hotkey cannot start a dictation whose keys would mix with the paste.
* From ``ERROR`` a new ``START``/``TOGGLE`` records again (the error is implicitly
  acknowledged): a user who just saw "paste failed" must not have to click something first.
"""
from __future__ import annotations

import enum


class State(enum.Enum):
    """Where the dictation loop is. ``value`` is the word ``main.py status`` prints."""

    IDLE = "idle"
    RECORDING = "recording"
    TRANSCRIBING = "transcribing"
    PASTING = "pasting"
    ERROR = "error"


class Event(enum.Enum):
    """Something that happened: a user intent or the outcome of an effect."""

    START = "start"  # hotkey gesture began, or `main.py start`
    STOP = "stop"  # hotkey gesture finished, or `main.py stop`
    TOGGLE = "toggle"  # tray menu / `main.py toggle`: start if idle, stop if recording
    CANCEL = "cancel"  # Esc while recording, or `main.py cancel`
    TRANSCRIPT_READY = "transcript_ready"  # engine returned non-empty text
    TRANSCRIPT_EMPTY = "transcript_empty"  # engine heard no words: nothing to insert
    TRANSCRIPTION_FAILED = "transcription_failed"
    PASTE_DONE = "paste_done"
    PASTE_FAILED = "paste_failed"  # e.g. the target window went away; text kept on clipboard
    ERROR = "error"  # any other failure (audio device vanished, engine crashed, ...)
    ERROR_ACKNOWLEDGED = "error_acknowledged"
    REINSERT = "reinsert"  # "Paste again" from the history: insert a kept text once more


_S = State
_E = Event

# Only the moves that exist; every other (state, event) pair is ignored. ERROR is reachable from
# every state because a device or engine can fail at any moment.
_TABLE: dict[tuple[State, Event], State] = {
    (_S.IDLE, _E.START): _S.RECORDING,
    (_S.IDLE, _E.TOGGLE): _S.RECORDING,
    (_S.IDLE, _E.ERROR): _S.ERROR,
    (_S.IDLE, _E.REINSERT): _S.PASTING,
    (_S.RECORDING, _E.STOP): _S.TRANSCRIBING,
    (_S.RECORDING, _E.TOGGLE): _S.TRANSCRIBING,
    (_S.RECORDING, _E.CANCEL): _S.IDLE,
    (_S.RECORDING, _E.ERROR): _S.ERROR,
    (_S.TRANSCRIBING, _E.TRANSCRIPT_READY): _S.PASTING,
    (_S.TRANSCRIBING, _E.TRANSCRIPT_EMPTY): _S.IDLE,
    (_S.TRANSCRIBING, _E.TRANSCRIPTION_FAILED): _S.ERROR,
    (_S.TRANSCRIBING, _E.CANCEL): _S.IDLE,
    (_S.TRANSCRIBING, _E.ERROR): _S.ERROR,
    (_S.PASTING, _E.PASTE_DONE): _S.IDLE,
    (_S.PASTING, _E.PASTE_FAILED): _S.ERROR,
    (_S.PASTING, _E.ERROR): _S.ERROR,
    (_S.ERROR, _E.ERROR_ACKNOWLEDGED): _S.IDLE,
    (_S.ERROR, _E.START): _S.RECORDING,
    (_S.ERROR, _E.TOGGLE): _S.RECORDING,
    (_S.ERROR, _E.CANCEL): _S.IDLE,
    (_S.ERROR, _E.ERROR): _S.ERROR,
}


def transition(state: State, event: Event) -> State | None:
    """Return the state that ``event`` leads to from ``state``, or ``None`` if it is ignored.

    Pure: no side effects, safe from any thread.

    Args:
        state: The current state.
        event: What happened.

    Returns:
        The next state (possibly equal to ``state``), or ``None`` when the event does not fit
        the current state and must be ignored (and logged by the caller).
    """
    return _TABLE.get((state, event))


class Deferred(enum.Enum):
    """A start that came while busy (``TRANSCRIBING``/``PASTING``), kept by the controller."""

    NONE = "none"  # no start is waiting
    WAITING = "waiting"  # pressed: it records from the press once the last dictation is done
    STOPPED = "stopped"  # pressed and stopped again: it is finished as soon as it begins


_D = Deferred

# What the user's intents do to the deferred start while busy. At most one start waits: a start
# after its stop takes it up again (the audio in between stays part of it, nothing is dropped).
_DEFERRED: dict[tuple[Deferred, Event], Deferred] = {
    (_D.NONE, _E.START): _D.WAITING,
    (_D.NONE, _E.TOGGLE): _D.WAITING,
    (_D.WAITING, _E.START): _D.WAITING,
    (_D.WAITING, _E.STOP): _D.STOPPED,
    (_D.WAITING, _E.TOGGLE): _D.STOPPED,
    (_D.WAITING, _E.CANCEL): _D.NONE,
    (_D.STOPPED, _E.START): _D.WAITING,
    (_D.STOPPED, _E.STOP): _D.STOPPED,
    (_D.STOPPED, _E.TOGGLE): _D.WAITING,
    (_D.STOPPED, _E.CANCEL): _D.NONE,
}


def defer(deferred: Deferred, event: Event) -> Deferred | None:
    """While busy: what ``event`` makes of the deferred start, or ``None`` if it is not about it
    (then ``transition`` decides, e.g. ``CANCEL`` with nothing waiting cancels the
    transcription). Pure, like ``transition``; the controller calls it only while ``is_busy``.
    """
    return _DEFERRED.get((deferred, event))


def is_busy(state: State) -> bool:
    """True while a dictation is being transcribed or inserted (a new one cannot start)."""
    return state in (State.TRANSCRIBING, State.PASTING)
