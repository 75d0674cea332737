"""The dictation controller: looks up ``app.state.transition`` and performs each move's effects.

What it drives is injected behind small interfaces (``app.dictation_parts``): tests pass fakes,
``main.py`` the real ``Recorder``, ``Transcriber`` and ``Inserter``. One concern each lives in
``app.deferred_start`` (a start while busy is recorded from the press and begins when the last
dictation is done), ``app.insertion`` (the insertion thread) and ``app.microphone_status`` (a
lost microphone finishes the dictation with what was said; while none works, starts are refused).

Threads: the controller lives on the GUI thread and every public method runs there. Results
come back as queued calls: the transcriber's worker emits signals connected to ``transcribed`` /
``transcription_failed``; ``InsertionWorker.inserted`` comes from the insertion thread; key
events from ``HotkeyBridge``.

Every transcription carries a job number. A result whose job is not the current one (it was
cancelled, or failed over) is dropped, so a late transcript can never land in the next
dictation's place.
"""
from __future__ import annotations

import collections
import logging

from PySide6.QtCore import QObject, Signal

from app.bridge import HotkeyBridge  # noqa: F401 - main.py imports it from here
from app.deferred_start import DeferredStart
from app.dictation_parts import Inserter, Recorder, Transcriber
from app.insertion import Insertion, InsertionWorker, paste_outcome
from app.microphone_status import MicrophoneStatus
from app.state import Deferred, Event, State, defer, is_busy, transition
from app.text_shaper import TextShaper
from audio.capture_types import CaptureEvent
from desktop.chord import Action, Chord, Gesture, GestureTracker, KeyEvent
from desktop.inject import InjectOptions, InjectResult
from desktop.xwindow import WindowInfo

log = logging.getLogger(__name__)

_ACTION_EVENTS = {Action.START: Event.START, Action.STOP: Event.STOP, Action.CANCEL: Event.CANCEL}
NOTHING_HEARD = "Nothing was heard."
BUSY_REINSERT = "Paste again works when Murmur is ready: finish or cancel the dictation first."
TOO_LATE_TO_CANCEL = "Too late to cancel: the text was already being inserted."


