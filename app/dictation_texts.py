"""One streamed dictation's piece texts, as the engine worker collects them.

``DictationTexts`` keeps the cleaned text of each piece in order, the prompt for the next piece
(the text so far), the joined text (``engine.join``) and the speculations made ahead of a cut or
the release (``app/streaming.py``), each with the place it was decoded for.

A long piece is often told in parts: a speculation of its first sentence or phrase was made when
the person paused briefly inside it, and then they went on. ``prefix_of`` finds such a speculation,
so that the worker transcribes only the speech after it and the piece's text is the prefix's
parts followed by the rest's (``EngineLoop``). A 9.7 s last sentence group then leaves ~3 s to
decode at the release instead of all of it (docs/PERFORMANCE.md, "Long tails in parts").

Threads: the engine worker's (``app/engine_loop.EngineLoop``); nothing here is shared.
"""
from __future__ import annotations

from dataclasses import replace

from app.streaming import Key
from engine.join import ends_sentence, join_segments
from engine.options import TranscribeOptions
from engine.postprocess import clean_segment
from engine.segmenter import frames_for

#: Characters of the text so far given to the next piece as prompt (~70 tokens; Whisper allows
#: 224). whisper.cpp computes and keeps logits for every prompt token (207 kB each, in its decode
#: buffer and again in its logits vector), and those pages stay resident in the engine child:
#: 600 characters left it 22 MiB larger after a 69 s dictation than 300 did, with the same words
#: on bench/latency.py's dictations (16/295 errors either way) and one more error in 555 on the
#: faster speech set (docs/PERFORMANCE.md, "Memory, session 4"). 200 cost 5 words in 555.
PROMPT_CHARS = 300
#: A piece's speech must span this much before its beginning is taken from a speculation:
#: a shorter one decodes in ~0.35 s whole, and whole is what reads best.
PARTS_MIN_FRAMES = frames_for(4.0)
#: The speculated beginning must hold this much (a shorter one is a phrase, not a sentence),
PREFIX_MIN_FRAMES = frames_for(1.5)
#: and the rest this much, so that Whisper hears whole words with some context around them.
REST_MIN_FRAMES = frames_for(1.0)

#: A piece's text: the raw Whisper text of each part it was decoded in (one, or a speculated
#: beginning's parts and the rest's).
Parts = tuple[str, ...]


def open_ended(parts: Parts) -> Parts:
    """``parts`` with the full stop that ends them made a comma: the prompt for the rest of
    their piece.

    Whisper ends whatever it hears with a full stop, so the beginning's may be the cut's and
    not the speaker's. The person paused there, as at a comma. Without any mark, a 2.6 s rest
    of a 40 s dictation ("were trivialities not worth thinking about") looped in its window;
    after the comma it did not, and the beginning and the rest read as the one sentence they
    were (docs/PERFORMANCE.md, "Session 10"). Whisper still starts a new sentence where the
    audio does.
    """
    last = parts[-1].rstrip()
    return parts[:-1] + (last[:-1] + ",",) if _ends_in_full_stop(last) else parts


def continued(beginning: Parts, rest: str) -> Parts:
    """A piece's parts: its ``beginning``'s, then the ``rest``'s text. When the rest goes on
    mid-sentence (its first word is lower case), the beginning's final full stop was the
    cut's: it becomes a comma, as at any pause inside a sentence."""
    first = rest.split(maxsplit=1)[0] if rest.strip() else ""
    return (open_ended(beginning) if first[:1].islower() else beginning) + (rest,)


def _ends_in_full_stop(text: str) -> bool:
    """Whether ``text`` ends a sentence with a full stop (not an abbreviation's, as "Mr.")."""
    words = text.split()
    return bool(words) and words[-1].endswith(".") and ends_sentence(words[-1])


