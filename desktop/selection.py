"""An X selection owner that serves any set of formats, and says when the target took them.

``xclip -i`` can serve only one target per process, so a clipboard holding text, HTML and a PNG
could not be put back intact with it. ``SelectionOwner`` serves every saved format itself
(``TARGETS``, ``TIMESTAMP``, each format; ``INCR`` for large ones such as images) from a thread
with its own X connection, and records who asked for what: a paste has been *taken* once a
window of the target's X client requested a data format. While a paste is armed for a target,
no other client gets the data: if the focus moved to another window just before the paste keys,
that window must not receive the dictation (it gets nothing, and the offer says it was refused).

Threads: ``offer``/``release``/``close`` may be called from any thread; they hand a command to
the owner thread and wait for it. The owner thread alone touches its X connection (python-xlib
connections must not be shared), and it is the only writer of an ``Offer``'s fields.
"""
from __future__ import annotations

import logging
import os
import queue
import select
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future

import Xlib.display
import Xlib.protocol.event
import Xlib.protocol.request
from Xlib import X, Xatom

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 5.0
# An INCR transfer whose reader went silent this long ago is dropped (its data freed).
INCR_STALE_S = 30.0
# Larger formats go in INCR chunks; well below the 256 KiB core request limit.
CHUNK_BYTES = 64 * 1024
# A client refused the data of an armed paste stays refused until it has not asked this long.
BAR_QUIET_S = 0.5
# Targets that describe the selection rather than hold its content.
META_TARGETS = frozenset({"TARGETS", "TIMESTAMP", "MULTIPLE", "SAVE_TARGETS", "DELETE",
                          "INSERT_SELECTION", "INSERT_PROPERTY", "LENGTH", "LIST_LENGTH"})


class SelectionError(RuntimeError):
    """The selection could not be owned (no display, or another client won the race)."""


class Offer:
    """What became of one offered set of formats.

    The owner thread records requests; the pasting thread arms the offer and waits on it
    (``threading.Event``s, and a dict only the owner thread writes: safe across the two)."""

    def __init__(self, watch_client: int | None) -> None:
        self.watch_client = watch_client  # X client resource base of the paste target, if known
        self.requests: list[tuple[str, int]] = []  # (target, requestor window id), in order
        self.armed = threading.Event()  # set by ``arm``: requests from now on count as taken
        self.taken = threading.Event()  # the target (or, unwatched, anyone) got a data format
        self.lost = threading.Event()  # someone else owns the selection now
        # Client refused the data -> when it last asked (written by the owner thread only): its
        # fallbacks to other formats, right behind the first refusal, are refused too, even
        # once disarmed. Not empty: another window asked for the paste.
        self.barred: dict[int, float] = {}
        self._news = threading.Event()  # taken or refused: wakes ``wait_taken``

    def arm(self) -> None:
        """Count requests as "taken" from now on: call just before sending the paste keys.

        Apps that prefetch the clipboard as soon as it changes (Chromium, clipboard
        managers) would otherwise look like the paste had happened already. From now until
        ``wait_taken`` returns, other clients than the watched one are refused the data.
        Any thread.
        """
        self.armed.set()

    def refuses(self, client: int, now: float) -> bool:
        """Whether ``client``'s data request is refused now (owner thread): it is not the
        target's, and the paste is armed, or the client was refused less than ``BAR_QUIET_S``
        ago (a paste handler that tries one format after another)."""
        if self.watch_client is None or client == self.watch_client:
            return False
        armed = self.armed.is_set() and not self.taken.is_set()
        if armed or now - self.barred.get(client, -BAR_QUIET_S) < BAR_QUIET_S:
            self.barred[client] = now
            self._news.set()
            return True
        return False

    def wait_taken(self, timeout: float, target_has_focus: Callable[[], bool] | None = None) -> bool:
        """Block until the offer was taken (True) or ``timeout`` s passed (False).

        Args:
            timeout: Seconds to wait at most.
            target_has_focus: Asked when another client was refused the data: if the target
                no longer has the focus, the paste went to that other window and will not come
                (False at once). Otherwise (a clipboard manager's late read) the wait goes on.

        Whatever it returns, the offer is disarmed: anyone may read the text from then on.
        """
        deadline = time.monotonic() + timeout
        try:
            while not self.taken.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._news.wait(remaining):
                    return self.taken.is_set()
                self._news.clear()
                if (self.barred and not self.taken.is_set() and target_has_focus is not None
                        and not target_has_focus()):
                    return False
            return True
        finally:
            self.armed.clear()

    def _took(self) -> None:
        self.taken.set()
        self._news.set()


