"""Nothing leaked, checked on the real running app after a real dictation.

How the real parts start: the ``launch_murmur`` fixture (tests/e2e/murmur_app.py) runs
``python main.py --verbose`` on a private Xvfb with a private PulseAudio null sink as its
microphone and the real Whisper model; ``prefix`` wraps that command:

* ``strace -f`` (every thread, and every process the app starts, such as the engine's child
  process and the cue player) records each ``socket``, ``socketpair``, ``connect``, ``sendto``
  and ``sendmsg`` call into a file. A network connection of any kind needs one of them with an
  ``AF_INET``/``AF_INET6`` (or packet/raw) address; the test requires that every socket is a Unix
  socket (X11, PulseAudio, Murmur's instance socket, the engine's socketpair) or a netlink one
  (the kernel's own interface, which glibc uses to list interfaces; it reaches no other host).
* ``sh -c 'umask 000; exec "$@"'`` starts the app under the most permissive umask, so a file made
  without an explicit mode would be world-readable (and a folder world-writable) and show up.

The dictation is real speech (tests/data/speech) played into the virtual microphone while the
hotkey is held with xdotool; the words must land in a real Tk window. Then the app is stopped
with SIGTERM and the test inspects the trace, every path under the app's XDG folders and its
instance socket's folder, and the logs (stderr and ``$XDG_STATE_HOME/murmur/murmur.log``).
The command line's ``transcribe`` gets the same socket audit on a real file.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_desktop import xdotool
from xvfb import wait_until

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]

CLIP = "jfk.wav"  # "And so my fellow Americans, ask not what your country can do for you …"
TRANSCRIBE_TIMEOUT_S = 90
TAIL_S = 1.5  # keep recording this long after the clip: the capture delivers it a little late
STOP_WORDS = {"and", "so", "my", "ask", "not", "what", "your", "can", "do", "for", "you", "the",
              "a", "to", "of", "in", "it", "is", "that", "this", "was", "he", "we", "on"}
UMASK_ZERO = ("sh", "-c", 'umask 000; exec "$@"', "sh")
NETWORK_SYSCALLS = "socket,socketpair,connect,sendto,sendmsg"
#: Address families that never leave the machine.
LOCAL_FAMILIES = {"AF_UNIX", "AF_LOCAL", "AF_NETLINK"}


def dictate(murmur, target, pulse, x_server, clip: Path) -> str:
    """Hold the hotkey, play ``clip`` into the microphone, release; the inserted text."""
    murmur.wait_ready()
    xdotool(x_server, "keydown", "ctrl+alt+space")
    murmur.wait_state("recording")
    player = pulse.play(clip)
    assert player.wait(60) == 0, player.stderr.read()
    murmur.record_past(TAIL_S)
    xdotool(x_server, "keyup", "space", "keyup", "alt", "keyup", "ctrl")
    try:
        text = wait_until(lambda: target.text().strip(), TRANSCRIBE_TIMEOUT_S, "the target's text")
    except TimeoutError as error:
        raise AssertionError(f"{error}; Murmur's log: {murmur.log_tail()}") from None
    murmur.wait_state("idle")
    return text


def app_pid(murmur) -> int:
    """Murmur's own pid: ``murmur.process`` is strace (or sh, which execs the app)."""
    pid = murmur.process.pid
    if Path(f"/proc/{pid}/exe").resolve().name.startswith("strace"):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])
    return pid


def stop_app(murmur) -> None:
    """SIGTERM Murmur itself (a terminated strace would only detach and leave it running)."""
    os.kill(app_pid(murmur), signal.SIGTERM)
    murmur.process.wait(30)


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z']+", text.lower()) if w not in STOP_WORDS and len(w) > 2}


def log_file_text() -> str:
    """``$XDG_STATE_HOME/murmur/murmur.log`` and its rotated predecessors."""
    state = Path(os.environ["XDG_STATE_HOME"]) / "murmur"
    return "\n".join(p.read_text(errors="replace") for p in sorted(state.glob("murmur.log*")))


def all_logs(murmur) -> str:
    """The app's stderr (``--verbose``) and its log file."""
    return murmur.log.read_text(errors="replace") + "\n" + log_file_text()


def leaks_in(trace: str) -> list[str]:
    """Trace lines that create or address a socket of a family that can leave the machine."""
    leaks = []
    for line in trace.splitlines():
        call = re.search(r"\b(socket|socketpair)\((AF_\w+)", line)
        if call and call.group(2) not in LOCAL_FAMILIES:
            leaks.append(line)
        for family in re.findall(r"sa_family=(AF_\w+)", line):
            if family not in LOCAL_FAMILIES:
                leaks.append(line)
    return leaks


