"""Where does shrinking whisper.cpp's encoder window (``audio_ctx``) start to cost words?

    .venv/bin/python bench/audio_ctx.py --model PATH [--margins 0,32,64,128,256] [--threads 2]

Every clip of tests/data/speech up to 30 s (the long readings are cut into 8-24 s pieces at
their reference-free quietest points would need alignment; they are skipped) is transcribed
with the full window and with ``engine.audio_ctx.audio_ctx_for(seconds, margin)`` for each
margin; rows give aggregate WER, how many clips changed text against the full window, and the
summed engine time. Greedy, language en, one process, one model; each clip once per setting.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio.decode import decode_file  # noqa: E402
from bench.speech_set import load_clips  # noqa: E402
from engine.audio_ctx import audio_ctx_for  # noqa: E402
from engine.options import TranscribeOptions  # noqa: E402
from engine.wer import WordErrors, word_errors  # noqa: E402
from engine.whisper_engine import WhisperEngine  # noqa: E402

MAX_SECONDS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--margins", default="full,0,32,64,128,256")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-round", action="store_true", help="step 1, minimum 0")
    parser.add_argument("--single-segment", action="store_true",
                        help="decode shrunken windows in one pass, as the engine worker does")
    parser.add_argument("--set", default="", help="extra whisper_full params, e.g. "
                        "single_segment=1,no_timestamps=1 (probes for engine/whisper_engine.py)")
    args = parser.parse_args()
    clips = [c for c in load_clips() if c.seconds <= MAX_SECONDS]
    audio = {c.id: decode_file(c.path).samples for c in clips}
    engine = WhisperEngine(args.model)
    extra = dict(kv.split("=") for kv in args.set.split(",") if kv)
    if extra:
        plain = engine._full_params

        def patched(options):
            params = plain(options)
            for key, value in extra.items():
                setattr(params, key, type(getattr(params, key))(int(value)))
            return params

        engine._full_params = patched
    base = TranscribeOptions(language="en", threads=args.threads)
    engine.transcribe(audio[clips[0].id], base)  # warm-up
    texts: dict[str, dict[str, str]] = {}
    print(f"{len(clips)} clips, {sum(c.seconds for c in clips):.1f} s, model {args.model.name}, "
          f"params {extra or 'default'}, {'no rounding' if args.no_round else 'rounded'}, "
          f"single_segment {args.single_segment}")
    print("| setting | WER | errors/words | WER, segments past the audio dropped "
          "| clips changed vs full | engine s | ctx range |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for margin in args.margins.split(","):
        total, seconds, ctxs = WordErrors(0, 0, 0, 0), 0.0, []
        kept = WordErrors(0, 0, 0, 0)
        texts[margin] = {}
        for clip in clips:
            if margin == "full":
                ctx = 0
            elif args.no_round:
                ctx = audio_ctx_for(clip.seconds, int(margin), 1, 0)
            else:
                ctx = audio_ctx_for(clip.seconds, int(margin))
            ctxs.append(ctx)
            out = engine.transcribe(audio[clip.id], TranscribeOptions(
                language="en", threads=args.threads, audio_ctx=ctx,
                single_segment=args.single_segment and ctx > 0))
            seconds += out.engine_seconds
            texts[margin][clip.id] = out.text
            total = total + word_errors(clip.reference, out.text)
            inside = " ".join(s.text for s in out.segments if s.start < out.audio_seconds)
            kept = kept + word_errors(clip.reference, inside)
        changed = sum(texts[margin][c.id] != texts["full"][c.id] for c in clips) \
            if "full" in texts else "-"
        print(f"| {margin} | {100 * total.rate:.2f} % | {total.errors}/{total.reference_words} "
              f"| {100 * kept.rate:.2f} % | {changed} | {seconds:.2f} | {min(ctxs)}-{max(ctxs)} |",
              flush=True)
    for margin, by_clip in texts.items():
        for clip in clips:
            if margin != "full" and by_clip[clip.id] != texts["full"][clip.id]:
                print(f"  [{margin}] {clip.id}: {by_clip[clip.id]!r}\n"
                      f"  [full] {clip.id}: {texts['full'][clip.id]!r}")


if __name__ == "__main__":
    main()