class DictationController(QObject):
    """Runs the dictation loop ``IDLE → RECORDING → TRANSCRIBING → PASTING → IDLE`` (+ ``ERROR``).

    Signals:
        state_changed(State): after every move, with the new state.
        event_ignored(Event, State): an event that did not fit the state (also logged).
        notice(str): a sentence for the user: an error, text kept on the clipboard, ...
        dictation_finished(str, InjectResult): a transcript and what became of it (history).
    """

    state_changed = Signal(object)
    event_ignored = Signal(object, object)
    notice = Signal(str)
    dictation_finished = Signal(str, object)

    def __init__(self, recorder: Recorder, transcriber: Transcriber, inserter: Inserter,
                 chord: Chord, inject_options: InjectOptions = InjectOptions(),
                 shaper: TextShaper | None = None, gesture: Gesture = Gesture.BOTH,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._shaper = shaper or TextShaper()
        self._recorder = recorder
        self._transcriber = transcriber
        self._inserter = inserter
        self._inject_options = inject_options
        self._gesture = GestureTracker(chord, gesture)
        self._state = State.IDLE
        self._job = 0  # the transcription whose result we still want
        self._target: WindowInfo | None = None
        self._pending: collections.deque[tuple[Event, str]] = collections.deque()
        self._repeat = ""  # the ERROR's reason a deferred dictation begins from, said again
        self._pressed_at: float | None = None  # the key event being handled, while it is
        self._handling = False
        self._microphone = MicrophoneStatus()
        self._deferred = DeferredStart(recorder, inserter)
        self._insertions = InsertionWorker(inserter, self)
        self._insertions.inserted.connect(self._on_inserted)  # queued: emitted on its worker

    @property
    def state(self) -> State:
        return self._state

    @property
    def deferred(self) -> Deferred:
        """Whether a start that came while busy waits to begin (and whether it was stopped)."""
        return self._deferred.state

    @property
    def microphone_problem(self) -> str | None:
        """Why no microphone works right now (the capture's message), or None."""
        return self._microphone.problem

    # ---- GUI thread: settings, live --------------------------------------------------------
    def set_chord(self, chord: Chord) -> None:
        """Watch ``chord`` from the next key event on (also tell ``HotkeyListener.set_chord``)."""
        self._gesture.set_chord(chord)

    def set_gesture(self, gesture: Gesture) -> None:
        """Hold, tap or both (``desktop.chord.Gesture``, which settings store too)."""
        self._gesture.set_gesture(gesture)

    def set_inject_options(self, options: InjectOptions) -> None:
        """Insert the next transcript this way; an insertion under way keeps its options."""
        self._inject_options = options

    # ---- GUI thread: user intents -----------------------------------------------------------
    def on_key(self, event: KeyEvent) -> None:
        """A key event from ``HotkeyBridge``: the gesture turns it into start/stop/cancel."""
        action = self._gesture.feed(event)
        if action is not None:
            # A start dates its audio from the key, however late this thread got to it.
            self._pressed_at = event.time
            try:
                self.handle(_ACTION_EVENTS[action])
            finally:
                self._pressed_at = None

    def start(self) -> None:
        self.handle(Event.START)

    def stop(self) -> None:
        self.handle(Event.STOP)

    def toggle(self) -> None:
        self.handle(Event.TOGGLE)

    def cancel(self) -> None:
        self.handle(Event.CANCEL)

    def reinsert(self, text: str) -> None:
        """Paste again, only when idle: into the last dictation's window, brought to the front
        (if it is gone, onto the clipboard, and ``notice`` says so). No new history entry."""
        if self._state is not State.IDLE:
            self.notice.emit(BUSY_REINSERT)
        self.handle(Event.REINSERT, text)

    def acknowledge_error(self) -> None:
        self.handle(Event.ERROR_ACKNOWLEDGED)

    def fail(self, message: str) -> None:
        """Anything else broke (engine died, ...): show ``message``."""
        self.handle(Event.ERROR, message)

    def on_capture_event(self, event: CaptureEvent) -> None:
        """What happened to the microphone (``audio.capture``): a loss ends a running recording
        the way a release would, so nothing said is thrown away. Every problem is told."""
        if not self._microphone.update(event):
            return
        if self._state is State.RECORDING:
            self.notice.emit(self._microphone.recording_lost())
            self.handle(Event.STOP)
        else:
            self.notice.emit(event.message)

    # ---- GUI thread: results ----------------------------------------------------------------
    def transcribed(self, job: int, text: str) -> None:
        """Whisper's raw text for ``job``: shaped for the target (cleaned, spaced), inserted."""
        if self._is_current(job):
            text = self._shaper.shape(text, self._target)
            self.handle(Event.TRANSCRIPT_READY if text.strip() else Event.TRANSCRIPT_EMPTY, text)

    def transcription_failed(self, job: int, message: str) -> None:
        if self._is_current(job):
            self.handle(Event.TRANSCRIPTION_FAILED, message)

    def close(self) -> None:
        """Wait for a running insertion to end (on quit)."""
        self._insertions.close()

    def handle(self, event: Event, detail: str = "") -> None:
        """Apply one event. Events raised by effects are queued, so moves happen one by one."""
        self._pending.append((event, detail))
        if self._handling:
            return  # e.g. a fake transcriber answering inside submit(): after this move
        self._handling = True
        try:
            while self._pending:
                self._step(*self._pending.popleft())
        finally:
            self._handling = False

    def _is_current(self, job: int) -> bool:
        if job != self._job or self._state is not State.TRANSCRIBING:
            log.info("dropped the result of transcription %d (current: %d, %s)",
                     job, self._job, self._state.value)
            return False
        return True

    def _step(self, event: Event, detail: str) -> None:
        old = self._state
        if is_busy(old):
            deferred = defer(self._deferred.state, event)
            if deferred is not None:
                self._defer(event, deferred)
                return
        new = transition(old, event)
        if (new is State.RECORDING and old is not State.RECORDING and self._microphone.problem
                and not self._deferred.pending):  # a deferred one has audio: see below
            # Recording silence would look like "nothing was heard": say what is wrong instead.
            event, detail = Event.ERROR, self._microphone.refusal()
            new = transition(old, event)
        if new is None:
            log.info("ignored %s while %s", event.value, old.value)
            self.event_ignored.emit(event, old)
            if event is Event.CANCEL and old is State.PASTING:
                self.notice.emit(TOO_LATE_TO_CANCEL)
            return
        log.debug("%s: %s -> %s", event.value, old.value, new.value)
        self._state = new
        self._effects(old, event, new, detail)
        self._sync_gesture()
        self.state_changed.emit(new)
        if self._deferred.pending and new in (State.IDLE, State.ERROR):
            # The last dictation is done (or failed, its notice said so): the waiting one
            # begins now, from its press; queued, so it is the very next move.
            self._pending.append((Event.START, detail if new is State.ERROR else ""))
        elif new is State.RECORDING and self._repeat:
            # Entering RECORDING clears the window's notice; what a deferred dictation begins
            # after (the last one's failure, its text on the clipboard, ...) must stay in view.
            self.notice.emit(self._repeat)
        self._repeat = ""

    def _defer(self, event: Event, deferred: Deferred) -> None:
        """A user intent while busy that is about the deferred start (``app.state.defer``)."""
        old = self._deferred.state
        if deferred is old:
            log.info("ignored %s: the deferred start is already %s", event.value, old.value)
            self.event_ignored.emit(event, self._state)
            return
        if old is Deferred.NONE and self._microphone.problem:
            # As for any start: say what is wrong, record nothing.
            self.notice.emit(self._microphone.refusal())
            self._sync_gesture()
            return
        self.notice.emit(self._deferred.change(deferred, self._pressed_at))
        log.info("deferred start: %s -> %s (%s while %s)", old.value, deferred.value,
                 event.value, self._state.value)
        self._sync_gesture()

    def _sync_gesture(self) -> None:
        """Recording, as the gesture must see it: a deferred start still waiting counts too."""
        self._gesture.sync(recording=self._state is State.RECORDING
                           or self._deferred.state is Deferred.WAITING)

    def _effects(self, old: State, event: Event, new: State, detail: str) -> None:
        if old is State.RECORDING and new is State.TRANSCRIBING:
            # Where the user is at the release, not once the transcript is ready, is where the
            # text goes; a deferred dictation stopped before it began took both at its stop.
            stop = self._deferred.take_stop()
            self._target = stop.target if stop else self._inserter.remember_target()
            audio = self._recorder.finish(until=stop.until) if stop else self._recorder.finish()
            self._job += 1
            log.info("dictation %d ended; its text goes to %s", self._job, self._target)
            self._transcriber.submit(self._job, audio)
        elif old is State.RECORDING and new is not State.RECORDING:
            self._deferred.take_stop()  # dropped: its stop, if any, must not end the next one
            self._recorder.abort()
        elif new is State.RECORDING and old is not State.RECORDING:
            self._microphone.recording_began()
            if not self._deferred.pending:
                self._recorder.begin(pressed_at=self._pressed_at)
            else:
                self._repeat = detail
                self._begin_deferred()
        if old is State.TRANSCRIBING and new is not State.PASTING:
            self._job += 1  # whatever that transcription still sends is stale now
        if new is State.PASTING:
            again = event is Event.REINSERT
            if again:
                self._job += 1  # nothing of an earlier job may finish this one
            self._insertions.submit(Insertion(self._job, detail, self._target,
                                              self._inject_options, again))
        if event is Event.TRANSCRIPT_EMPTY:
            self.notice.emit(self._microphone.why_nothing_heard() or NOTHING_HEARD)
        elif new is State.ERROR and detail:
            self.notice.emit(detail)

    def _begin_deferred(self) -> None:
        """The waiting start begins from its press; if it was stopped, it ends at once."""
        if self._deferred.begin():
            self._pending.append((Event.STOP, ""))
        elif self._microphone.problem:
            # The microphone went away while it waited: what it got until then is transcribed,
            # as when it goes away during a recording.
            lost = self._microphone.recording_lost()
            self._repeat = f"{self._repeat} {lost}".strip()
            self._pending.append((Event.STOP, ""))

    # ---- GUI thread: an insertion ended ----------------------------------------------------
    def _on_inserted(self, insertion: Insertion, result: InjectResult) -> None:
        if result.inserted:
            self._shaper.inserted(insertion.text, self._target)
        else:
            self._shaper.forget()
        if not insertion.again:  # history keeps a dictation whatever happened; a paste-again it has
            self.dictation_finished.emit(insertion.text.strip(), result)
        if insertion.job != self._job or self._state is not State.PASTING:
            return
        outcome = paste_outcome(insertion, result)
        self.handle(outcome.event, outcome.reason)
        if outcome.notice:
            self.notice.emit(outcome.notice)
