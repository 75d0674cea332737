"""Where a streamed piece's decode goes: whisper.cpp's own timings by prompt length.

    .venv/bin/python bench/decoder_passes.py --model PATH [--prompts 0,100,200,300] [--rounds 3]

Every clip of tests/data/speech up to 14 s is decoded as the app decodes a piece (sized window,
one pass, greedy, no fallback, ``app/piece_texts.max_tokens_for``'s cap) after a prompt of each
length (the end of a text before it; the app keeps ``app/dictation_texts.PROMPT_CHARS``, the
longest default), ``--rounds`` times. whisper.cpp's own
timings (``whisper_print_timings``, read from its log) split each setting's time into the mel
spectrogram, the encoder, the prompt's pass (per prompt token), one pass per further token,
and sampling. The last column is the prompt pass's cost per token against that of the longest
prompt in the same run: ggml's flash attention took a slower kernel for passes under 64 tokens
until ``patches/whisper.cpp-flash-attn-tiled-rows.patch`` (docs/PERFORMANCE.md, "Session 17"),
and that ratio shows whether a build has it.
"""
from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio.decode import decode_file  # noqa: E402
from app.dictation_texts import PROMPT_CHARS  # noqa: E402
from app.piece_texts import max_tokens_for  # noqa: E402
from bench.speech_set import load_clips  # noqa: E402
from engine.audio_ctx import audio_ctx_for  # noqa: E402
from engine.options import TranscribeOptions  # noqa: E402
from engine.whisper_engine import WhisperEngine  # noqa: E402

MAX_SECONDS = 14.0
# Text a dictation might have had before the piece (its end is what a prompt keeps).
CONTEXT = ("He hoped there would be stew for dinner, turnips and carrots and bruised potatoes and "
           "fat mutton pieces to be ladled out in thick peppered flour fattened sauce. Stuff it "
           "into you, his belly counselled him. And so, my fellow Americans, ask not what your "
           "country can do for you; ask what you can do for your country.")
_TIMING = re.compile(r"whisper_print_timings:\s+(\w+) time =\s+([\d.]+) ms(?: /\s+(\d+) runs)?")


class Timings(logging.Handler):
    """Collects whisper.cpp's timing lines, which the engine logs at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.values: dict[str, tuple[float, int]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        match = _TIMING.search(record.getMessage())
        if match:
            self.values[match.group(1)] = (float(match.group(2)), int(match.group(3) or 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--prompts", default=f"0,100,200,{PROMPT_CHARS}",
                        help="prompt lengths, characters")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    clips = [c for c in load_clips() if c.seconds <= MAX_SECONDS]
    audio = {c.id: decode_file(c.path).samples for c in clips}
    engine = WhisperEngine(args.model)
    timings = Timings()
    native = logging.getLogger("engine.whisper_engine")
    native.setLevel(logging.DEBUG)
    native.addHandler(timings)
    pw, ctx = engine._pw, engine._ctx
    lengths = [int(x) for x in args.prompts.split(",")]
    print(f"{len(clips)} clips, {sum(c.seconds for c in clips):.1f} s, model {args.model.name}, "
          f"{args.threads} threads, {args.rounds} rounds")
    print("| prompt chars | prompt tokens | engine s | mel ms | encode ms | prompt ms | "
          "prompt ms/token | decode ms/token | sample ms | prompt ms/token vs longest |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for chars in lengths:
        prompt = CONTEXT[-chars:] if chars else None
        engine.transcribe(audio[clips[0].id], _options(clips[0].seconds, prompt, args.threads))
        pw.whisper_reset_timings(ctx)
        seconds, calls = [], 0
        for _ in range(args.rounds):
            for clip in clips:
                result = engine.transcribe(audio[clip.id], _options(clip.seconds, prompt, args.threads))
                seconds.append(result.engine_seconds)
                calls += 1
        pw.whisper_print_timings(ctx)
        rows.append((chars, sum(seconds) / args.rounds, dict(timings.values), calls))
    longest = _per_token(rows[-1][2], rows[-1][3])
    for chars, total, values, calls in rows:
        prompt_ms, prompt_runs = values.get("prompt", (0.0, 0))
        decode_ms, decode_runs = values.get("decode", (0.0, 1))
        per_token = _per_token(values, calls)
        print(f"| {chars} | {prompt_runs / calls:.0f} | {total:.2f} | "
              f"{values.get('mel', (0.0, 1))[0] / calls:.1f} | "
              f"{values.get('encode', (0.0, 1))[0] / calls:.1f} | {prompt_ms / calls:.1f} | "
              f"{per_token:.2f} | {decode_ms / max(decode_runs, 1):.2f} | "
              f"{values.get('sample', (0.0, 1))[0] / calls:.1f} | "
              f"{per_token / longest if longest and per_token else float('nan'):.2f}× |")
    print(f"\nmedian engine s per decode: {statistics.median(seconds):.3f} (last setting)")


def _per_token(values: dict[str, tuple[float, int]], calls: int) -> float:
    """The prompt pass's milliseconds per prompt token (0 without a prompt)."""
    ms, tokens = values.get("prompt", (0.0, 0))
    return ms / tokens if tokens > calls else 0.0


def _options(seconds: float, prompt: str | None, threads: int) -> TranscribeOptions:
    """As ``app/piece_texts.transcribe_piece`` asks for a piece (sized window, one pass)."""
    return TranscribeOptions(language="en", threads=threads, initial_prompt=prompt,
                             audio_ctx=audio_ctx_for(seconds), single_segment=True,
                             temperature_fallback=False, max_tokens=max_tokens_for(seconds))


if __name__ == "__main__":
    main()