class DictationTexts:
    """The texts of one streamed dictation's pieces.

    Owned by the engine worker's thread. ``switch_to`` starts from nothing whenever another
    dictation's piece arrives, so no text carries over from one dictation to the next.
    """

    def __init__(self) -> None:
        self.switch_to(0)

    def switch_to(self, dictation: int) -> None:
        """Collect for ``dictation`` (a different one starts empty)."""
        if getattr(self, "dictation", None) != dictation:
            self.dictation, self.texts, self.engine_seconds, self.error = dictation, [], 0.0, ""
            # key -> (raw parts, how many texts preceded them: the prompt they were decoded after)
            self.speculations: dict[Key, tuple[Parts, int]] = {}
            # speculations whose sized decodes all failed: their piece goes to the full window
            self.unsized: set[Key] = set()
            # first frame -> (token ids, end of the speech they cover, texts before them): the
            # furthest-reaching whole decode of a piece from that frame (``draft_for``)
            self.drafts: dict[int, tuple[tuple[int, ...], int, int]] = {}

    def keep_speculation(self, key: Key, parts: Parts) -> None:
        """Speculation ``key`` decoded to ``parts`` after the texts there are now."""
        self.speculations[key] = (parts, len(self.texts))

    def keep_draft(self, key: Key, token_ids: tuple[int, ...]) -> None:
        """A whole decode of piece ``key`` (a speculation, withdrawn or not) gave ``token_ids``
        after the texts there are now."""
        known = self.drafts.get(key[0])
        if token_ids and (known is None or known[2] != len(self.texts) or known[1] <= key[1]):
            self.drafts[key[0]] = (token_ids, key[1], len(self.texts))

    def draft_for(self, key: Key | None) -> tuple[int, ...]:
        """The tokens of the furthest-reaching decode of the piece ``key`` begins (same first
        frame, after the same texts), as a draft for decoding it again with more audio
        (``TranscribeOptions.draft``: the text is the same up to rounding, and the tokens that
        agree cost one decoder pass instead of one each); () when there is none."""
        known = self.drafts.get(key[0]) if key is not None else None
        return known[0] if known is not None and known[2] == len(self.texts) else ()

    def speculated(self, key: Key | None) -> Parts | None:
        """The raw parts of speculation ``key`` if it was decoded after exactly the texts
        there are now (same prompt, same place), else None."""
        found = self.speculations.get(key) if key is not None else None
        return found[0] if found and found[1] == len(self.texts) else None

    def prefix_of(self, key: Key | None) -> tuple[Parts, int] | None:
        """The speculated beginning of piece ``key`` to build its text on, or None.

        That is the speculation with the same first frame, decoded after the same texts, whose
        speech ends furthest into the piece, provided it has a text and the piece, the
        beginning and the rest are each long enough (``PARTS_MIN_FRAMES``, ...). The person
        paused there: the rest is decoded on its own, after the beginning's text as prompt.
        The text need not end a sentence. A pause inside a sentence is as safe a place to cut
        (the prompt never ends the beginning with a full stop, ``open_ended``), and requiring
        a full stop sent the 8.1 s tail of a 20 s dictation to be decoded whole, 1.2 s after
        the release on a slow machine, with one more error in 513 words on bench/latency.py's
        dictations (docs/PERFORMANCE.md, "Session 10").

        Returns:
            The beginning's parts and the frame the rest starts at: the middle of the two quiet
            frames the speculation waited for (``SegmenterOptions.speculate_frames``), so
            neither side ends inside a word.
        """
        if key is None or key[1] - key[0] < PARTS_MIN_FRAMES:
            return None
        best: tuple[Parts, int] | None = None
        for (start, speech_end), (parts, preceding) in self.speculations.items():
            rest_from = speech_end + 1
            if start != key[0] or preceding != len(self.texts) \
                    or not self.may_begin((start, speech_end)) \
                    or key[1] - rest_from < REST_MIN_FRAMES:
                continue
            if parts[-1].split() and (best is None or rest_from > best[1]):
                best = parts, rest_from
        return best

    def may_begin(self, key: Key) -> bool:
        """Whether speculation ``key``'s text could begin a longer piece (``prefix_of``)."""
        return key[1] - key[0] >= PREFIX_MIN_FRAMES

    def add(self, parts: Parts, engine_seconds: float) -> None:
        """One piece's raw Whisper text(s), cleaned (annotations, hallucinations dropped)."""
        self.texts.extend(clean_segment(raw) for raw in parts)
        self.engine_seconds += engine_seconds

    @property
    def text(self) -> str:
        """Everything so far, joined as if transcribed at once (``engine.join``)."""
        return join_segments(self.texts)

    def text_with(self, parts: Parts) -> str:
        """Everything so far followed by a speculation's raw parts (a preview)."""
        return join_segments(self.texts + [clean_segment(raw) for raw in parts])

    def prompted(self, options: TranscribeOptions, after: Parts = ()) -> TranscribeOptions:
        """``options`` with the text so far (and then ``after``) appended to the prompt."""
        so_far = self.text_with(after) if after else self.text
        so_far = so_far[-PROMPT_CHARS:] if PROMPT_CHARS > 0 else ""
        if not so_far:
            return options
        return replace(options, initial_prompt=" ".join(
            p for p in (options.initial_prompt, so_far) if p))
