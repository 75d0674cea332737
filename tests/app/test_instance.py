"""Single instance and remote commands across real processes: a peer server process
(tests/app/instance_peer.py), ``main.py`` sub-commands as a user runs them, and SIGKILL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalSocket

from app.instance import InstanceServer
from app.remote_command import (CLI_COMMANDS, Command, InstanceNotRunning, send_command,
                                socket_path)

ROOT = Path(__file__).resolve().parents[2]
PEER = Path(__file__).with_name("instance_peer.py")
TIMEOUT_S = 30


@pytest.fixture
def runtime_dir(tmp_path, monkeypatch):
    path = tmp_path / "run"
    path.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(path))
    return path


class Peer:
    def __init__(self):
        self.process = subprocess.Popen([sys.executable, str(PEER)], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, cwd=ROOT)

    def line(self) -> str:
        # readline blocks until the peer prints; the test's timeout bounds a hung peer.
        return self.process.stdout.readline().strip()

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(TIMEOUT_S)
        self.process.stdout.close()
        self.process.stderr.close()


@pytest.fixture
def peers(runtime_dir):
    started: list[Peer] = []

    def start() -> Peer:
        peer = Peer()
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.stop()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=TIMEOUT_S)


def test_cli_commands_drive_the_running_instance(peers):
    first = peers()
    assert first.line() == "ready"
    expected = [("status", "idle"), ("toggle", "recording"), ("status", "recording"),
                ("cancel", "idle"), ("start", "recording"), ("start", "recording"),
                ("stop", "transcribing"), ("status", "transcribing")]
    for command, state in expected:
        result = cli(command)
        assert (result.returncode, result.stdout, result.stderr) == (0, f"{state}\n", ""), command
        if command != "status":
            assert first.line() == f"command {command}"


def test_second_launch_raises_the_first_and_exits(peers):
    first = peers()
    assert first.line() == "ready"
    second = peers()
    assert second.line() == "handed-over"
    assert second.process.wait(TIMEOUT_S) == 0
    assert first.line() == "raised"
    assert first.process.poll() is None


def test_no_instance_one_line_on_stderr_exit_1(runtime_dir):
    for command in CLI_COMMANDS:
        result = cli(command)
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and "not running" in result.stderr


def test_after_sigkill_the_next_start_takes_over(peers):
    first = peers()
    assert first.line() == "ready"
    path = socket_path()
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(TIMEOUT_S)
    assert path.exists()  # the dead instance's socket and lock are left behind
    assert cli("status").returncode == 1
    second = peers()
    assert second.line() == "ready"
    assert cli("toggle").stdout == "recording\n"


def test_different_runtime_or_config_dirs_do_not_collide(peers, monkeypatch, tmp_path):
    first = peers()
    assert first.line() == "ready"
    mine = socket_path()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other-config"))
    assert socket_path() != mine
    with pytest.raises(InstanceNotRunning):
        send_command(Command.STATUS)
    monkeypatch.undo()
    other = tmp_path / "other-run"
    other.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(other))
    assert socket_path().parent == other
    with pytest.raises(InstanceNotRunning):
        send_command(Command.STATUS)


def test_in_process_server_unknown_and_silent_clients(qtbot, runtime_dir):
    state = {"word": "idle"}
    server = InstanceServer(lambda: state["word"], client_timeout_ms=200)
    assert server.listen()
    assert not InstanceServer(lambda: "x").listen()  # second in the same process: refused
    toggles = []
    server.toggle_requested.connect(lambda: toggles.append(1))
    replies = []

    def ask(word: bytes) -> None:
        socket = QLocalSocket()
        socket.connectToServer(str(server.path))
        socket.readyRead.connect(lambda: replies.append(bytes(socket.readAll().data())))
        socket.write(word)
        sockets.append(socket)

    sockets: list[QLocalSocket] = []
    ask(b"toggle\n")
    ask(b"dance\n")
    qtbot.waitUntil(lambda: len(replies) == 2)
    assert sorted(replies) == [b"error unknown command 'dance'\n", b"ok idle\n"]
    assert toggles == [1]
    silent = QLocalSocket()
    silent.connectToServer(str(server.path))
    with qtbot.waitSignal(silent.disconnected, timeout=10_000):
        pass  # it never writes: the server drops it
    server.close()
    assert os.path.exists(f"{server.path}.lock") is False


def test_claim_decides_before_the_socket_and_listen_then_answers(qtbot, runtime_dir):
    """The app claims the lock before it starts loading the model, and listens later."""
    server = InstanceServer(lambda: "idle")
    assert server.claim() and server.claim()  # taken once; asking again is still ours
    assert not InstanceServer(lambda: "x").claim()  # a second launch learns it at once
    with pytest.raises(InstanceNotRunning):
        send_command(Command.STATUS)  # claimed, not listening yet
    assert server.listen()
    socket = QLocalSocket()
    socket.connectToServer(str(server.path))
    replies = []
    socket.readyRead.connect(lambda: replies.append(bytes(socket.readAll().data())))
    socket.write(b"status\n")
    qtbot.waitUntil(lambda: bool(replies))
    assert replies == [b"ok idle\n"]
    server.close()
