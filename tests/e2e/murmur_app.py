"""The real desktop and a running Murmur, as fixtures the tests start themselves. The end-to-end
tests (tests/e2e) and the fault tests (tests/faults) share them: each conftest.py imports them.

* a private Xvfb (``tests/desktop/xvfb.py``), no window manager, no system tray;
* a private PulseAudio daemon with a null sink whose monitor is the default source: what the
  test plays into the sink with ``paplay`` is what Murmur records as its microphone
  (``tests/audio/pulse_server.py``; PortAudio reaches it through the ALSA pulse plugin);
* Murmur itself, launched as a user would (``python main.py``) with this test's XDG dirs and the
  real Whisper base model from set-up linked into its models folder;
* a real target window in another process (a Tk text box, ``tests/desktop/target_window.py``).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulse_server import PulseServer
from x_apps import TargetWindow, start_helper, stop_helper
from e2e_desktop import xdotool
from xvfb import XServer, wait_until

from app.crash_trace import CRASH_FILE_NAME
from app.logs import APP_NAME
from engine.catalog import DEFAULT_MODEL, model_filename

ROOT = Path(__file__).resolve().parents[2]
APP_READY_TIMEOUT_S = 60  # a cold start on a loaded CI machine: Qt, the model, the stream


@pytest.fixture(scope="module")
def x_server():
    with XServer.start() as server:
        yield server


@pytest.fixture
def pulse(tmp_path_factory):
    with PulseServer(tmp_path_factory.mktemp("pulse")) as server:
        yield server


class RunningMurmur:
    """``python main.py`` in its own process, and the CLI that talks to it."""

    def __init__(self, env: dict[str, str], log: Path, prefix: tuple[str, ...] = (),
                 args: tuple[str, ...] = ()):
        self.env = env
        self.log = log
        # ``prefix`` wraps the launch (e.g. ``unshare … sh -c '…; exec "$@"' sh``); it must exec
        # the app so that this process is Murmur. ``args`` follow ``main.py`` (e.g. --model).
        self.process = subprocess.Popen([*prefix, sys.executable, str(ROOT / "main.py"), "--verbose",
                                         *args],
                                        env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=open(log, "wb"))

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, timeout=30)

    def details(self) -> dict | None:
        if self.process.poll() is not None:
            raise AssertionError(f"Murmur exited ({self.process.returncode}): {self.log_tail()}")
        result = self.cli("status", "--json")
        return json.loads(result.stdout) if result.returncode == 0 else None

    def wait_ready(self) -> dict:
        """Model warm, hotkey armed, and the microphone delivering samples."""
        def ready():
            details = self.details()
            return details if details and details["model_loaded"] and details["hotkey_armed"] \
                and details["captured_seconds"] > 0.5 else None
        return wait_until(ready, APP_READY_TIMEOUT_S, "Murmur to be ready", interval=0.1)

    def record_past(self, seconds: float) -> None:
        """Wait until the app has captured ``seconds`` more audio (what was just played is in)."""
        # A status request that times out on a loaded machine (None) is asked again.
        start = wait_until(lambda: self.details(), 30, "a status answer")["captured_seconds"]
        wait_until(lambda: (self.details() or {}).get("captured_seconds", 0) > start + seconds,
                   seconds + 30, f"{seconds} s more of captured audio")

    def wait_state(self, word: str, timeout: float = 60) -> None:
        wait_until(lambda: (self.details() or {}).get("state") == word, timeout,
                   f"Murmur to be {word}", interval=0.05)

    def crash_log(self) -> Path:
        """Where the app writes its threads' stacks if a fatal signal ends it (app/crash_trace)."""
        return Path(self.env["XDG_STATE_HOME"]) / APP_NAME / CRASH_FILE_NAME

    def log_tail(self) -> str:
        tail = self.log.read_text(errors="replace")[-3000:]
        try:  # a native crash: what each thread was doing
            crash = self.crash_log().read_text(errors="replace")
        except OSError:
            crash = ""
        return f"{tail}\n--- crash.log ---\n{crash[-6000:]}" if crash else tail

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def launch_murmur(x_server, pulse, default_model_path, tmp_path):
    """Factory: start Murmur with this test's XDG dirs, the real model and ``language``."""
    apps = []

    def launch(language: str = "en", ini: str | None = None,
               prefix: tuple[str, ...] = (), args: tuple[str, ...] = ()) -> RunningMurmur:
        """``ini`` replaces the settings file's text; ``prefix`` wraps the command; ``args``
        are the app's own arguments."""
        models = Path(os.environ["XDG_DATA_HOME"]) / "murmur" / "models"
        models.mkdir(parents=True, exist_ok=True)
        default = models / model_filename(DEFAULT_MODEL)
        if not default.exists():
            default.symlink_to(default_model_path)
        config = Path(os.environ["XDG_CONFIG_HOME"]) / "murmur"
        config.mkdir(parents=True, exist_ok=True)
        # A fixed language whatever the machine's locale; two threads (CI has two cores).
        (config / "murmur.ini").write_text(
            ini if ini is not None else f"[General]\nlanguage={language}\nthreads=2\n")
        runtime = tmp_path / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env = {**x_server.env, **pulse.env, "QT_QPA_PLATFORM": "xcb", "XDG_RUNTIME_DIR": str(runtime)}
        apps.append(RunningMurmur(env, tmp_path / f"murmur{len(apps)}.log", prefix, args))
        return apps[-1]

    yield launch
    for app in apps:
        app.stop()


@pytest.fixture
def murmur(launch_murmur):
    return launch_murmur("en")


@pytest.fixture
def murmur_german(launch_murmur):
    return launch_murmur("de")


@pytest.fixture
def open_target(x_server, tmp_path):
    """Factory: a focused, empty Tk text window in another process (``terminal=True``: class
    XTerm, pastes only with Ctrl+Shift+V)."""
    procs = []

    def open_(terminal: bool = False) -> TargetWindow:
        out = tmp_path / f"target{len(procs)}.txt"
        proc, line = start_helper("target_window.py", str(out), *(["--terminal"] if terminal else []),
                                  env=x_server.env)
        procs.append(proc)
        window = TargetWindow(int(line), out, proc)
        xdotool(x_server, "windowfocus", "--sync", str(window.id))
        return window

    yield open_
    for proc in procs:
        stop_helper(proc)


@pytest.fixture
def target(open_target):
    return open_target()
