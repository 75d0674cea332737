"""One Murmur per user (and config dir), and the commands other processes send it.

``InstanceServer.listen`` decides who is first with a ``QLockFile`` next to the socket (Qt
spots a lock whose process died, even by SIGKILL, and takes it over), then listens on
``app.remote_command.socket_path()`` with a ``QLocalServer``. The first instance gets ``True``;
a later launch gets ``False`` and calls ``hand_over()`` (asks the first one to raise its window)
and exits. The client side (``main.py toggle`` ...) is ``app.remote_command``: no Qt.

Each request line becomes a signal (``toggle_requested`` ...); the composition root connects
them to the controller. Qt delivers the connection's data on the GUI thread and the signals
are direct there, so by the time the reply is written the controller has moved, and the reply
carries the new state word.

Threads: everything here runs on the GUI thread (QLocalServer is driven by its event loop).
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app.remote_command import MAX_LINE, Command, InstanceNotRunning, send_command, socket_path
from engine.private_files import private_dir, touch_private

log = logging.getLogger(__name__)

CLIENT_TIMEOUT_MS = 3000  # plenty for a local client's one line


class InstanceServer(QObject):
    """The first instance's end of the socket.

    Args:
        state_word: Returns the current state word (``State.value``) for replies.
        describe: Returns the details for ``status --json`` as one line of JSON (state, model,
            microphone, hotkey); without it the details are the state alone.
        path: The socket; defaults to ``socket_path()`` (user, runtime and config dir).
        client_timeout_ms: A client that connects and says nothing is dropped after this.

    Signals:
        raise_requested(): another launch wants the window shown.
        toggle_requested(), start_requested(), stop_requested(), cancel_requested(): the
            commands of ``main.py``, to connect to the controller's methods of the same name.
        retry_requested(): ``main.py retry``: transcribe the kept dictations.
    """

    raise_requested = Signal()
    toggle_requested = Signal()
    start_requested = Signal()
    stop_requested = Signal()
    cancel_requested = Signal()
    retry_requested = Signal()

    def __init__(self, state_word: Callable[[], str], path: Path | None = None,
                 client_timeout_ms: int = CLIENT_TIMEOUT_MS, parent: QObject | None = None,
                 describe: Callable[[], str] | None = None) -> None:
        super().__init__(parent)
        self._describe = describe or (lambda: json.dumps({"state": self._state_word()}))
        self._client_timeout_ms = client_timeout_ms
        self.path = Path(path or socket_path())
        self._state_word = state_word
        self._lock = QLockFile(f"{self.path}.lock")
        self._lock.setStaleLockTime(0)  # only a dead owner makes it stale, never its age
        self._server = QLocalServer(self)
        # Only this user may connect (the runtime dir is 0700 anyway; the temp dir is not).
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._signals = {Command.RAISE: self.raise_requested, Command.TOGGLE: self.toggle_requested,
                         Command.START: self.start_requested, Command.STOP: self.stop_requested,
                         Command.CANCEL: self.cancel_requested,
                         Command.RETRY: self.retry_requested}

    def claim(self) -> bool:
        """Take the instance lock: True if this is the running instance, False if another one
        already is. Needs no QApplication: the app calls it first thing, before it starts
        loading the model, and ``listen`` once the application exists.

        Raises:
            OSError: the lock could not be created for another reason (message says why).
        """
        if self._lock.isLocked():
            return True
        # The runtime dir is the session's (0700 by the XDG spec); our own fallback in /tmp
        # must be ours and 0700, or another user could have planted it to reach the socket.
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        private_dir(self.path.parent, tighten=not runtime or self.path.parent != Path(runtime))
        if not self._lock.tryLock(0):
            if self._lock.error() is QLockFile.LockError.LockFailedError:
                return False
            raise OSError(f"Could not create the instance lock {self.path}.lock "
                          f"({self._lock.error().name}).")
        touch_private(f"{self.path}.lock")  # Qt makes it with the umask's mode
        return True

    def listen(self) -> bool:
        """Become the running instance (``claim``, then answer on the socket); False if another
        one already is.

        Raises:
            OSError: the lock or the socket could not be created for another reason.
        """
        if not self.claim():
            return False
        # We hold the lock, so a socket file left there belongs to a dead instance.
        QLocalServer.removeServer(str(self.path))
        if not self._server.listen(str(self.path)):
            self._lock.unlock()
            raise OSError(f"Could not listen on {self.path}: {self._server.errorString()}")
        log.info("listening for commands on %s", self.path)
        return True

    def close(self) -> None:
        """Stop listening and release the lock (on quit)."""
        self._server.close()
        if self._lock.isLocked():
            self._lock.unlock()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            # Parented to the connection: it dies with it, and a silent client is dropped.
            timer = QTimer(connection)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda c=connection: c.abort())
            timer.start(self._client_timeout_ms)
            connection.readyRead.connect(lambda c=connection: self._read(c))
            connection.disconnected.connect(connection.deleteLater)

    def _read(self, connection: QLocalSocket) -> None:
        if not connection.canReadLine():
            if connection.bytesAvailable() > MAX_LINE:
                connection.abort()
            return
        word = bytes(connection.readLine(MAX_LINE).data()).decode("utf-8", "replace").strip()
        connection.write(self._answer(word).encode() + b"\n")
        connection.flush()
        connection.disconnectFromServer()  # after the reply is written

    def _answer(self, word: str) -> str:
        try:
            command = Command(word)
        except ValueError:
            log.info("unknown remote command %r", word[:40])
            return f"error unknown command {word[:40]!r}"
        log.info("remote command: %s", command.value)
        if command in self._signals:
            self._signals[command].emit()
        try:
            if command is Command.DETAILS:
                return f"ok {self._describe()}"
            return f"ok {self._state_word()}"
        except Exception as error:  # noqa: BLE001 - the client must get an answer anyway
            log.exception("state_word failed")
            return f"error {error}"


def hand_over(path: Path | None = None) -> bool:
    """A second launch: ask the running instance to show its window (GUI thread).

    Returns:
        True if it answered; False if it vanished meanwhile (then start normally).
    """
    try:
        send_command(Command.RAISE, path)
    except InstanceNotRunning as error:
        log.warning("%s", error)
        return False
    return True

