"""A private PulseAudio daemon whose null sink's monitor is the default source: a virtual mic.

What plays into the sink (``paplay``) is what a recording app hears from the default source.
PortAudio reaches it through ALSA's pulse plugin (libasound2-plugins): its ``pulse`` PCM is
always defined, and ``default`` becomes pulse while a daemon is reachable. The daemon is found
through ``PULSE_SERVER``, which libpulse reads at every connect, so pointing this process (and
``paplay``) at a private socket needs no change to ALSA's configuration.

Root-run notes: ``--system=false`` with its own ``HOME``/``XDG_RUNTIME_DIR`` keeps the daemon
out of the machine's state; ``--disallow-exit`` and ``--exit-idle-time=-1`` keep it up while
no client is connected; ``-n -F script`` skips the distribution's default.pa (no hardware
probing, no D-Bus). Clients get ``autospawn = no`` so a killed daemon stays dead until a test
starts a new one.
"""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from audio_wait import wait_until

SINK = "murmur_sink"
#: The null sink's own rate; what is played at other rates is converted by PulseAudio.
SINK_RATE = 48_000
START_TIMEOUT_S = 10

_SCRIPT = """\
load-module module-native-protocol-unix auth-anonymous=1 socket={socket}
load-module module-null-sink sink_name={sink} rate={rate} channels=1
set-default-sink {sink}
set-default-source {sink}.monitor
"""


class PulseServer:
    """One daemon process; ``env`` is what a client needs to reach it.

    Args:
        root: A private directory for its runtime dir, home and scripts. A new server started
            on the same ``root`` listens on the same socket, as a restarted system daemon would.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runtime = root / "runtime"
        self.home = root / "home"
        self.socket = self.runtime / "native"
        for path in (self.runtime, self.home):
            path.mkdir(parents=True, exist_ok=True)
        os.chmod(self.runtime, 0o700)  # libpulse refuses a runtime dir others can write
        (root / "default.pa").write_text(_SCRIPT.format(socket=self.socket, sink=SINK,
                                                        rate=SINK_RATE))
        (root / "client.conf").write_text("autospawn = no\n")
        self.env = {"PULSE_SERVER": f"unix:{self.socket}",
                    "PULSE_CLIENTCONFIG": str(root / "client.conf")}
        self.process: subprocess.Popen | None = None

    def start(self) -> "PulseServer":
        """Start the daemon and wait until it answers ``pactl info``."""
        self.socket.unlink(missing_ok=True)
        env = {**os.environ, "HOME": str(self.home), "XDG_RUNTIME_DIR": str(self.runtime),
               "PULSE_RUNTIME_PATH": str(self.runtime), **self.env}
        self.process = subprocess.Popen(
            ["pulseaudio", "--daemonize=no", "--system=false", "--exit-idle-time=-1",
             "--disallow-exit", "--disallow-module-loading=false", "-n",
             "-F", str(self.root / "default.pa"), "--log-target=stderr", "--log-level=error"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.root / "daemon.log", "ab"))
        wait_until(self._answers, START_TIMEOUT_S, "the PulseAudio daemon to answer",
                   interval=0.05)
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"pulseaudio exited: {(self.root / 'daemon.log').read_text()}")
        result = subprocess.run(["pactl", "info"], env={**os.environ, **self.env},
                                capture_output=True, text=True, timeout=5)
        return result.returncode == 0 and f"Default Source: {SINK}.monitor" in result.stdout

    def kill(self) -> None:
        """SIGKILL the daemon: its clients see the device vanish mid-stream."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(5)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()

    def pactl(self, *args: str) -> str:
        """Run ``pactl`` against this daemon; its stdout (fails the caller on an error)."""
        result = subprocess.run(["pactl", *args], env={**os.environ, **self.env},
                                capture_output=True, text=True, timeout=10)
        if result.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def unload_sink(self) -> None:
        """Unload the null sink (and with it its monitor, the default source) from the running
        daemon: the sound server stays up while the microphone disappears under a stream."""
        modules = self.pactl("list", "short", "modules").splitlines()
        (index,) = [line.split()[0] for line in modules if "module-null-sink" in line]
        self.pactl("unload-module", index)

    def load_sink(self) -> None:
        """Load the null sink again and make its monitor the default source (the mic is back)."""
        self.pactl("load-module", "module-null-sink", f"sink_name={SINK}", f"rate={SINK_RATE}",
                   "channels=1")
        self.pactl("set-default-sink", SINK)
        self.pactl("set-default-source", f"{SINK}.monitor")

    def has_sink(self) -> bool:
        """Whether the null sink is loaded."""
        return SINK in self.pactl("list", "short", "sinks")

    def play(self, path: Path) -> subprocess.Popen:
        """Play a sound file into the sink (non-blocking)."""
        return subprocess.Popen(["paplay", f"--device={SINK}", str(path)],
                                env={**os.environ, **self.env}, stdin=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)

    def __enter__(self) -> "PulseServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
