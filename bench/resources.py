"""What the running app costs: launch → ready, CPU share idle and recording, resident memory.

    .venv/bin/python bench/resources.py [--model PATH.bin] [--runs 5] [--idle-seconds 30]
        [--record-seconds 30] [--dictations 3] [--rest-seconds 25] [--json PATH]

The real app (``python main.py``) runs on a private Xvfb with a bare tray owner and a private
PulseAudio daemon whose null sink is the microphone (``bench/resource_rig.py`` says how each
part starts). Measured, in this order:

1. **Launch → ready**, ``--runs`` times after one unrecorded warm-up launch (which also leaves
   the model file in the page cache): from the moment the bench forks ``python main.py`` to the
   moment the app itself records that the model is loaded *and* the hotkey armed (``startup``
   in ``main.py status --json``, a ``time.monotonic()`` stamp, so the bench's slow polling adds
   nothing). Included: interpreter start, imports, Qt, the window, the model load, opening the
   microphone stream, arming the hotkey. The app's own milestones (``startup``) break it down.
2. **CPU share** of the app's whole process tree (``bench/proc_stats.py``: ``utime + stime``
   over the interval, percent of one core), per process and per thread: idle with the window
   shown, idle with the window hidden to the tray (closed as a user closes it), recording with
   the window shown in silence, and recording while ``paplay`` plays speech into the microphone
   (which includes whisper.cpp transcribing finished pieces while the speech goes on).
3. **Resident memory** (``VmRSS``, peak ``VmHWM``, ``Pss``) of each process, after the launch,
   during the dictations (the sample with the highest PSS summed over the processes, read every
   ``PEAK_INTERVAL_S`` while they run), right after ``--dictations`` complete dictations (start,
   speech, stop, transcribe, insert), during and after one 69 s dictation, and
   ``--rest-seconds`` later with nothing happening (the engine child gives whisper.cpp's
   working memory back once it has been idle for ``engine_child.RELEASE_AFTER_S``).

Nothing else runs in the app meanwhile: the bench never polls the status inside a measured
interval. The load average is printed with each interval: on a shared machine other processes
take the cores, and the launch time suffers most from that.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.proc_stats import cpu_share, sample_tree, tree_memory  # noqa: E402
from bench.resource_rig import ROOT, AppRig, RunningApp, load_average, machine  # noqa: E402
from xvfb import wait_until  # noqa: E402  (on the path through bench.resource_rig)

SPEECH = ROOT / "tests" / "data" / "speech"
LONG_SPEECH = SPEECH / "lj_LJ001-0001to0010_long.wav"  # 69 s of continuous reading
DICTATION_CLIPS = ("jfk.wav", "ls_1089-134686-0000.wav", "lj_LJ001-0024.wav")
SETTLE_S = 5.0  # after a change (launch, hide, show), before measuring: let it finish reacting
#: Long enough for the engine child's idle release (engine/engine_child.py) to have happened.
REST_S = 25.0
#: How often memory is read during the dictations: a piece's decode lasts 0.1-0.5 s.
PEAK_INTERVAL_S = 0.1


class PssPeak:
    """Reads the app's memory every ``PEAK_INTERVAL_S`` on a thread while the ``with`` block
    runs; ``processes`` is the reading with the highest PSS summed over the processes (the
    processes' own ``VmHWM`` peaks need not coincide, so their sum overstates)."""

    def __init__(self, root: int) -> None:
        self._root = root
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="pss-peak", daemon=True)
        self.processes: list = []
        self.samples = 0

    def __enter__(self) -> PssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        best = -1.0
        while not self._done.wait(PEAK_INTERVAL_S):
            now = tree_memory(self._root)
            self.samples += 1
            total = sum(m.pss for m in now)
            if total > best:
                best, self.processes = total, now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="ggml file (default: `main.py models path`)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--record-seconds", type=float, default=30.0)
    parser.add_argument("--dictations", type=int, default=3)
    parser.add_argument("--rest-seconds", type=float, default=REST_S,
                        help="wait this long after the dictations, then read memory again")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    model = args.model or Path(subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "models", "path"], capture_output=True,
        text=True, check=True).stdout.strip())
    result = {"command": " ".join([Path(sys.executable).name, *sys.argv]),
              "machine": machine(), "model": model.name}
    rig = AppRig(model)
    try:
        result["launch"], app = measure_launches(rig, args.runs)
        try:
            result.update(measure_running(rig, app, args))
        finally:
            app.stop()
    finally:
        rig.close()
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


def measure_launches(rig: AppRig, runs: int) -> tuple[list[dict], RunningApp]:
    """``runs`` launches after a warm-up; the last app is left running."""
    launches = []
    for n in range(runs + 1):
        app = rig.launch()
        details = app.wait_ready()
        startup = details.get("startup") or {}
        row = {"run": n, "load": load_average(), "startup": startup,
               "ready_s": startup["ready_monotonic"] - app.spawned_at
               if "ready_monotonic" in startup else None}
        print(f"launch {n}{' (warm-up, not counted)' if n == 0 else ''}: ready "
              f"{row['ready_s'] if row['ready_s'] is None else round(row['ready_s'], 3)} s, "
              f"load {row['load']}", flush=True)
        if n:
            launches.append(row)
        if n < runs:
            app.stop()
    return launches, app


def measure_cpu(app: RunningApp, seconds: float, label: str) -> dict:
    before = sample_tree(app.pid)
    time.sleep(seconds)  # the measured interval itself: nothing else may touch the app
    share = cpu_share(before, sample_tree(app.pid))
    print(f"{label}: {share.total:.2f} % of a core, load {load_average()}", flush=True)
    return {"label": label, "load": load_average(), **asdict(share)}


