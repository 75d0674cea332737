"""Where to cut a dictation into pieces the engine can transcribe while the person still speaks.

Input: Silero's speech probability for each 512-sample frame (32 ms at 16 kHz, ``audio.vad``), as
the frames arrive. Output: ``Piece``s — frame ranges to transcribe — as soon as each one is
certain, and the tail at the end. Rules:

* **Pause cut.** After speech, once ``pause_frames`` quiet frames (probability below
  ``quiet``) follow each other, the utterance is cut in the middle of that pause.
* **Length cut.** Speech that goes on without such a pause is cut once the piece reaches
  ``max_frames``: at the quietest frame of the last ``search_frames`` (the middle of the quiet
  run it belongs to), but only in a quiet frame, so a word is never split. With no quiet frame
  there, the first quiet frame after the bound cuts; at ``hard_max_frames`` (still inside
  Whisper's 30 s window) the quietest frame cuts whatever its probability.
* **Trim.** Each piece keeps ``pad_frames`` of quiet before its first and after its last
  speech frame, never beyond its cut points.
* **Nothing to hear.** A piece with fewer than ``min_speech_frames`` frames at or above
  ``speech`` is not emitted (Whisper invents "Thank you." on silence and noise).
* **Speculation.** ``peek`` gives the open piece as a cut now would trim it, without cutting.
  Once ``speculate_frames`` quiet frames follow speech the person may have finished: the caller
  transcribes ``peek()`` ahead of the release, before the trailing pad has even been recorded
  (the encoder window is zero-padded past the audio anyway). A piece's ``extent`` (its start
  and the end of its speech, pad excluded) names it: any later speech frame moves the end of
  the speech, so an unchanged extent means no speech came after it (``app/streaming.py``).

Frame indices count from the ``Segmenter``'s start (``reset``), as ``VadResult.first_frame``
does. The caller maps them to samples (``FRAME_SAMPLES`` each).

Threads: pure logic; one instance belongs to one thread (the recorder's, the GUI thread).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Samples per VAD frame (``audio.vad.FRAME_SAMPLES``; engine never imports audio's detector).
FRAME_SAMPLES = 512
FRAME_SECONDS = FRAME_SAMPLES / 16000


def frames_for(seconds: float) -> int:
    """Whole frames in ``seconds`` (rounded to nearest)."""
    return int(round(seconds / FRAME_SECONDS))


@dataclass(frozen=True)
class SegmenterOptions:
    """Thresholds, in frames of 32 ms.

    Attributes:
        speech: A frame at or above this is speech.
        quiet: A frame below this is quiet; cuts fall only in quiet frames.
        pause_frames: Quiet frames after speech that make a pause cut (0.5 s).
        max_frames: A piece is cut at about this length when there is no pause (14 s). At 20 s
            the streamed speech set had 47-50 errors, at 14 s 42-44 (the 69 s reading lost
            fewer words in a sized window), and the tail left at a release of continuous speech
            is shorter (docs/PERFORMANCE.md, "Session 5").
        search_frames: How far back from ``max_frames`` the quietest frame is looked for (4 s).
        hard_max_frames: Cut here whatever the probability (28 s, inside Whisper's 30 s).
        pad_frames: Quiet kept around the speech of a piece (0.2 s).
        min_speech_frames: Fewer speech frames than this is not worth transcribing (0.16 s).
        speculate_frames: Quiet frames after speech from which the open piece is worth
            transcribing ahead of a cut or release (0 turns speculation off). Two frames
            (64 ms): a 5 s sentence takes ~0.45 s to decode (encoder 0.17 s, a 300-character
            prompt 0.08 s, ~9 ms a token), so after 0.25 s a release 0.4 s after the last word
            still waited ~0.3 s for it. Two in five speculations are then withdrawn by more
            speech (docs/PERFORMANCE.md, "Speculating sooner").
    """

    speech: float = 0.5
    quiet: float = 0.35
    pause_frames: int = frames_for(0.5)
    max_frames: int = frames_for(14.0)
    search_frames: int = frames_for(4.0)
    hard_max_frames: int = frames_for(28.0)
    pad_frames: int = frames_for(0.2)
    min_speech_frames: int = 5
    speculate_frames: int = frames_for(0.064)


@dataclass(frozen=True)
class Piece:
    """A stretch of the dictation to transcribe, in frames ``[start, end)``.

    Attributes:
        start: First frame (after trimming).
        end: One past the last frame (after trimming).
        cut: Where the next piece begins; audio before it is no longer needed.
        final: The tail at ``finish``: its end is the end of the recording.
        speech_end: One past the last frame at or above ``quiet`` (``end`` without the pad).
    """

    start: int
    end: int
    cut: int
    final: bool = False
    speech_end: int = 0

    @property
    def extent(self) -> tuple[int, int]:
        """``(start, speech_end)``: the same for a speculation made before the pad was
        recorded and the piece cut (or released) after it, as long as no speech came between."""
        return self.start, self.speech_end


class Segmenter:
    """Streaming cut decisions over VAD probabilities. See the module docstring.

    Args:
        options: Thresholds; see ``SegmenterOptions``.
    """

    def __init__(self, options: SegmenterOptions = SegmenterOptions()) -> None:
        self.options = options
        self.reset()

    def reset(self) -> None:
        """Start a new dictation at frame 0."""
        self._start = 0  # first frame of the open piece (the last cut)
        self._probs: list[float] = []  # probabilities of frames start.. (the open piece)
        self._quiet_run = 0  # quiet frames ending at the newest frame
        self._speech_frames = 0  # frames >= speech in the open piece

    @property
    def frames_seen(self) -> int:
        """Frames pushed since ``reset``."""
        return self._start + len(self._probs)

    @property
    def open_start(self) -> int:
        """First frame of the piece not yet cut (the audio the caller must still keep)."""
        return self._start

    @property
    def quiet_run(self) -> int:
        """Quiet frames ending at the newest frame."""
        return self._quiet_run

    def peek(self) -> Piece | None:
        """The open piece trimmed as a cut here would trim it (not final), without cutting;
        None if it holds too little speech."""
        return self._trim(np.asarray(self._probs), self._start, self.frames_seen)

    def push(self, probabilities: np.ndarray | list[float]) -> list[Piece]:
        """Feed the next frames' probabilities; get the pieces they complete, in order."""
        o = self.options
        pieces: list[Piece] = []
        for p in np.asarray(probabilities, dtype=np.float64).reshape(-1):
            self._probs.append(float(p))
            if p >= o.speech:
                self._speech_frames += 1
            self._quiet_run = self._quiet_run + 1 if p < o.quiet else 0
            cut = self._cut_point()
            if cut is not None:
                piece = self._close(cut)
                if piece is not None:
                    pieces.append(piece)
        return pieces

    def finish(self) -> Piece | None:
        """The recording ended: the tail since the last cut, or None if it holds no speech."""
        return self._close(self.frames_seen, final=True)

    # ---- internals ----------------------------------------------------------------------------
    def _cut_point(self) -> int | None:
        o = self.options
        length = len(self._probs)
        if self._quiet_run >= o.pause_frames:
            # After speech: the pause cut. Before any: drops leading silence as it comes.
            return self.frames_seen - o.pause_frames // 2
        if length < o.max_frames:
            return None
        probs = np.asarray(self._probs)
        if length == o.max_frames:
            lo = max(0, o.max_frames - o.search_frames)
            best = lo + int(np.argmin(probs[lo:]))
            if probs[best] < o.quiet:
                return self._start + self._middle_of_quiet_run(probs, best)
            return None
        if self._quiet_run == 1 or length >= o.hard_max_frames:
            lo = max(0, o.max_frames - o.search_frames)
            best = lo + int(np.argmin(probs[lo:]))
            return self._start + self._middle_of_quiet_run(probs, best)
        return None

    def _middle_of_quiet_run(self, probs: np.ndarray, index: int) -> int:
        """The frame index (relative) in the middle of the quiet run around ``index``."""
        quiet = self.options.quiet
        lo = hi = index
        while lo > 0 and probs[lo - 1] < quiet:
            lo -= 1
        while hi + 1 < len(probs) and probs[hi + 1] < quiet:
            hi += 1
        return max(1, (lo + hi + 1) // 2)

    def _close(self, cut: int, final: bool = False) -> Piece | None:
        """Cut the open piece at absolute frame ``cut``; keep what follows as the new open one."""
        o = self.options
        keep = cut - self._start
        probs = np.asarray(self._probs[:keep])
        rest = self._probs[keep:]
        start = self._start
        self._start, self._probs = cut, rest
        self._speech_frames = sum(p >= o.speech for p in rest)
        self._quiet_run = 0
        for p in reversed(rest):
            if p >= o.quiet:
                break
            self._quiet_run += 1
        return self._trim(probs, start, cut, final)

    def _trim(self, probs: np.ndarray, start: int, cut: int, final: bool = False) -> Piece | None:
        """The piece of ``probs`` (frames from ``start``) with its quiet ends trimmed."""
        o = self.options
        speech = np.flatnonzero(probs >= o.speech)
        if len(speech) < o.min_speech_frames:
            return None
        voiced = np.flatnonzero(probs >= o.quiet)
        first = max(0, int(speech[0]) - o.pad_frames)
        speech_end = int(voiced[-1]) + 1
        last = min(len(probs), speech_end + o.pad_frames)
        if final and last >= len(probs) - o.pad_frames:
            last = len(probs)  # speech up to the release: keep every frame to the end
        return Piece(start + first, start + last, cut, final, start + speech_end)
