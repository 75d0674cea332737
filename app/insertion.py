"""Inserting transcripts off the GUI thread: one at a time, in the order they were asked for.

Inserting blocks (``desktop.inject.Injector`` focuses the window, swaps the clipboard, sends keys
and waits for them), so it runs on one worker thread of its own. One worker, not a pool:
insertions never overlap, so two texts cannot interleave in a window or fight over the
clipboard. Whatever happens, even an inserter that raises, comes back as one ``inserted``
signal with an ``InjectResult``, so every failure reaches the user as a sentence instead of
ending silently on the worker.

Threads: ``submit`` and ``close`` run on the GUI thread; the insertion itself runs on the
``murmur-insert`` worker, which emits ``inserted``; Qt queues that to the receivers' thread (the
controller's, the GUI thread).
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from app.dictation_parts import Inserter
from app.state import Event
from desktop.inject import InjectOptions, InjectResult, InsertMode
from desktop.xwindow import WindowInfo

log = logging.getLogger(__name__)

INSERT_RAISED = "Could not insert the text: {error}"
NOT_INSERTED = "The text could not be inserted."


@dataclass(frozen=True)
class Insertion:
    """One text to insert, and how."""

    job: int  # the controller's job number: a result for an older job changes nothing
    text: str
    target: WindowInfo | None  # the window focused at the release (None: the inserter decides)
    options: InjectOptions  # those in force when it was asked for; later changes wait
    again: bool  # "Paste again" from the history: the window is brought to the front first


@dataclass(frozen=True)
class PasteOutcome:
    """What an ended insertion means for the dictation loop."""

    event: Event  # PASTE_DONE or PASTE_FAILED
    reason: str  # why it failed: ERROR's notice (PASTE_FAILED only)
    notice: str  # said after PASTE_DONE: e.g. the text is on the clipboard, not in the window


def paste_outcome(insertion: Insertion, result: InjectResult) -> PasteOutcome:
    """Whether an insertion ends the dictation well, or as an error with the reason.

    In copy mode the clipboard is the destination. "Paste again" is asked from Murmur's own
    window, so text left on the clipboard is an answer there, not an error: the user is looking
    at Murmur and reads the notice that says so.
    """
    copied = insertion.options.mode is InsertMode.COPY or (
        insertion.again and result.on_clipboard)
    if result.inserted or copied:
        return PasteOutcome(Event.PASTE_DONE, "", result.message)
    return PasteOutcome(Event.PASTE_FAILED, result.message or NOT_INSERTED, "")


class InsertionWorker(QObject):
    """Runs ``Inserter.insert`` / ``reinsert`` on its own single thread.

    Signals:
        inserted(Insertion, InjectResult): an insertion ended (emitted on the worker thread).
    """

    inserted = Signal(object, object)

    def __init__(self, inserter: Inserter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._inserter = inserter
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="murmur-insert")

    def submit(self, insertion: Insertion) -> None:
        """Queue ``insertion`` behind any running one (GUI thread, returns at once)."""
        self._pool.submit(self._insert, insertion)

    def close(self) -> None:
        """Wait for the running and queued insertions to end (on quit)."""
        self._pool.shutdown(wait=True)

    def _insert(self, insertion: Insertion) -> None:  # the worker thread
        try:
            insert = self._inserter.reinsert if insertion.again else self._inserter.insert
            result = insert(insertion.text, insertion.target, insertion.options)
        except Exception as error:  # noqa: BLE001 - any failure must reach the user, not kill us
            log.exception("inserting the transcript failed")
            result = InjectResult(False, False, INSERT_RAISED.format(error=error))
        self.inserted.emit(insertion, result)
