"""Release → text in a real target window: dictations through the PulseAudio virtual microphone
into the running app (bench/latency.py's second mode).

    .venv/bin/python bench/latency_desktop.py --model PATH.bin [--lengths 5,10,20,40]
        [--per-length 2] [--threads 2] [--json PATH]

Starts what the end-to-end tests start (their harness modules, by path): a private Xvfb, a
private PulseAudio daemon whose null sink's monitor is the default source, Murmur itself
(``python main.py``, its own XDG dirs, ``--model`` linked in as the default model, language en)
and a Tk text window in another process, focused. Each dictation of ``bench.latency_parts``
(the same clips and pauses as bench/latency.py, released 0.2-0.6 s after the last word) is
played with ``paplay`` in real time while the hotkey (Ctrl+Alt+Space) is held with ``xdotool``;
when ``paplay`` has played the last sample the hotkey is released. Time-to-text is from just
before the ``keyup`` until the target window's text changed (it writes its text to a file on
every change; polled every 5 ms). This includes everything the user waits for: the capture's
last block, the tail, shaping, the clipboard paste and the target's own redraw. The app's own
measure (history entry: release → text inserted, and engine seconds) is printed next to it as a
cross-check. No assertion is made on any timing.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for harness in ("", "tests/e2e", "tests/desktop", "tests/audio"):
    sys.path.insert(0, str(ROOT / harness))

import soundfile  # noqa: E402
from e2e_desktop import xdotool  # noqa: E402
from murmur_app import RunningMurmur  # noqa: E402
from pulse_server import PulseServer  # noqa: E402
from x_apps import TargetWindow, start_helper, stop_helper  # noqa: E402
from xvfb import XServer, wait_until  # noqa: E402

from bench.latency_parts import RATE, build_dictations, summarise  # noqa: E402
from engine.catalog import DEFAULT_MODEL, model_filename  # noqa: E402
from engine.wer import word_errors  # noqa: E402

MODE = "murmur-desktop"
TEXT_TIMEOUT_S = 120


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--lengths", default="5,10,20,40")
    parser.add_argument("--per-length", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--log", type=Path, help="keep the app's log (--verbose) here")
    args = parser.parse_args()
    dictations = build_dictations([float(x) for x in args.lengths.split(",")], args.per_length)
    with tempfile.TemporaryDirectory(prefix="murmur-desktop-bench-") as tmp, \
            XServer.start() as x_server, PulseServer(Path(tmp) / "pulse") as pulse:
        work = Path(tmp)
        murmur = launch(work, x_server, pulse, args)
        out = work / "target.txt"
        proc, line = start_helper("target_window.py", str(out), env=x_server.env)
        target = TargetWindow(int(line), out, proc)
        try:
            xdotool(x_server, "windowfocus", "--sync", str(target.id))
            murmur.wait_ready()
            started, load = time.time(), os.getloadavg()[0]
            rows = []
            for n, dictation in enumerate(dictations, 1):
                rows.append(dictate(murmur, pulse, x_server, target, dictation, work))
                r = rows[-1]
                print(f"[{n}/{len(dictations)}] {dictation.name} ({dictation.seconds:.1f} s, "
                      f"load {os.getloadavg()[0]:.1f}): window {r['time_to_text']:.2f} s, app "
                      f"{r['app_time_to_text']:.2f} s, engine {r['engine']:.2f} s, recorded "
                      f"{r['recorded']:.1f} s, {r['errors']}/{r['words']} errors", flush=True)
        finally:
            stop_helper(proc)
            murmur.stop()
            if args.log:
                args.log.write_bytes((work / "murmur.log").read_bytes())
        print(f"\nmodel {args.model.name}, {args.threads} threads, {len(dictations)} dictations,"
              f" {time.time() - started:.0f} s wall, load average {load:.1f} at start, "
              f"{os.getloadavg()[0]:.1f} at end\n")
        print(summarise(rows, (MODE,)))
        apps = [r["app_time_to_text"] for r in rows]
        print(f"\napp's own release → inserted (history): p50 {np.percentile(apps, 50):.2f} s, "
              f"p95 {np.percentile(apps, 95):.2f} s")
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1))


def launch(work: Path, x_server, pulse, args) -> RunningMurmur:
    """Murmur with its own XDG dirs, ``--model`` as its default model, language en."""
    models = work / "data" / "murmur" / "models"
    models.mkdir(parents=True)
    (models / model_filename(DEFAULT_MODEL)).symlink_to(args.model.resolve())
    config = work / "config" / "murmur"
    config.mkdir(parents=True)
    (config / "murmur.ini").write_text(f"[General]\nlanguage=en\nthreads={args.threads}\n")
    runtime = work / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**x_server.env, **pulse.env, "QT_QPA_PLATFORM": "xcb", "XDG_RUNTIME_DIR": str(runtime)}
    for name in ("DATA", "CONFIG", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = str(work / name.lower())
    return RunningMurmur(env, work / "murmur.log")


def dictate(murmur: RunningMurmur, pulse, x_server, target: TargetWindow, dictation,
            work: Path) -> dict:
    """Hold the hotkey, play the dictation, release: the row for this dictation."""
    wav = work / f"{dictation.name}.wav"
    soundfile.write(wav, dictation.audio, RATE, subtype="FLOAT")
    before = target.text()
    xdotool(x_server, "keydown", "ctrl+alt+space")
    murmur.wait_state("recording")
    player = pulse.play(wav)
    if player.wait(dictation.seconds + 60) != 0:
        raise RuntimeError(f"paplay failed: {player.stderr.read()}")
    released = time.monotonic()
    xdotool(x_server, "keyup", "space", "keyup", "alt", "keyup", "ctrl")
    deadline = released + TEXT_TIMEOUT_S
    while target.text() == before:  # the measurement itself: poll the window's file
        if time.monotonic() > deadline:
            raise TimeoutError(f"no text in the target window: {murmur.log_tail()}")
        time.sleep(0.005)
    shown = time.monotonic() - released
    murmur.wait_state("idle")
    text = target.text()[len(before):].strip()
    app_ttt, engine, recorded = last_history_entry(work)
    errors = word_errors(dictation.reference, text)
    return dict(name=dictation.name, length=dictation.length, seconds=dictation.seconds,
                mode=MODE, time_to_text=shown, app_time_to_text=app_ttt, engine=engine,
                recorded=recorded,
                errors=errors.errors, words=errors.reference_words, text=text)


def last_history_entry(work: Path) -> tuple[float, float, float]:
    """The app's own record of the last dictation: (release → inserted s, engine s, audio s)."""
    path = work / "data" / "murmur" / "history.sqlite3"
    wait_until(path.exists, 10, "the history database")
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT time_to_text_seconds, engine_seconds, audio_seconds "
                         "FROM entries ORDER BY id DESC LIMIT 1").fetchone()
    return tuple(float(v) for v in row) if row else (float("nan"),) * 3


if __name__ == "__main__":
    main()
