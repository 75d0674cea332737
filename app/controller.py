"""The dictation controller: looks up ``app.state.transition`` and performs each move's effects.

Everything it drives is injected behind a small interface, so tests use fakes and ``main.py``
wires the real ones: a ``Recorder`` (audio), a ``Transcriber`` (engine worker) and an
``Inserter`` (``desktop.inject.Injector``).

Threads: the controller lives on the GUI thread and every public method runs there. Results
come back as queued calls: the transcriber's worker emits signals connected to ``transcribed`` /
``transcription_failed``; insertion runs on the controller's own single worker thread and
reports back through the private ``_inserted`` signal. Key events come from ``HotkeyBridge``.

Settings apply live: ``set_chord``, ``set_gesture`` and ``set_inject_options`` take effect from
the next key event or insertion; a dictation under way keeps the options it started with.

"Paste again" from the history (``reinsert``) is a move of its own, ``IDLE → PASTING``, through
the same insertion worker, into the window remembered at the last release.

Every transcription carries a job number. A result whose job is not the current one (it was
cancelled, or failed over) is dropped, so a late transcript can never land in the next
dictation's place.

The microphone (``on_capture_event``): a dictation whose microphone goes away is *finished*
there, not dropped: what was said until then is transcribed and inserted into the window that
had focus at that moment, as if the user had released the hotkey, and a notice says why it
ended. While no microphone is known to work, a start is refused with a clear error instead of
recording silence. Cancelling while pasting is refused with a notice, never silently.

Starting while busy (``TRANSCRIBING``/``PASTING``) is a deferred start (``app.state.defer``):
the recorder holds the ring position of the press (``mark``), and the dictation begins from
there the moment the last one reaches ``IDLE`` or ``ERROR``, so its audio is whole from the
press. A stop before then (hold released, second tap) takes the ring position and the focused
window at that moment; the dictation is then finished as soon as it begins, with the audio up
to the stop, and its text inserted there after the last one's paste. Esc / cancel drops it.
"""
from __future__ import annotations

import collections
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from app.state import Deferred, Event, State, defer, is_busy, transition
from audio.capture_types import CaptureEvent, CaptureEventKind
from app.text_shaper import TextShaper
from desktop.chord import Action, Chord, Gesture, GestureTracker, KeyEvent
from desktop.inject import InjectOptions, InjectResult, InsertMode
from desktop.xwindow import WindowInfo

log = logging.getLogger(__name__)

_ACTION_EVENTS = {Action.START: Event.START, Action.STOP: Event.STOP, Action.CANCEL: Event.CANCEL}
NOTHING_HEARD = "Nothing was heard."
BUSY_REINSERT = "Paste again works when Murmur is ready: finish or cancel the dictation first."
DEFERRED_START = ("Recording — the last dictation is still being inserted; what you say now is "
                  "kept and inserted after it.")
DEFERRED_STOP = "Stopped — this dictation is inserted as soon as the last one is."
DEFERRED_CANCEL = "Cancelled: nothing of that dictation is recorded or inserted."
TOO_LATE_TO_CANCEL = "Too late to cancel: the text was already being inserted."
NO_MICROPHONE = "Cannot record: {problem}"
MICROPHONE_LOST = "{problem} The dictation ended there; what you said until then is transcribed."
NOTHING_HEARD_NO_MICROPHONE = "Nothing was heard: the microphone went away. {problem}"
_PROBLEMS = (CaptureEventKind.DEVICE_LOST, CaptureEventKind.NO_DEVICE)


class Recorder(Protocol):
    """The microphone side of a dictation (GUI thread, non-blocking)."""

    def begin(self, from_index: int | None = None) -> None:
        """A dictation starts: keep audio from now (plus pre-roll), or from ``mark``'s index."""

    def finish(self, until: int | None = None) -> object:
        """The dictation ends (at ``position``'s index if given): return its audio."""

    def abort(self) -> None:
        """The dictation was cancelled or failed: drop its audio."""

    def mark(self) -> int:
        """A start while busy: hold the microphone, return where the dictation will begin."""

    def unmark(self) -> None:
        """That deferred start was cancelled: let the microphone go."""

    def position(self) -> int:
        """Where now is in the audio (a deferred start's stop)."""


@dataclass
class _DeferredStart:
    """A start that came while busy: from where, and (once stopped) until where and into which
    window (GUI thread only)."""

    from_index: int
    until: int | None = None
    target: WindowInfo | None = None


class Transcriber(Protocol):
    def submit(self, job: int, audio: object) -> None:
        """Start transcribing (GUI thread, returns at once); answer via the controller's
        ``transcribed(job, text)`` or ``transcription_failed(job, message)``."""


class Inserter(Protocol):
    """``desktop.inject.Injector``: ``remember_target`` on the GUI thread, the rest on the
    insertion worker."""

    def remember_target(self) -> WindowInfo | None: ...

    def insert(self, text: str, target: WindowInfo | None,
               options: InjectOptions) -> InjectResult: ...

    def reinsert(self, text: str, target: WindowInfo | None,
                 options: InjectOptions) -> InjectResult:
        """Like ``insert``, but brings ``target`` to the front first ("Paste again")."""


