"""The real speech clips in tests/data/speech and their reference transcripts."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

SPEECH_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "speech"


@dataclass(frozen=True)
class Clip:
    id: str
    path: Path
    seconds: float
    reference: str


def load_clips(speech_dir: Path = SPEECH_DIR) -> list[Clip]:
    """Every clip of the manifest, in manifest order."""
    with open(speech_dir / "manifest.tsv", newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Clip(row["id"], speech_dir / row["file"], float(row["duration_s"]), row["reference"])
                for row in rows]
