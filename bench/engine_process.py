"""What the engine's child process costs per call: in-process ``WhisperEngine`` against
``ProcessEngine`` on the same model and clips, in one run.

    .venv/bin/python bench/engine_process.py [--model PATH] [--clips ID,ID] [--repeat 5]
                                             [--threads 2] [--audio-ctx 0]

Both engines are loaded (and warmed up) once, side by side in this process and its child. Each
clip is then transcribed by both, alternating which goes first on every repeat, so a burst of
load from elsewhere on the machine hits both alike. Per call it records the wall time around
``transcribe`` and whisper.cpp's own time (``Transcript.engine_seconds``, measured around
``whisper_full`` in whichever process ran it). The hop's cost is the wall time *outside*
whisper.cpp: in-process that is the Python around the native call; through the child it adds
sending the samples, the pickles and the wake-ups. That difference ("extra ms") does not depend
on how long whisper.cpp took, so it stays meaningful on a loaded machine where whole-call wall
times (and their ratio, shown too) swing with the load. The CPU time each call cost the process
that ran whisper.cpp (this one, or the child, from /proc) shows whether whisper.cpp itself does
the same work in the child: unlike wall time, it hardly moves with the machine's load. A 40 s clip (jfk repeated) shows the
cost of moving 2.5 MB of samples. Prints a Markdown table; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio.decode import decode_file  # noqa: E402
from bench.speech_set import load_clips  # noqa: E402
from engine.engine_process import ProcessEngine  # noqa: E402
from engine.model_store import ModelStore  # noqa: E402
from engine.options import SAMPLE_RATE, TranscribeOptions  # noqa: E402
from engine.whisper_engine import WhisperEngine  # noqa: E402

# A 2 s command, a 3 s phrase, an 11 s sentence; "jfk40" is jfk repeated to 40 s.
DEFAULT_CLIPS = ("ls_1089-134691-0000", "ls_1089-134686-0001", "jfk", "jfk40")
WARMUP_CLIP = "ls_2830-3980-0043"


def clip_audio(clip_id: str) -> np.ndarray:
    clips = {clip.id: clip for clip in load_clips()}
    if clip_id == "jfk40":
        return np.resize(decode_file(clips["jfk"].path).samples, 40 * SAMPLE_RATE)
    return decode_file(clips[clip_id].path).samples


def cpu_seconds(engine) -> float:
    """CPU time (user + system) of the process that runs ``engine``'s whisper.cpp so far."""
    if isinstance(engine, ProcessEngine):
        fields = Path(f"/proc/{engine.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return time.process_time()


def timed(engine, audio: np.ndarray, options: TranscribeOptions):
    """(wall seconds, whisper.cpp seconds, CPU seconds, text) of one call."""
    cpu = cpu_seconds(engine)
    started = time.perf_counter()
    transcript = engine.transcribe(audio, options)
    wall = time.perf_counter() - started
    return wall, transcript.engine_seconds, cpu_seconds(engine) - cpu, transcript.text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="ggml file (default: the app's model)")
    parser.add_argument("--clips", default=",".join(DEFAULT_CLIPS))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--audio-ctx", type=int, default=0)
    args = parser.parse_args(argv)
    model = args.model or ModelStore().resolve(None)
    options = TranscribeOptions(language="en", threads=args.threads, audio_ctx=args.audio_ctx)

    started = time.perf_counter()
    local = WhisperEngine(model)
    local_load = time.perf_counter() - started
    started = time.perf_counter()
    child = ProcessEngine(model)
    child_load = time.perf_counter() - started
    warmup = clip_audio(WARMUP_CLIP)
    timed(local, warmup, options)
    timed(child, warmup, options)

    print(f"model {model.name}, threads {args.threads}, audio_ctx {args.audio_ctx}, "
          f"{args.repeat} repeats; load: in-process {local_load:.2f} s, "
          f"child process {child_load:.2f} s (spawn + imports + load)\n")
    print("| clip | audio s | in-process wall ms | child wall ms | wall ratio | in-process CPU s "
          "| child CPU s | outside whisper.cpp in-process ms | child ms | extra ms per call "
          "| same text |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    all_extra = []
    for clip_id in args.clips.split(","):
        audio = clip_audio(clip_id)
        rows = {"local": [], "child": []}
        texts = set()
        for repeat in range(args.repeat):
            order = (("local", local), ("child", child))
            for name, engine in order if repeat % 2 == 0 else order[::-1]:
                wall, engine_s, cpu, text = timed(engine, audio, options)
                rows[name].append((wall, wall - engine_s, cpu))
                texts.add(text)
        wall_l, out_l, cpu_l = (statistics.median(column) for column in zip(*rows["local"]))
        wall_c, out_c, cpu_c = (statistics.median(column) for column in zip(*rows["child"]))
        all_extra.append(out_c - out_l)
        print(f"| {clip_id} | {len(audio) / SAMPLE_RATE:.1f} | {wall_l * 1e3:.0f} | "
              f"{wall_c * 1e3:.0f} | {wall_c / wall_l:.3f} | {cpu_l:.2f} | {cpu_c:.2f} | "
              f"{out_l * 1e3:.1f} | "
              f"{out_c * 1e3:.1f} | {(out_c - out_l) * 1e3:.1f} | "
              f"{'yes' if len(texts) == 1 else 'no'} |")
    print(f"\nmedian extra per call: {statistics.median(all_extra) * 1e3:.1f} ms")
    local.close()
    child.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