def readable_by_others(root: Path) -> list[str]:
    """Paths under ``root`` that are not exactly 0700 (folders) / 0600 (files), or that give
    group or others any access (sockets); symlinks are skipped (the test links the shared model
    into the models folder)."""
    found = []
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            continue
        if (stat.S_ISDIR(info.st_mode) and mode != 0o700) or (
                stat.S_ISREG(info.st_mode) and mode != 0o600) or mode & 0o077:
            found.append(f"{path} {mode:o}")
    return found


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (make test)")
def test_a_dictation_opens_no_network_socket_writes_only_private_files_and_logs_no_words(
        launch_murmur, target, pulse, x_server, test_data, tmp_path):
    trace_file = tmp_path / "strace.txt"
    murmur = launch_murmur(prefix=("strace", "-f", "-qq", "-e", f"trace={NETWORK_SYSCALLS}",
                                   "-o", str(trace_file), *UMASK_ZERO))
    text = dictate(murmur, target, pulse, x_server, test_data / "speech" / CLIP)
    assert "fellow americans" in text.lower(), text
    instance_dir = Path(murmur.env["XDG_RUNTIME_DIR"])
    sockets = [p for p in instance_dir.iterdir() if p.is_socket()]
    assert sockets, "the instance socket is where the runtime dir says"
    socket_modes = {p.name: stat.S_IMODE(p.lstat().st_mode) for p in instance_dir.iterdir()}
    stop_app(murmur)

    # 1. No network: only Unix and netlink sockets, in the app and every process it started.
    trace = trace_file.read_text()
    assert re.search(r"connect\(\d+, \{sa_family=AF_UNIX", trace), "strace saw the app connect"
    assert leaks_in(trace) == []

    # 2. Private files: every path the app made under its XDG folders, made under umask 000,
    #    and nothing beside them (onnxruntime's telemetry once left a device id in the cache).
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        home = Path(os.environ[var])
        # ("pulse" is libpulse's client folder for its cookie: PulseAudio's, not Murmur's.)
        assert {p.name for p in home.iterdir()} <= {"murmur", "pulse"}, (var, list(home.iterdir()))
        if (home / "murmur").exists():
            assert readable_by_others(home / "murmur") == [], var
    assert (Path(os.environ["XDG_DATA_HOME"]) / "murmur" / "history.sqlite3").is_file()
    assert (Path(os.environ["XDG_STATE_HOME"]) / "murmur" / "murmur.log").is_file()
    assert all(mode & 0o077 == 0 for mode in socket_modes.values()), socket_modes

    # 3. The logs say a dictation happened, never what was said.
    logs = all_logs(murmur)
    assert "dictation finished:" in logs
    said = content_words(text)
    assert len(said) >= 3, text
    leaked = {w for w in said if re.search(rf"\b{re.escape(w)}\b", logs, re.IGNORECASE)}
    assert leaked == set(), leaked


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (make test)")
def test_transcribing_a_file_opens_no_network_socket(default_model_path, test_data, tmp_path):
    """``python main.py transcribe FILE`` under ``strace -f`` (the CLI and any process it
    starts), on the real model: the words come out, and no socket but a local one was made."""
    trace_file = tmp_path / "strace.txt"
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", f"trace={NETWORK_SYSCALLS}", "-o", str(trace_file),
         sys.executable, str(ROOT / "main.py"), "transcribe", "--model", str(default_model_path),
         "--language", "en", str(test_data / "speech" / CLIP)],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "fellow americans" in done.stdout.lower(), done.stdout
    assert leaks_in(trace_file.read_text()) == []


def test_the_debug_switch_lets_the_words_into_the_log(launch_murmur, target, pulse, x_server,
                                                      test_data):
    """The same dictation with ``--debug`` appended: now the transcript is in both logs."""
    murmur = launch_murmur(prefix=("sh", "-c", 'exec "$@" --debug', "sh"))
    text = dictate(murmur, target, pulse, x_server, test_data / "speech" / CLIP)
    stop_app(murmur)
    said = content_words(text)
    assert said
    for log in (murmur.log.read_text(), log_file_text()):
        assert {w for w in said if re.search(rf"\b{re.escape(w)}\b", log, re.IGNORECASE)} == said
