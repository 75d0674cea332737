"""Text post-processing: a transcript made ready to insert into the user's window.

``clean_segment`` is what every segment's raw Whisper text goes through (before segments are
joined, ``engine.join``; ``clean_segments`` for the segments of one whole transcription);
``postprocess`` is the last step before insertion and calls it too.

Rules:

* Whitespace: trimmed, every internal run collapsed to one space.
* Sound annotations are removed; real parenthetical speech is kept. An annotation is a
  bracketed (``[…]``), parenthesised (``(…)``) or asterisked (``*…*``) span of at most four words
  without sentence punctuation inside, that is ALL CAPS in square brackets (``[BLANK_AUDIO]``,
  ``[MUSIC]``), or is exactly one of ``KNOWN_ANNOTATIONS`` (``(typing)``), or contains a word of
  ``SOUND_WORDS`` (``(laughs)``, ``[ Silence ]``, ``*cough*``, ``(upbeat music)``).
  "(which also was printed at Maintz)" is speech: too long, no sound word; "(duck typing)" is
  speech: not a known annotation. Music notes (♪) go too.
* Hallucinations: a segment whose *whole* text is one of ``HALLUCINATIONS`` (compared in lower
  case, punctuation ignored) becomes "". Whisper writes these on silence and noise (it learnt
  them from subtitle credits); the same words inside real speech are never touched. The price:
  a dictation of only "Thank you." is dropped. Text left with no letter or digit is "" too.
* Noise labels: a segment that is *nothing but* short labels — square-bracketed or asterisked
  spans of at most four words, parenthesised ones of at most two, without sentence punctuation —
  becomes "" whatever the words: Whisper labels noise in its own words ("[Gunshot]",
  "*BOOM*", "(keyboard clicking)", measured on tests/data/noise), and no list of sound words
  foresees them all. Inside speech only the rule above removes spans, so "(as I said)" and
  "It was *really* good" stay; alone, "(which also was printed)" (four words) stays too.
* Vocalisations: a segment made only of ``VOCALISATIONS`` ("Ah...", "Hmm.", "Mm-hmm", "Puh"),
  or of them drawn out ("Ahhhh", "Hmmmmm": letters repeated any number of times) becomes "":
  Whisper writes them for a sigh, a breath, a cough (tests/data/noise). The price: a dictation
  of only "Oh." is dropped.
* Fillers (optional, off by default): ``filler_words`` removed with their commas. "er" is
  German for "he": a German speaker should not enable it with the default list.
* Spacing against the previous dictation in the same target: see ``engine.join``
  (``join_with_previous``): no previous text → no leading space; otherwise one space (none
  after whitespace, none between CJK), capital kept after a sentence end, a common first word
  lower-cased after an unfinished sentence. Only the small common-word list decides there: a
  single dictation gives no other evidence that a capitalised word is not a name.
* Word replacements last, on the finished words, so they see final case and are never undone.

Any thread: pure functions of their arguments.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from engine.join import join_with_previous

# A short bracketed span holding one of these words is a sound annotation: none of them is
# likely inside a short spoken aside.
SOUND_WORDS = frozenset("""
music applause clapping cheering laughs laughing laughter chuckles chuckling giggles giggling
coughs coughing cough sighs sighing sniffs sniffing sneezes sneezing gasps groans yawns
inaudible unintelligible indistinct crosstalk beeping buzzing humming whistling footsteps
knocking barking chirping snoring blank_audio silence noise
""".split())

# Annotations made of everyday words ("(typing)" yes, "(duck typing)" no): only these exact
# spans count, compared in lower case with "_" as a space.
KNOWN_ANNOTATIONS = frozenset({
    "sound", "sounds", "static", "typing", "keyboard typing", "clicking", "mouse clicking",
    "breathing", "heavy breathing", "inhales", "exhales", "sigh", "laugh", "cheers", "singing",
    "speaking foreign language", "speaking in foreign language", "foreign language",
    "speaks foreign language", "no speech", "blank audio", "clears throat", "throat clearing",
    "wind", "wind blowing", "rain", "thunder", "bell", "bell ringing", "phone ringing",
    "door closes", "door opens", "siren", "tapping", "rustling", "beep", "click", "chatter",
})

# Whole-segment Whisper hallucinations, normalised by ``_normalise`` (openai/whisper
# discussion #928 collects them). Only a segment that is exactly one of these is dropped.
HALLUCINATIONS = frozenset({
    "you", "thank you", "thank you very much", "thank you so much", "thanks", "thank you all",
    "thanks for watching", "thank you for watching", "thanks for watching and see you next time",
    "thank you for watching and see you next time", "please subscribe",
    "please like and subscribe", "like and subscribe", "subscribe to my channel",
    "see you next time", "see you in the next video", "bye", "bye bye",
    "subtitles by the amaraorg community", "transcription by castingwords",
    "transcribed by httpsotterai", "wwwmoojiorg",
    "untertitel der amaraorgcommunity", "untertitel im auftrag des zdf für funk 2017",
    "soustitres réalisés par la communauté damaraorg",
    "subtítulos realizados por la comunidad de amaraorg",
    "sottotitoli creati dalla comunità amaraorg", "продолжение следует",
    "ご視聴ありがとうございました", "字幕由amaraorg社区提供", "谢谢观看",
})

# Non-lexical sounds, normalised like HALLUCINATIONS ("Mm-hmm" → "mmhmm"). A segment of only
# these is dropped. Not "er" (German for "he") nor "so"/"well" (words that start sentences).
VOCALISATIONS = frozenset("""
ah ahh aah ahhh oh ohh ooh uh uhh um umm uhm hm hmm hmmm mm mmm mhm mmhmm uhhuh huh ha hah
haha heh ugh shh phew whew puh pff pfft pft tsk ahem achoo atchoo hmph
""".split())

_REPEATS = re.compile(r"(.)\1+")


def _squeezed(word: str) -> str:
    """``word`` with each run of one letter made a single letter: "ahhhh" → "ah"."""
    return _REPEATS.sub(r"\1", word)


# A sigh came out as "Ahhhh" on one machine's build of whisper.cpp and "Ah!" on another's.
_SQUEEZED_VOCALISATIONS = frozenset(map(_squeezed, VOCALISATIONS))


def _vocalisation(word: str) -> bool:
    """Whether a normalised ``word`` is a vocalisation, however drawn out."""
    return _squeezed(word) in _SQUEEZED_VOCALISATIONS  # the plain forms are in it too


_ANNOTATION = re.compile(r"\s*(?:\[([^\[\]]*)\]|\(([^()]*)\)|\*([^*]+)\*)")
_MUSIC_NOTES = re.compile(r"[♪♫♬]+")
_MAX_ANNOTATION_WORDS = 4
_MAX_LABEL_WORDS_IN_PARENTHESES = 2  # "(as I said)" alone is speech; "(soft music)" is not
_SPEECH_PUNCTUATION = re.compile(r"[.,!?;]")
_LEADING_JUNK = re.compile(r"^[\s,;:]+")
_HAS_WORD = re.compile(r"[^\W_]")
_NOT_WORD = re.compile(r"[\W_]+")
# Deleted, not spaced, before comparing with HALLUCINATIONS: "Amara.org", "Sous-titres".
_GLUE = re.compile(r"[.\-'’/:]")
_TOKEN = re.compile(r"^(\W*)(\w+)(\W*)$")
_SENTENCE_END = re.compile(r"[.!?…]\W*$")


@dataclass(frozen=True)
class PostProcessOptions:
    """How a transcript is shaped before insertion.

    Attributes:
        replacements: ``(pattern, replacement)`` pairs; each pattern is a word or phrase matched
            whole-word and case-insensitively. A replacement written with no capitals follows
            the match's case ("teh" → "the", "Teh" → "The", "TEH" → "THE"); one with capitals
            is inserted as written ("iphone" → "iPhone"). Longer patterns win over shorter ones
            that overlap them; output is never matched again.
        remove_fillers: Drop ``filler_words`` ("um", "uh"…).
        filler_words: The fillers ``remove_fillers`` drops.
        trailing_space: End the inserted text with a space, ready for the next dictation.
    """

    replacements: tuple[tuple[str, str], ...] = ()
    remove_fillers: bool = False
    filler_words: tuple[str, ...] = ("um", "umm", "uh", "uhh", "uhm", "er", "erm")
    trailing_space: bool = False


def postprocess(text: str, previous: str | None, options: PostProcessOptions) -> str:
    """The text to insert for a finished dictation.

    Args:
        text: The dictation's transcript (segments already joined).
        previous: The text last inserted into the same target, or ``None`` when the target is
            new or the last insertion was long ago.
        options: The user's post-processing choices.

    Returns:
        The text to insert, with any leading space it needs; "" when nothing was said.
    """
    body = clean_segment(text)
    if body and options.remove_fillers:
        body = remove_fillers(body, options.filler_words)
    if not body:
        return ""
    body = join_with_previous(previous, body)
    separator = body[:len(body) - len(body.lstrip())]
    body = apply_replacements(body.lstrip(), options.replacements)
    if not _HAS_WORD.search(body):
        return ""
    return separator + body + (" " if options.trailing_space else "")


def clean_segment(text: str) -> str:
    """One segment's transcript without annotations, extra spaces or a whole hallucination."""
    text = _MUSIC_NOTES.sub(" ", text)
    text = _ANNOTATION.sub(_drop_annotation, text)
    text = _LEADING_JUNK.sub("", " ".join(text.split()))
    if not _HAS_WORD.search(text) or is_noise_label(text):
        return ""
    normalised = _normalise(text)
    if normalised in HALLUCINATIONS or all(map(_vocalisation, normalised.split())):
        return ""
    return text


