"""engine.segmenter: cut points from VAD probabilities (table-driven, no audio, no model)."""
from __future__ import annotations

import numpy as np
import pytest

from engine.segmenter import FRAME_SECONDS, Piece, Segmenter, SegmenterOptions, frames_for

SPEECH, QUIET, MID = 0.9, 0.05, 0.42

# Small numbers keep the tables readable: pause 4, pad 1, max 20 (search 6), hard max 26.
SMALL = SegmenterOptions(pause_frames=4, max_frames=20, search_frames=6, hard_max_frames=26,
                         pad_frames=1, min_speech_frames=2)


def frames(spec: str) -> list[float]:
    """'S5 Q4 M2' -> 5 speech, 4 quiet, 2 in-between frames."""
    value = {"S": SPEECH, "Q": QUIET, "M": MID}
    out: list[float] = []
    for token in spec.split():
        out += [value[token[0]]] * int(token[1:])
    return out


def run(spec: str, options: SegmenterOptions = SMALL, chunk: int = 1) -> list[Piece]:
    """Feed the frames ``chunk`` at a time, then finish; every piece in order."""
    seg = Segmenter(options)
    probs = frames(spec)
    pieces: list[Piece] = []
    for i in range(0, len(probs), chunk):
        pieces += seg.push(probs[i:i + chunk])
    tail = seg.finish()
    return pieces + ([tail] if tail else [])


@pytest.mark.parametrize("spec, expected", [
    # One utterance, no pause: one final piece, leading silence trimmed to the pad.
    ("Q3 S10", [Piece(2, 13, 13, True, 13)]),
    # Trailing silence shorter than a pause stays in the tail, trimmed to the pad.
    ("S10 Q3", [Piece(0, 11, 13, True, 10)]),
    # A pause of 4 quiet frames cuts in its middle (frame 12); the tail is the rest.
    ("S10 Q4 S6", [Piece(0, 11, 12, False, 10), Piece(13, 20, 20, True, 20)]),
    # A pause of 3 frames is not a pause: one piece.
    ("S10 Q3 S6", [Piece(0, 19, 19, True, 19)]),
    # Two pauses, two cuts.
    ("S5 Q4 S5 Q6 S3", [Piece(0, 6, 7, False, 5), Piece(8, 15, 16, False, 14),
                         Piece(19, 23, 23, True, 23)]),
    # Only silence or a click: nothing to transcribe.
    ("Q30", []),
    ("Q10 S1 Q10", []),
    # Long silence before speech is dropped as it comes; the piece starts one pad early.
    ("Q40 S5", [Piece(39, 45, 45, True, 45)]),
    # In-between frames (0.35-0.5) are neither speech nor pause: they do not cut.
    ("S5 M8 S5", [Piece(0, 18, 18, True, 18)]),
])
def test_cuts(spec, expected):
    assert run(spec) == expected


@pytest.mark.parametrize("chunk", [1, 3, 7, 100])
def test_chunking_does_not_change_cuts(chunk):
    spec = "Q5 S10 Q4 S12 Q2 S3 Q7 S25 Q1 S4"
    assert run(spec, chunk=chunk) == run(spec, chunk=1)


@pytest.mark.parametrize("spec, cut_at, in_quiet", [
    # No pause before the bound (20): the quietest frame of the last 6 (14..19) is the quiet
    # run 16..17; the cut is its middle.
    ("S16 Q2 S10", 17, True),
    # Quiet frames only after the bound: the first one cuts (the word is over).
    ("S22 Q1 S5", 22, True),
    # Nothing quiet until the hard maximum (26): cut at the least likely frame in 14..25.
    ("S17 M1 S12", 17, False),
])
def test_length_cut_never_splits_speech_before_hard_max(spec, cut_at, in_quiet):
    pieces = run(spec)
    assert pieces[0].cut == cut_at and not pieces[0].final
    assert pieces[-1].final
    probs = frames(spec)
    if in_quiet:
        assert probs[cut_at] < SMALL.quiet or probs[cut_at - 1] < SMALL.quiet


def test_pieces_cover_all_speech_once_and_stay_bounded():
    """A long random dictation: every speech frame in exactly one piece, none too long."""
    rng = np.random.default_rng(5)
    spec = " ".join(f"S{rng.integers(2, 30)} {'QM'[rng.integers(0, 2)]}{rng.integers(1, 8)}"
                    for _ in range(200))
    pieces = run(spec)
    probs = np.array(frames(spec))
    covered = np.zeros(len(probs), int)
    for piece in pieces:
        covered[piece.start:piece.end] += 1
        assert piece.end - piece.start <= SMALL.hard_max_frames
    assert covered.max() == 1
    assert np.all(covered[probs >= SMALL.speech] == 1)
    cuts = [p.cut for p in pieces]
    assert cuts == sorted(cuts)


def test_default_options_in_seconds():
    o = SegmenterOptions()
    assert o.pause_frames * FRAME_SECONDS == pytest.approx(0.5, abs=0.02)
    assert o.max_frames * FRAME_SECONDS == pytest.approx(14.0, abs=0.02)
    assert o.hard_max_frames * FRAME_SECONDS < 30.0
    assert frames_for(1.0) == 31


def test_reset_starts_over():
    seg = Segmenter(SMALL)
    seg.push(frames("S10 Q2"))
    seg.reset()
    assert seg.frames_seen == 0 and seg.finish() is None


def test_peek_is_the_cut_to_come_and_changes_only_with_speech():
    """peek() trims the open piece as the pause cut will, without cutting; its range stays
    put while quiet frames follow, and moves as soon as speech does (speculation relies on it)."""
    seg = Segmenter(SMALL)
    seg.push(frames("Q2 S10 Q2"))
    first = seg.peek()
    assert (first.start, first.end) == (1, 13) and seg.quiet_run == 2 and seg.open_start == 0
    seg.push(frames("Q1"))
    assert (seg.peek().start, seg.peek().end) == (1, 13)
    cut = seg.push(frames("Q1"))  # the pause reaches 4 frames: the cut trims identically
    assert [(p.start, p.end) for p in cut] == [(1, 13)]
    seg.push(frames("S6 Q1"))
    assert (seg.peek().start, seg.peek().end) == (15, 23)
    seg.push(frames("S3"))
    assert (seg.peek().start, seg.peek().end) == (15, 26)  # no frame after it yet: clamped
    assert Segmenter(SMALL).peek() is None


def test_extent_names_the_piece_before_its_pad_is_recorded():
    """A speculation is made after a few quiet frames, before the whole trailing pad exists;
    the extent (start, end of speech) stays put while the pad fills up and the pause becomes a
    cut, and moves with the next speech frame."""
    seg = Segmenter(SegmenterOptions(pause_frames=8, pad_frames=3, min_speech_frames=2))
    seg.push(frames("Q4 S10 Q1"))
    early = seg.peek()
    assert (early.start, early.end, early.extent) == (1, 15, (1, 14))  # one pad frame so far
    seg.push(frames("Q2"))
    assert (seg.peek().end, seg.peek().extent) == (17, (1, 14))  # the pad is complete
    cut = seg.push(frames("Q5"))
    assert [(p.end, p.extent) for p in cut] == [(17, (1, 14))]
    seg.push(frames("S4 Q1"))
    assert seg.peek().extent == (19, 26)
    seg.push(frames("M1"))  # an in-between frame is speech's end too, as the trim keeps it
    assert seg.peek().extent == (19, 28)