class SelectionOwner:
    """Owns one X selection (``CLIPBOARD`` by default) from a thread of its own."""

    def __init__(self, display_name: str | None = None, selection: str = "CLIPBOARD") -> None:
        try:
            self._display = Xlib.display.Display(display_name)
        except Exception as error:  # noqa: BLE001 - python-xlib raises several kinds
            raise SelectionError(f"cannot open the X display: {error}") from error
        self._display.set_error_handler(self._x_error)  # a vanished requestor is not fatal
        self._selection = self._display.intern_atom(selection)
        self._window = self._display.screen().root.create_window(
            0, 0, 1, 1, 0, X.CopyFromParent, event_mask=X.PropertyChangeMask)
        self._client_mask = ~self._display.display.info.resource_id_mask
        self._formats: dict[int, bytes] = {}  # by target atom, as requests name them
        self._named: dict[str, bytes] = {}  # the same by target name, as offered
        self._offer: Offer | None = None
        self._time = X.CurrentTime
        # (requestor window, property) -> (window, type, data, bytes sent, offer, last activity)
        self._transfers: dict[tuple[int, int], tuple[object, int, bytes, int, Offer, float]] = {}
        self._closed = False
        self._commands: queue.Queue[tuple[Callable[[], object], Future, bool]] = queue.Queue()
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, daemon=True, name="selection-owner")
        self._thread.start()

    def client_of(self, window_id: int) -> int:
        """The X client resource base of a window id (same for every window of one client)."""
        return window_id & self._client_mask

    def offer(self, formats: Mapping[str, bytes], watch_window: int | None = None) -> Offer:
        """Own the selection, serving ``formats`` (target name → bytes). Any thread.

        Args:
            formats: The content, one entry per target; must not be empty.
            watch_window: A window of the paste target; only its client's requests count as
                "taken". ``None``: any data request counts.
        """
        watch = None if watch_window is None else self.client_of(watch_window)
        return self._call(lambda: self._own(dict(formats), Offer(watch)))

    def release(self) -> None:
        """Give up the selection, leaving it empty. Any thread."""
        self._call(self._disown)

    def held(self) -> dict[str, bytes] | None:
        """What we serve, if the X server still names us the selection's owner; else None.

        Asked of the server, not of our own record: a ``SelectionClear`` may still be on its
        way when another program has just taken the selection. Any thread.
        """
        return self._call(self._held)

    def close(self) -> None:
        """Stop the owner thread and close its connection (the selection is released). Any thread."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._call(lambda: None, stop=True)
            self._thread.join(COMMAND_TIMEOUT_S)
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _call(self, fn: Callable[[], object], stop: bool = False):
        future: Future = Future()
        self._commands.put((fn, future, stop))
        os.write(self._wake_w, b"x")
        return future.result(COMMAND_TIMEOUT_S)

    # ---- owner thread only from here on ----
    def _run(self) -> None:
        display = self._display
        running = True
        while running:
            # Before sleeping in select, every event python-xlib has already read must be
            # handled: a flush (or a reply) also reads events off the socket into its queue,
            # and those would never make the socket readable again. So: flush, then drain,
            # and only then wait.
            display.flush()
            while display.pending_events():
                event = display.next_event()
                try:
                    self._handle(event)
                except Exception:  # noqa: BLE001 - one bad request must not end the owner
                    log.exception("could not answer a selection request")
                display.flush()
            readable, _, _ = select.select([display.fileno(), self._wake_r], [], [])
            if self._wake_r in readable:
                os.read(self._wake_r, 64)
                while not self._commands.empty():
                    fn, future, stop = self._commands.get()
                    try:
                        future.set_result(fn())
                    except Exception as error:  # noqa: BLE001 - handed to the caller
                        future.set_exception(error)
                    running = running and not stop
        display.close()

    def _own(self, formats: dict[str, bytes], offer: Offer) -> Offer:
        if not formats:
            raise ValueError("nothing to offer")
        self._time = self._server_time()
        now = time.monotonic()
        self._transfers = {k: v for k, v in self._transfers.items() if now - v[5] < INCR_STALE_S}
        self._formats = {self._display.intern_atom(name): data for name, data in formats.items()}
        self._named = formats
        if self._offer:
            self._offer.lost.set()
        self._offer = offer
        self._window.set_selection_owner(self._selection, self._time)
        if self._display.get_selection_owner(self._selection) != self._window:
            raise SelectionError("another program took the clipboard at the same moment")
        return offer

    def _held(self) -> dict[str, bytes] | None:
        if not self._named or self._display.get_selection_owner(self._selection) != self._window:
            return None
        return dict(self._named)

    def _disown(self) -> None:
        if self._display.get_selection_owner(self._selection) == self._window:
            # No owner at all: the clipboard is empty again, as it was before the paste.
            Xlib.protocol.request.SetSelectionOwner(
                display=self._display.display, window=X.NONE, selection=self._selection,
                time=self._server_time())
        self._forget()

    def _forget(self) -> None:
        if self._offer:
            self._offer.lost.set()
        self._offer, self._formats, self._named = None, {}, {}

    def _server_time(self) -> int:
        # ICCCM: own with a real timestamp, got from a PropertyNotify on our own window.
        self._window.change_property(Xatom.WM_NAME, Xatom.STRING, 8, b"", X.PropModeAppend)
        self._display.flush()
        while True:
            event = self._display.next_event()
            if event.type == X.PropertyNotify and event.window == self._window:
                return event.time
            self._handle(event)

    def _handle(self, event) -> None:
        if event.type == X.SelectionRequest:
            self._answer(event)
        elif event.type == X.SelectionClear and event.atom == self._selection:
            # A clear stamped before our latest acquisition is about an ownership we have
            # since replaced (it sat in the queue while we re-owned): not about this offer.
            if event.time >= self._time:
                self._forget()
        elif event.type == X.PropertyNotify and event.state == X.PropertyDelete:
            self._continue_incr(event.window, event.atom)

    def _answer(self, request) -> None:
        target = self._display.get_atom_name(request.target)
        prop = request.property or request.target  # obsolete clients send None
        offer = self._offer
        if offer is not None:
            offer.requests.append((target, request.requestor.id))
        if offer is None:
            prop = X.NONE  # SelectionClear raced this request: we have nothing any more
        elif (target not in META_TARGETS
              and offer.refuses(self.client_of(request.requestor.id), time.monotonic())):
            prop = X.NONE  # the paste is for the target: never another window's
        elif target == "TARGETS":
            atoms = [self._display.intern_atom(t) for t in ("TARGETS", "TIMESTAMP")]
            request.requestor.change_property(prop, Xatom.ATOM, 32, atoms + list(self._formats))
        elif target == "TIMESTAMP":
            request.requestor.change_property(prop, Xatom.INTEGER, 32, [self._time])
        elif request.target in self._formats:
            data, kind = self._formats[request.target], self._type_of(target, request.target)
            if len(data) > CHUNK_BYTES:
                request.requestor.change_attributes(event_mask=X.PropertyChangeMask)
                self._transfers[(request.requestor.id, prop)] = (
                    request.requestor, kind, data, 0, offer, time.monotonic())
                request.requestor.change_property(prop, self._display.intern_atom("INCR"), 32, [len(data)])
            else:
                request.requestor.change_property(prop, kind, 8, data)
                self._mark_taken(offer, request.requestor.id)
        else:
            prop = X.NONE  # a format we do not have (or MULTIPLE, which nobody needs here)
        notify = Xlib.protocol.event.SelectionNotify(
            time=request.time, requestor=request.requestor, selection=request.selection,
            target=request.target, property=prop)
        request.requestor.send_event(notify)

    def _continue_incr(self, window, prop: int) -> None:
        key = (window.id, prop)
        if key not in self._transfers:
            return
        requestor, kind, data, offset, offer, _ = self._transfers[key]
        chunk = data[offset:offset + CHUNK_BYTES]
        requestor.change_property(prop, kind, 8, chunk)  # empty chunk = end of transfer
        if chunk:
            self._transfers[key] = (requestor, kind, data, offset + len(chunk), offer,
                                    time.monotonic())
        else:
            del self._transfers[key]
            self._mark_taken(offer, window.id)

    def _mark_taken(self, offer: Offer, requestor: int) -> None:
        if not offer.armed.is_set():
            return
        if offer.watch_client is None or self.client_of(requestor) == offer.watch_client:
            offer._took()

    def _type_of(self, name: str, atom: int) -> int:
        # The property type a reader expects: TEXT means "some text type", everything else
        # (UTF8_STRING, STRING, MIME types) is its own type.
        if name == "TEXT":
            return self._display.intern_atom("UTF8_STRING")
        return atom

    def _x_error(self, error, request) -> None:
        log.debug("X error while serving the selection (requestor gone?): %s", error)
