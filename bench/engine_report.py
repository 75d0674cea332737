"""Summaries and the Markdown/JSON output of bench/engine.py (no timing happens here)."""
from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.engine_worker import EngineConfig, Timed
from bench.speech_set import Clip
from engine.wer import WordErrors, word_errors

#: The 1.00× row: faster-whisper's fastest everyday setting, the one issue 5's targets compare to.
BASELINE = "fw-int8-greedy"
#: Our own engine's default row, the second reference column.
OUR_BASELINE = "wcpp-f16-greedy"


@dataclass
class ConfigRun:
    """Everything measured for one configuration; ``timings[clip][repeat]``."""

    config: EngineConfig
    load_seconds: float = float("nan")
    rss_before_load_mb: float = float("nan")
    peak_rss_mb: float = float("nan")
    timings: list[list[Timed]] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class Summary:
    """One row of the table. Times are sums over the clips of each clip's median over repeats;
    ``best_seconds`` sums each clip's fastest repeat instead: on a machine others share, the
    median is what a user would see, the minimum the engine's cost least disturbed by them."""

    name: str
    engine_seconds: float
    best_seconds: float
    cpu_seconds: float
    rtf: float
    errors: WordErrors
    load_seconds: float
    peak_rss_mb: float
    clip_seconds: tuple[float, ...]
    texts_stable: bool  # every repeat of every clip gave the same text


def summarize(run: ConfigRun, clips: list[Clip]) -> Summary:
    walls = [statistics.median(t.wall_seconds for t in per_clip) for per_clip in run.timings]
    best = sum(min(t.wall_seconds for t in per_clip) for per_clip in run.timings)
    cpus = [statistics.median(t.cpu_seconds for t in per_clip) for per_clip in run.timings]
    errors = sum((word_errors(clip.reference, per_clip[0].text)
                  for clip, per_clip in zip(clips, run.timings)), WordErrors(0, 0, 0, 0))
    stable = all(len({t.text for t in per_clip}) == 1 for per_clip in run.timings)
    return Summary(run.config.name, sum(walls), best, sum(cpus), sum(walls) / sum(c.seconds for c in clips),
                   errors, run.load_seconds, run.peak_rss_mb, tuple(walls), stable)


def _ratio(summary: Summary, by_name: dict[str, Summary], name: str) -> str:
    """Time relative to the row ``name`` (above 1 is slower): median, then best in brackets."""
    base = by_name.get(name)
    if not base:
        return "–"
    return (f"{summary.engine_seconds / base.engine_seconds:.2f}× "
            f"({summary.best_seconds / base.best_seconds:.2f}×)")


def markdown(summaries: list[Summary], clips: list[Clip], header: list[str]) -> str:
    """The tables as Markdown: one row per configuration, then seconds per clip."""
    by_name = {s.name: s for s in summaries}
    lines = [*header, "",
             f"| config | engine s median | best | RTF | time vs {BASELINE} | time vs {OUR_BASELINE} "
             "| WER | CPU s | load s | peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in summaries:
        wer = f"{100 * s.errors.rate:.1f} % ({s.errors.errors}/{s.errors.reference_words})"
        lines.append(f"| {s.name}{'' if s.texts_stable else ' †'} | {s.engine_seconds:.2f} "
                     f"| {s.best_seconds:.2f} | {s.rtf:.3f} | {_ratio(s, by_name, BASELINE)} "
                     f"| {_ratio(s, by_name, OUR_BASELINE)} "
                     f"| {wer} | {s.cpu_seconds:.2f} | {s.load_seconds:.2f} | {s.peak_rss_mb:.0f} |")
    lines += ["", "Median seconds per clip:", "",
              "| config | " + " | ".join(f"{c.id} ({c.seconds:.1f} s)" for c in clips) + " |",
              "|---|" + "---:|" * len(clips)]
    lines += [f"| {s.name} | " + " | ".join(f"{t:.2f}" for t in s.clip_seconds) + " |"
              for s in summaries]
    if not all(s.texts_stable for s in summaries):
        lines += ["", "† a clip's text differed between repeats; WER uses the first repeat."]
    return "\n".join(lines)


def write_json(path: Path, runs: list[ConfigRun], summaries: list[Summary], clips: list[Clip],
               meta: dict) -> None:
    """Every raw timing and text, for later analysis (issue 5's choices)."""
    by_name = {s.name: s for s in summaries}
    document = {
        "meta": meta,
        "clips": [{"id": c.id, "seconds": c.seconds} for c in clips],
        "configs": [{
            **asdict(run.config),
            "error": run.error,
            "load_seconds": run.load_seconds,
            "rss_before_load_mb": run.rss_before_load_mb,
            "peak_rss_mb": run.peak_rss_mb,
            "summary": ({**asdict(by_name[run.config.name]), "wer": by_name[run.config.name].errors.rate}
                        if run.config.name in by_name else None),
            "timings": [[asdict(t) for t in per_clip] for per_clip in run.timings],
        } for run in runs],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