def clean_segments(texts: Iterable[str]) -> str:
    """One transcription's segments, each cleaned on its own, joined as whisper.cpp joins them.

    A noise label or a vocalisation that Whisper put in a segment of its own after a sentence
    ("... longer." + "Ah!", a sigh in tests/data/noise) is only recognised alone.
    """
    return " ".join(t for t in map(clean_segment, texts) if t)


def is_noise_label(text: str) -> bool:
    """Whether ``text`` is only labels for a sound (the "Noise labels" rule in the module doc)."""
    spans = list(_ANNOTATION.finditer(text))
    if not spans or _ANNOTATION.sub("", text).strip(" .,;:!?-"):
        return False  # something besides labels is said
    for span in spans:
        square, paren, star = span.groups()
        inner = next(g for g in (square, paren, star) if g is not None)
        limit = _MAX_LABEL_WORDS_IN_PARENTHESES if paren is not None else _MAX_ANNOTATION_WORDS
        words = inner.replace("_", " ").split()
        if not words or len(words) > limit or _SPEECH_PUNCTUATION.search(inner):
            return False
    return True


def is_annotation(inner: str, square: bool) -> bool:
    """Whether a bracketed span's inside is a sound annotation (the rule in the module doc)."""
    words = inner.replace("_", " ").split()
    if not words or len(words) > _MAX_ANNOTATION_WORDS or _SPEECH_PUNCTUATION.search(inner):
        return False
    if square and inner.strip().isupper():
        return True
    if " ".join(words).lower() in KNOWN_ANNOTATIONS:
        return True
    return any(_NOT_WORD.sub("", w.lower()) in SOUND_WORDS for w in words)


