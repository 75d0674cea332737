"""The real Murmur app on a private desktop, for ``bench/resources.py``.

What runs, and how it starts (the same parts as the end-to-end tests, ``tests/e2e/murmur_app.py``):

* a private Xvfb (``tests/desktop/xvfb.py``) with no window manager, and a bare system-tray
  owner (``bench/tray_host.py``) so that closing the window hides Murmur to the tray, as on a
  desktop with a panel;
* a private PulseAudio daemon whose null sink's monitor is the default source
  (``tests/audio/pulse_server.py``): what ``paplay`` plays into the sink is Murmur's microphone;
* a real target window in another process (a Tk text box, ``tests/desktop/target_window.py``)
  that has the focus when a dictation ends, so the text is inserted as in real use;
* ``python main.py`` as a user starts it, with private XDG dirs (settings, history, runtime) and
  the chosen model file linked into its models folder; language ``en``, 2 threads.

The harness modules are imported by path (``tests/`` is not a package), as the tests' conftest
files do.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for harness in (ROOT / "tests" / "desktop", ROOT / "tests" / "audio"):
    if str(harness) not in sys.path:
        sys.path.insert(0, str(harness))

from pulse_server import PulseServer  # noqa: E402
from x_apps import start_helper, stop_helper  # noqa: E402
from xvfb import XServer, wait_until  # noqa: E402

from bench.tray_host import TrayHost  # noqa: E402
from engine.catalog import DEFAULT_MODEL, model_filename  # noqa: E402

READY_TIMEOUT_S = 120
WINDOW_TITLE = "Murmur"


class RunningApp:
    """``python main.py`` in its own process (``spawned_at``: ``time.monotonic()`` just before
    it was forked), and the command line that talks to it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.spawned_at = time.monotonic()
        self.process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--verbose"],
                                        env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=open(log, "wb"))

    @property
    def pid(self) -> int:
        return self.process.pid

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, timeout=60)

    def details(self) -> dict | None:
        if self.process.poll() is not None:
            raise RuntimeError(f"Murmur exited ({self.process.returncode}): "
                               f"{self.log.read_text(errors='replace')[-3000:]}")
        result = self.cli("status", "--json")
        return json.loads(result.stdout) if result.returncode == 0 else None

    def wait_ready(self, interval: float = 0.5) -> dict:
        """The status once the model is loaded, the hotkey armed and audio arrives. Polled
        slowly: each poll is a Python process competing with the launch for the two cores, and
        the launch time comes from the app's own clock (``startup`` in the status), not from
        when a poll noticed it."""
        def ready():
            details = self.details()
            return details if details and details["model_loaded"] and details["hotkey_armed"] \
                and details["captured_seconds"] > 0.5 else None
        return wait_until(ready, READY_TIMEOUT_S, "Murmur to be ready", interval=interval)

    def wait_state(self, word: str, timeout: float = 120) -> None:
        wait_until(lambda: (self.details() or {}).get("state") == word, timeout,
                   f"Murmur to be {word}", interval=0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class AppRig:
    """Xvfb + tray + PulseAudio + private XDG dirs; ``launch()`` starts the app in them.

    Args:
        model: The ggml model file to link in as the default model.
    """

    def __init__(self, model: Path) -> None:
        self.model = model
        self.root = Path(tempfile.mkdtemp(prefix="murmur-resources-"))
        self._x = XServer.start()
        self.x = self._x.__enter__()
        self.tray = TrayHost(self.x.display)
        self.pulse = PulseServer(self.root / "pulse").start()
        self.env = self._app_env()
        self.launches = 0
        self._target, line = start_helper("target_window.py", str(self.root / "target.txt"),
                                          env=self.x.env)
        self.target_window = int(line)

    def _app_env(self) -> dict[str, str]:
        xdg = {name: self.root / name.lower() for name in
               ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")}
        for path in xdg.values():
            path.mkdir()
        runtime = self.root / "runtime"
        runtime.mkdir(mode=0o700)
        models = xdg["XDG_DATA_HOME"] / "murmur" / "models"
        models.mkdir(parents=True)
        (models / model_filename(DEFAULT_MODEL)).symlink_to(self.model.resolve())
        config = xdg["XDG_CONFIG_HOME"] / "murmur"
        config.mkdir()
        (config / "murmur.ini").write_text("[General]\nlanguage=en\nthreads=2\n")
        env = {**self.x.env, **self.pulse.env, **{k: str(v) for k, v in xdg.items()},
               "QT_QPA_PLATFORM": "xcb", "XDG_RUNTIME_DIR": str(runtime),
               "HOME": str(self.root), "PYTHONPYCACHEPREFIX": str(self.root / "pycache")}
        # An installed app runs from compiled bytecode; a sandbox that forbids writing it would
        # make every launch compile ~100 modules first (~0.3 s). The bytecode goes to a private
        # folder (the warm-up launch writes it), never into the repository.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        return env

    def launch(self) -> RunningApp:
        self.launches += 1
        return RunningApp(self.env, self.root / f"murmur{self.launches}.log")

    def window(self) -> int:
        """Murmur's main window: the largest top-level window titled "Murmur" (the tray icon
        and Qt's group leader window carry the application's name too)."""
        found = wait_until(lambda: self.tray.windows_named(WINDOW_TITLE), 30, "Murmur's window")
        return max(found, key=self.tray.area)

    def hide_window(self) -> None:
        """Close the window as a user would; with the tray present Murmur hides it."""
        window = self.window()
        self.tray.close_window(window)
        wait_until(lambda: not self.tray.is_mapped(window), 10, "the window to hide")

    def show_window(self, app: RunningApp) -> None:
        """Launch Murmur again: the second launch raises the first one's window and leaves."""
        subprocess.run([sys.executable, str(ROOT / "main.py")], env=app.env, cwd=ROOT,
                       capture_output=True, timeout=60, check=True)
        window = self.window()
        wait_until(lambda: self.tray.is_mapped(window), 10, "the window to show")

    def focus_target(self) -> None:
        """Give the target window the input focus (where a dictation's text goes)."""
        subprocess.run(["xdotool", "windowfocus", "--sync", str(self.target_window)],
                       env=self.x.env, check=True, timeout=10)

    def inserted_text(self) -> str:
        """What the target window holds so far (it saves its text to a file)."""
        path = self.root / "target.txt"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def play(self, path: Path) -> subprocess.Popen:
        return self.pulse.play(path)

    def close(self) -> None:
        stop_helper(self._target)
        self.pulse.stop()
        self.tray.close()
        self._x.__exit__(None, None, None)
        shutil.rmtree(self.root, ignore_errors=True)


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               "?")
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": f"{mem_kb / 2**20:.1f} GiB",
            "kernel": os.uname().release, "python": sys.version.split()[0], "commit": commit}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