class HotkeyBridge(QObject):
    """Carries key events from pynput's thread to the GUI thread.

    Pass the bridge itself as ``HotkeyListener``'s ``on_key``: calling it only emits.

    Signals:
        key_event(KeyEvent): a chord key or Esc went down or up.
    """

    key_event = Signal(object)

    def __call__(self, event: KeyEvent) -> None:
        self.key_event.emit(event)  # pynput thread: Qt queues it to the receiver's thread


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
    _inserted = Signal(int, str, object, bool)  # insertion worker → GUI thread

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
        self._paste_options = inject_options  # those of the insertion under way
        self._gesture = GestureTracker(chord, gesture)
        self._state = State.IDLE
        self._job = 0  # the transcription whose result we still want
        self._target: WindowInfo | None = None
        self._pending: collections.deque[tuple[Event, str]] = collections.deque()
        self._repeat = ""  # the ERROR's reason a deferred dictation begins from, said again
        self._handling = False
        self._microphone_problem: str | None = None  # the capture's last word, if bad
        self._cut = False  # the microphone's loss ended the current dictation's recording
        self._deferred = Deferred.NONE
        self._deferred_start: _DeferredStart | None = None  # set while _deferred is not NONE
        self._stop_at: _DeferredStart | None = None  # a begun deferred dictation's stop
        # One worker: insertions never overlap, and they run in the order they were asked for.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="murmur-insert")
        self._inserted.connect(self._on_inserted)

    @property
    def state(self) -> State:
        return self._state

    @property
    def deferred(self) -> Deferred:
        """Whether a start that came while busy waits to begin (and whether it was stopped)."""
        return self._deferred

    @property
    def microphone_problem(self) -> str | None:
        """Why no microphone works right now (the capture's message), or None."""
        return self._microphone_problem

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
            self.handle(_ACTION_EVENTS[action])

    def start(self) -> None:
        self.handle(Event.START)

    def stop(self) -> None:
        self.handle(Event.STOP)

    def toggle(self) -> None:
        self.handle(Event.TOGGLE)

    def cancel(self) -> None:
        self.handle(Event.CANCEL)

    def reinsert(self, text: str) -> None:
        """Paste again: insert ``text`` into the window of the last dictation, only when idle.

        That window is brought to the front first; if it is gone the text goes on the
        clipboard and ``notice`` says so. History gets no new entry.
        """
        if self._state is not State.IDLE:
            self.notice.emit(BUSY_REINSERT)
        self.handle(Event.REINSERT, text)

    def acknowledge_error(self) -> None:
        self.handle(Event.ERROR_ACKNOWLEDGED)

    def fail(self, message: str) -> None:
        """Anything else broke (engine died, ...): show ``message``."""
        self.handle(Event.ERROR, message)

    def on_capture_event(self, event: CaptureEvent) -> None:
        """What happened to the microphone (``audio.capture``, delivered on the GUI thread).

        A lost microphone ends a running recording the way a release would: its audio so far
        is transcribed and inserted, so nothing said is thrown away. Every problem is told.
        """
        if event.kind is CaptureEventKind.OPENED or event.kind is CaptureEventKind.CLOSED:
            # CLOSED is on purpose (idle, device switch): no longer known to be broken.
            self._microphone_problem = None
            return
        if event.kind not in _PROBLEMS:
            return
        self._microphone_problem = event.message
        if self._state is State.RECORDING:
            self.notice.emit(MICROPHONE_LOST.format(problem=event.message))
            self._cut = True
            self.handle(Event.STOP)
        else:
            self.notice.emit(event.message)

    # ---- GUI thread: results ----------------------------------------------------------------
    def transcribed(self, job: int, text: str) -> None:
        """Whisper's raw text for ``job``: shaped for the target (cleaned, spaced), then inserted."""
        if self._is_current(job):
            text = self._shaper.shape(text, self._target)
            self.handle(Event.TRANSCRIPT_READY if text.strip() else Event.TRANSCRIPT_EMPTY, text)

    def transcription_failed(self, job: int, message: str) -> None:
        if self._is_current(job):
            self.handle(Event.TRANSCRIPTION_FAILED, message)

    def close(self) -> None:
        """Wait for a running insertion to end (on quit)."""
        self._worker.shutdown(wait=True)

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
            deferred = defer(self._deferred, event)
            if deferred is not None:
                self._defer(event, deferred)
                return
        new = transition(old, event)
        if (new is State.RECORDING and old is not State.RECORDING and self._microphone_problem
                and self._deferred is Deferred.NONE):  # a deferred one has audio: see below
            # Recording silence would look like "nothing was heard": say what is wrong instead.
            event, detail = Event.ERROR, NO_MICROPHONE.format(problem=self._microphone_problem)
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
        self._gesture.sync(recording=new is State.RECORDING or self._deferred is Deferred.WAITING)
        self.state_changed.emit(new)
        if self._deferred is not Deferred.NONE and new in (State.IDLE, State.ERROR):
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
        old = self._deferred
        if deferred is old:
            log.info("ignored %s: the deferred start is already %s", event.value, old.value)
            self.event_ignored.emit(event, self._state)
            return
        if old is Deferred.NONE:
            if self._microphone_problem:  # as for any start: say what is wrong, record nothing
                self.notice.emit(NO_MICROPHONE.format(problem=self._microphone_problem))
                self._gesture.sync(recording=False)
                return
            self._deferred_start = _DeferredStart(self._recorder.mark())
        start = self._deferred_start
        if deferred is Deferred.NONE:
            self._recorder.unmark()
            self._deferred_start = None
            self.notice.emit(DEFERRED_CANCEL)
        elif deferred is Deferred.STOPPED:
            # As at any release: this moment's position and focused window are where it ends.
            start.until, start.target = self._recorder.position(), self._inserter.remember_target()
            self.notice.emit(DEFERRED_STOP)
        else:
            start.until, start.target = None, None  # taken up again: it records on
            self.notice.emit(DEFERRED_START)
        log.info("deferred start: %s -> %s (%s while %s)", old.value, deferred.value,
                 event.value, self._state.value)
        self._deferred = deferred
        self._gesture.sync(recording=deferred is Deferred.WAITING)

    def _effects(self, old: State, event: Event, new: State, detail: str) -> None:
        if old is State.RECORDING and new is State.TRANSCRIBING:
            stop, self._stop_at = self._stop_at, None
            if stop is not None:  # a deferred dictation stopped before it began
                self._target = stop.target
                audio = self._recorder.finish(until=stop.until)
            else:
                # Where the user is now, at release, is where the text goes; not where focus
                # is once the transcript is ready.
                self._target = self._inserter.remember_target()
                audio = self._recorder.finish()
            self._job += 1
            self._transcriber.submit(self._job, audio)
        elif old is State.RECORDING and new is not State.RECORDING:
            self._stop_at = None
            self._recorder.abort()
        elif new is State.RECORDING and old is not State.RECORDING:
            self._cut = False
            if self._deferred is Deferred.NONE:
                self._recorder.begin()
            else:
                self._repeat = detail
                self._begin_deferred()
        if old is State.TRANSCRIBING and new is not State.PASTING:
            self._job += 1  # whatever that transcription still sends is stale now
        if new is State.PASTING:
            again = event is Event.REINSERT
            if again:
                self._job += 1  # nothing of an earlier job may finish this one
            self._paste_options = self._inject_options
            self._worker.submit(self._insert, self._job, detail, self._target,
                                self._paste_options, again)
        if event is Event.TRANSCRIPT_EMPTY and self._cut:
            self.notice.emit(NOTHING_HEARD_NO_MICROPHONE.format(
                problem=self._microphone_problem or ""))
        elif event is Event.TRANSCRIPT_EMPTY:
            self.notice.emit(NOTHING_HEARD)
        elif new is State.ERROR and detail:
            self.notice.emit(detail)

    def _begin_deferred(self) -> None:
        """The waiting start begins: from its press; if it was stopped already, it is finished
        right away (the next queued move), with the audio up to its stop."""
        start, deferred = self._deferred_start, self._deferred
        self._deferred, self._deferred_start = Deferred.NONE, None
        self._recorder.begin(from_index=start.from_index)
        if deferred is Deferred.STOPPED:
            self._stop_at = start
            self._pending.append((Event.STOP, ""))
        elif self._microphone_problem:
            # The microphone went away while it waited: what it got until then is transcribed,
            # as when it goes away during a recording.
            lost = MICROPHONE_LOST.format(problem=self._microphone_problem)
            self._repeat = f"{self._repeat} {lost}".strip()
            self._cut = True
            self._pending.append((Event.STOP, ""))

    # ---- insertion worker thread ------------------------------------------------------------
    def _insert(self, job: int, text: str, target: WindowInfo | None,
                options: InjectOptions, again: bool) -> None:
        try:
            insert = self._inserter.reinsert if again else self._inserter.insert
            result = insert(text, target, options)
        except Exception as error:  # noqa: BLE001 - any failure must reach the user, not kill us
            log.exception("inserting the transcript failed")
            result = InjectResult(False, False, f"Could not insert the text: {error}")
        self._inserted.emit(job, text, result, again)

    # ---- GUI thread again -------------------------------------------------------------------
    def _on_inserted(self, job: int, text: str, result: InjectResult, again: bool) -> None:
        if result.inserted:
            self._shaper.inserted(text, self._target)
        else:
            self._shaper.forget()
        if not again:  # history keeps a dictation whatever happened; a paste-again it has
            self.dictation_finished.emit(text.strip(), result)
        if job != self._job or self._state is not State.PASTING:
            return
        # Paste again from Murmur's window: text left on the clipboard is an answer, not an
        # error (the user is looking at Murmur and reads the notice).
        copied = self._paste_options.mode is InsertMode.COPY or (again and result.on_clipboard)
        if result.inserted or copied:
            self.handle(Event.PASTE_DONE)
            if result.message:
                self.notice.emit(result.message)
        else:
            self.handle(Event.PASTE_FAILED, result.message or "The text could not be inserted.")