def _drop_annotation(match: re.Match[str]) -> str:
    square, paren, star = match.groups()
    inner = next(g for g in (square, paren, star) if g is not None)
    if not is_annotation(inner, square is not None):
        return match.group()
    # The span took the whitespace before it; keep words apart if it sat between two.
    following = match.string[match.end():match.end() + 1]
    return " " if match.start() > 0 and following[:1].isalnum() else ""


def _normalise(text: str) -> str:
    """Lower case, ``_GLUE`` deleted, other punctuation as spaces: how hallucinations compare."""
    return " ".join(_NOT_WORD.sub(" ", _GLUE.sub("", text.lower())).split())


def remove_fillers(text: str, fillers: tuple[str, ...]) -> str:
    """``text`` without filler words and the commas that set them off.

    "So, um, I" → "So, I"; "I think, um the" → "I think the"; "I think, um." → "I think.";
    "Um, the cat" → "The cat" (a filler that began a sentence hands its capital on).
    """
    names = {f.lower() for f in fillers}
    kept: list[str] = []
    capitalise_next = False
    for token in text.split():
        match = _TOKEN.match(token)
        if match is None or match.group(2).lower() not in names:
            if capitalise_next and token[:1].islower():
                token = token[0].upper() + token[1:]
            kept.append(token)
            capitalise_next = False
            continue
        tail = match.group(3)
        if kept and kept[-1].endswith(",") and not tail.startswith(","):
            kept[-1] = kept[-1][:-1]  # that comma only set off the filler
        end = tail.lstrip(",")
        if end and kept:
            kept[-1] = kept[-1].rstrip(",") + end  # "think, um." keeps its full stop
        at_start = not kept or _SENTENCE_END.search(kept[-1]) is not None
        capitalise_next = match.group(2)[0].isupper() and at_start
    cleaned = " ".join(kept)
    return cleaned if _HAS_WORD.search(cleaned) else ""


def apply_replacements(text: str, replacements: tuple[tuple[str, str], ...]) -> str:
    """``text`` with each pattern replaced, whole-word and case-insensitively, in one pass."""
    pairs = [(p.split(), r) for p, r in replacements if p.split()]
    if not pairs:
        return text
    pairs.sort(key=lambda pair: len(" ".join(pair[0])), reverse=True)
    compiled = [re.compile(r"\s+".join(map(re.escape, words)), re.IGNORECASE) for words, _ in pairs]
    alternatives = "|".join(f"(?:{c.pattern})" for c in compiled)
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def replace(match: re.Match[str]) -> str:
        found = match.group()
        replacement = next(r for c, (_, r) in zip(compiled, pairs) if c.fullmatch(found))
        if any(ch.isupper() for ch in replacement):
            return replacement
        letters = [ch for ch in found if ch.isalpha()]
        if len(letters) > 1 and all(ch.isupper() for ch in letters):
            return replacement.upper()
        if letters and found[0].isupper():
            return replacement[:1].upper() + replacement[1:]
        return replacement

    return " ".join(pattern.sub(replace, text).split())
