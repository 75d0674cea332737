"""Talk to the running Murmur: ``main.py toggle | start | stop | cancel | retry | status``.

The running app listens on a Unix socket (``app.instance.InstanceServer``, a ``QLocalServer``
given a full path, which on Linux is a plain Unix socket). This side uses Python's own
``socket``, so a status bar polling ``main.py status`` or a compositor key binding never starts
Qt: one request line, one reply line.

Protocol (UTF-8 lines): the client sends a ``Command`` value; the server answers ``ok <state>``
with the state word after handling it, or ``error <sentence>``.

The socket path depends on the user, ``XDG_RUNTIME_DIR`` and ``XDG_CONFIG_HOME``, so two
Murmurs with different config dirs (tests, a second profile) never talk to each other.

Threads: the caller's (the CLI's main thread; the app's GUI thread for ``raise``).
"""
from __future__ import annotations

import enum
import os
import socket
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from app.terminal import error_line

EXIT_OK = 0
EXIT_NOT_RUNNING = 1
TIMEOUT_S = 5.0  # the GUI thread answers between events: well under a second unless it hangs
MAX_LINE = 512
MAX_REPLY = 64 * 1024  # status --json grows with every field; a request stays one short word


class Command(enum.Enum):
    """A request to the running instance; ``value`` is the word on the wire and the CLI."""

    RAISE = "raise"  # a second launch: show the window
    TOGGLE = "toggle"
    START = "start"
    STOP = "stop"
    CANCEL = "cancel"
    RETRY = "retry"  # transcribe the kept (unfinished or failed) dictations
    STATUS = "status"
    DETAILS = "details"  # `status --json`: the state plus model, microphone and hotkey


#: The sub-commands ``main.py`` offers (``raise`` is the second launch's, not the user's).
CLI_COMMANDS = tuple(c.value for c in Command if c not in (Command.RAISE, Command.DETAILS))


class InstanceNotRunning(Exception):
    """No Murmur answers on the socket; ``str(error)`` is one sentence for the user."""


@dataclass(frozen=True)
class Reply:
    """The running instance's answer.

    Attributes:
        ok: The command was understood.
        text: The state word after it (``idle``, ``recording``, ...) or an error sentence.
    """

    ok: bool
    text: str


def socket_path() -> Path:
    """Where this user's Murmur (for this config dir) listens (any thread)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime else Path(tempfile.gettempdir()) / f"murmur-{os.getuid()}"
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    # Short: a Unix socket path must fit in 108 bytes. CRC-32, not hashlib: this only tells
    # config dirs apart, and hashlib would load OpenSSL's libcrypto (3.5 MiB) for it.
    tag = f"{zlib.crc32(f'{os.getuid()}:{config}'.encode()):08x}"
    return base / f"murmur-{tag}.sock"


def send_command(command: Command, path: Path | None = None,
                 timeout: float = TIMEOUT_S) -> Reply:
    """Send one command to the running instance and return its reply.

    Raises:
        InstanceNotRunning: nothing listens on the socket, or it did not answer in time.
    """
    path = path or socket_path()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(f"{command.value}\n".encode())
            data = b""
            while not data.endswith(b"\n") and len(data) < MAX_REPLY:
                chunk = sock.recv(MAX_REPLY)
                if not chunk:
                    break
                data += chunk
    except (FileNotFoundError, ConnectionRefusedError) as error:
        raise InstanceNotRunning("Murmur is not running (start it with `python main.py`).") \
            from error
    except OSError as error:  # timeout, permission, a path too long: it cannot be reached
        raise InstanceNotRunning(f"Murmur did not answer on {path}: {error}.") from error
    line = data.decode("utf-8", errors="replace").strip()
    status, _, text = line.partition(" ")
    if status not in ("ok", "error"):
        raise InstanceNotRunning(f"Murmur gave no usable answer on {path}.")
    return Reply(status == "ok", text)


def run_remote_command(name: str, as_json: bool = False) -> int:
    """``main.py <name>``: send it, print the reply on stdout; exit 0, or 1 with one line on
    stderr when no instance runs (main thread). ``status --json`` asks for the details."""
    command = Command.DETAILS if as_json and name == Command.STATUS.value else Command(name)
    try:
        reply = send_command(command)
    except InstanceNotRunning as error:
        error_line(str(error))
        return EXIT_NOT_RUNNING
    if not reply.ok:
        error_line(reply.text)
        return EXIT_NOT_RUNNING
    print(reply.text)
    return EXIT_OK