def measure_running(rig: AppRig, app: RunningApp, args) -> dict:
    time.sleep(SETTLE_S)
    memory = {"after launch": [asdict(m) for m in tree_memory(app.pid)]}
    cpu = [measure_cpu(app, args.idle_seconds, "idle, window shown")]
    rig.hide_window()
    time.sleep(SETTLE_S)
    cpu.append(measure_cpu(app, args.idle_seconds, "idle, window hidden"))
    rig.show_window(app)
    time.sleep(SETTLE_S)
    cpu.append(record(app, rig, None, args.record_seconds, "recording silence, window shown"))
    cpu.append(record(app, rig, LONG_SPEECH, args.record_seconds,
                      "recording speech, window shown (pieces transcribed meanwhile)"))
    with PssPeak(app.pid) as peak:
        for n in range(args.dictations):
            dictate(app, rig, SPEECH / DICTATION_CLIPS[n % len(DICTATION_CLIPS)])
    memory[f"during the dictations (highest of {peak.samples} readings)"] = [
        asdict(m) for m in peak.processes]
    memory[f"after {args.dictations} dictations"] = [asdict(m) for m in tree_memory(app.pid)]
    # A long dictation grows the engine child most: longer prompts (logits for every prompt
    # token) and more of the encoder's buffers. The short clips above do not show that.
    long_s = soundfile.info(LONG_SPEECH).duration
    with PssPeak(app.pid) as peak:
        dictate(app, rig, LONG_SPEECH)
    memory[f"during a {long_s:.0f} s dictation (highest of {peak.samples} readings)"] = [
        asdict(m) for m in peak.processes]
    memory[f"after the {long_s:.0f} s dictation"] = [
        asdict(m) for m in tree_memory(app.pid)]
    if args.rest_seconds > 0:
        time.sleep(args.rest_seconds)  # nothing touches the app meanwhile
        memory[f"{args.rest_seconds:.0f} s after the last dictation"] = [
            asdict(m) for m in tree_memory(app.pid)]
    return {"cpu": cpu, "memory": memory}


def record(app: RunningApp, rig: AppRig, speech: Path | None, seconds: float, label: str) -> dict:
    """Start a dictation, measure ``seconds`` of it (with ``speech`` playing), cancel it."""
    app.cli("start")
    app.wait_state("recording")
    player = rig.play(speech) if speech else None
    try:
        return measure_cpu(app, seconds, label)
    finally:
        if player is not None:
            player.kill()
            player.wait()
        app.cli("cancel")
        app.wait_state("idle")


def dictate(app: RunningApp, rig: AppRig, clip: Path) -> None:
    """A whole dictation: the target focused, start, the clip into the microphone, stop, until
    the app is idle again (the text inserted into the target)."""
    rig.focus_target()
    app.cli("start")
    app.wait_state("recording")
    player = rig.play(clip)
    player.wait(120)
    app.cli("stop")
    wait_until(lambda: (app.details() or {}).get("state") in ("idle", "error"), 120,
               "the dictation to finish", interval=0.2)
    state = app.details()["state"]
    if state != "idle":
        raise RuntimeError(f"the dictation ended in {state}: {app.details().get('window')}")


def report(result: dict) -> str:
    lines = [f"command: {result['command']}", "machine: " + ", ".join(
        f"{k} {v}" for k, v in result["machine"].items()), f"model: {result['model']}", ""]
    ready = [row["ready_s"] for row in result["launch"] if row["ready_s"] is not None]
    lines.append("| measure | value | target | load avg |")
    lines.append("|---|---|---|---|")
    if ready:
        loads = ", ".join(row["load"].split()[0] for row in result["launch"])
        lines.append(f"| launch → ready, median of {len(ready)} (min–max) | "
                     f"{statistics.median(ready):.2f} s ({min(ready):.2f}–{max(ready):.2f}) | "
                     f"< 1 s | {loads} |")
    targets = {"idle, window hidden": "< 1 %", "recording silence, window shown": "< 15 %"}
    for row in result["cpu"]:
        lines.append(f"| CPU, {row['label']} | {row['total']:.2f} % | "
                     f"{targets.get(row['label'], '')} | {row['load']} |")
    for moment, processes in result["memory"].items():
        rss = sum(p["rss"] for p in processes)
        hwm = sum(p["hwm"] for p in processes)
        pss = sum(p["pss"] for p in processes)
        names = " + ".join(f"{p['name']} {p['rss']:.0f} ({p['pss']:.0f})" for p in processes)
        lines.append(f"| memory {moment}: RSS (peak) / PSS, MiB, all processes | "
                     f"{rss:.0f} ({hwm:.0f}) / {pss:.0f} | < 350 MB | |")
        lines.append(f"| … per process: RSS (PSS), MiB | {names} | | |")
    lines.append("")
    if ready:
        lines.append("launch milestones (s after process start, median): " + ", ".join(
            f"{name} {statistics.median(row['startup'][name] for row in result['launch']):.2f}"
            for name in result["launch"][0]["startup"] if name != "ready_monotonic"))
    lines.append("")
    lines.append("CPU by process and by thread (% of a core; Python threads all read 'python', "
                 "Qt's raster helpers 'Thread (pooled)', PulseAudio's client loop 'threaded-ml'):")
    for row in result["cpu"]:
        busiest = list(row["by_thread"].items())[:6]
        lines.append(f"- {row['label']}: processes " + ", ".join(
            f"{k} {v:.2f}" for k, v in row["by_process"].items()) + "; threads " + ", ".join(
            f"{k} {v:.2f}" for k, v in busiest))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
