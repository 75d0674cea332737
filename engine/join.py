"""Joining text: streamed segments of one utterance, and a new dictation after the previous one.

Streaming cuts an utterance at pauses and transcribes each piece separately (the previous text as
prompt). Whisper then treats each piece as a fresh start, so the raw pieces read wrongly when
glued together: a capital after a pause that was not a sentence end, a word both pieces heard
when the cut fell inside it, an ellipsis or a hyphen where the audio stopped. The rules here
undo exactly that, at the cuts only; they never touch text away from a cut.

Rules, at each cut between ``left`` and ``right``:

1. Cut markers: an ellipsis (``...``/``…``) or dash ending ``left`` or starting ``right`` is
   dropped. A word fragment ``countr-`` ending ``left`` is dropped when ``right`` starts with a
   word that begins with it (``country``, which takes the fragment's lower case); otherwise
   only its hyphen goes.
2. Overlap: if the last *k* words of ``left`` equal the first *k* of ``right`` (lower case,
   punctuation ignored), ``right`` loses them; the longest *k* ≤ ``MAX_OVERLAP_WORDS`` wins.
   A genuine "that that" across a cut is lost: the price of never doubling words. Not done for
   CJK, whose words are not space-separated.
3. Spacing: one space; none after whitespace or an opening bracket or quote, none between two
   CJK characters (Chinese, Japanese; Korean spaces its words).
4. Case: after a sentence end (``. ! ?`` …) an all-lower-case first word is capitalised. After
   anything else a capitalised first word is lower-cased when it is a common word
   (``COMMON_WORDS``) or is seen lower-cased elsewhere in the utterance — but never "I"/"I'm"…,
   and never when the next word is capitalised too ("The Hague", "New York"): a cheap sign of a
   name. Any other capital is kept: a wrong capital reads better than a lower-cased name.

Any thread: pure functions of their arguments.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

MAX_OVERLAP_WORDS = 4

# Words that start sentences but are rarely names; "may" and "march" are left out (months).
COMMON_WORDS = frozenset("""
a an the this that these those my your his her its our their some any no every each all both
either neither another such what which whose whatever you he she it we they me him us them who
whom someone something anyone anything everyone everything nobody nothing and but or nor so yet
for because although though while if unless until since when whenever where whether then than as
of in on at to from by with without about above below under over into onto through during before
after between against around across along behind near off out up down upon within is are was
were be been being am have has had do does did done will would shall should can could might must
go get got make made take took say said see saw know knew think thought want need like come came
give gave tell told ask let put keep not also just only even still very really too again already
always never often sometimes maybe perhaps here there now today how why well please yes okay
it's that's there's don't doesn't didn't can't won't isn't aren't wasn't we're you're they're
he's she's let's what's
""".split())

# "I" and its contractions are capitalised wherever they stand.
_FIRST_PERSON = re.compile(r"I(?:['’](?:m|d|ll|ve))?\W*$")
# A sentence end, possibly followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]»」』]*$")
# Abbreviations whose full stop ends no sentence.
_ABBREVIATIONS = frozenset("mr. mrs. ms. dr. st. vs. e.g. i.e. etc. cf.".split())
_CUT_TAIL = re.compile(r"\s*(?:\.{2,}|…|[-–—])+$")
_CUT_HEAD = re.compile(r"^(?:\.{2,}|…|[-–—])+\s*")
_FRAGMENT = re.compile(r"(\w+)-$")
_WORD_CHARS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_TRAILING_PUNCT = re.compile(r"[^\w]+$")
# Chinese and Japanese script and punctuation: no spaces between words. (Korean has them.)
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def join_segments(texts: Sequence[str]) -> str:
    """Join the texts of consecutive streamed segments of one utterance.

    Args:
        texts: Each segment's transcript, in order; empty or blank ones are skipped.

    Returns:
        One text that reads as if the utterance had been transcribed at once.
    """
    pieces = [" ".join(t.split()) for t in texts]
    pieces = [p for p in pieces if p]
    vocabulary = _lower_case_words(pieces)
    result = ""
    for piece in pieces:
        if not result:
            result = piece
            continue
        left, right = _strip_cut_markers(result, piece)
        if not right:
            result = left
            continue
        if not left:
            result = right
            continue
        left, right = _drop_overlap(left, right)
        result = left + join_with_previous(left, right, vocabulary) if right else left
    return result


def join_with_previous(previous: str | None, new: str, vocabulary: Iterable[str] = ()) -> str:
    """``new`` as it should follow ``previous``: leading space and first-word case (rules 3, 4).

    Args:
        previous: Text already in place before ``new``; ``None`` or empty when nothing is.
        new: The following text, already trimmed.
        vocabulary: Extra words known to be ordinary (seen lower-cased), besides
            ``COMMON_WORDS``.

    Returns:
        ``new`` with the separator to put after ``previous`` and its first word's case fixed;
        ``new`` unchanged when there is no previous text.
    """
    if not previous or not new:
        return new
    if previous[-1].isspace() or previous[-1] in "([{“‘«/" or (
            _CJK.match(previous[-1]) and _CJK.match(new[0])):
        separator = ""
    else:
        separator = " "
    before = previous.rstrip()
    if not before:
        return separator + new
    if _SENTENCE_END.search(before) is None:
        return separator + _lower_first(new, frozenset(vocabulary))
    if before.split()[-1].lower() in _ABBREVIATIONS:
        return separator + new  # "Mr." + "Smith": neither a sentence end nor mid-sentence
    return separator + _capitalise_first(new)


def ends_sentence(word: str) -> bool:
    """Whether ``word`` ends a sentence: a full stop, question or exclamation mark (closing
    quotes allowed) that is not an abbreviation's ("Mr.")."""
    return _SENTENCE_END.search(word) is not None and word.lower() not in _ABBREVIATIONS


def _capitalise_first(text: str) -> str:
    """Capitalise the first word if it is all lower case (not "iPhone", "eBay")."""
    first = text.split(" ", 1)[0]
    if first.islower() and first[0].isalpha():
        return first[0].upper() + text[1:]
    return text


def _lower_first(text: str, vocabulary: frozenset[str]) -> str:
    """Lower-case a capitalised first word that is ordinary mid-sentence (rule 4)."""
    words = text.split(" ", 2)
    first = words[0]
    bare = _WORD_CHARS.match(first)
    if bare is None or bare.start() != 0 or _FIRST_PERSON.match(first):
        return text
    word = bare.group()
    if not (word[0].isupper() and (len(word) == 1 or word[1:].islower())):
        return text  # already lower, or an acronym ("NASA")
    if word.lower() not in COMMON_WORDS and word.lower() not in vocabulary:
        return text
    if len(words) > 1 and words[1][:1].isupper() and not _FIRST_PERSON.match(words[1]):
        return text  # "The Hague", "New York": probably a name
    return text[0].lower() + text[1:]


def _lower_case_words(pieces: Sequence[str]) -> frozenset[str]:
    """Words written in lower case somewhere in the utterance: evidence they are not names."""
    return frozenset(w for p in pieces for w in _WORD_CHARS.findall(p) if w.islower())


def _strip_cut_markers(left: str, right: str) -> tuple[str, str]:
    """Remove ellipses, dashes and hanging word fragments at the cut (rule 1)."""
    fragment = _FRAGMENT.search(left)
    right = _CUT_HEAD.sub("", right)
    if fragment:
        stem = fragment.group(1).lower()
        first = right.split(" ", 1)[0].lower()
        if first.startswith(stem) and len(first) >= len(stem):
            left = left[:fragment.start()].rstrip()  # right has the whole word
            if stem[:1] == fragment.group(1)[:1]:  # mid-sentence in lower case: keep it so
                right = right[:1].lower() + right[1:]
        else:
            left = left[:-1]
    left = _CUT_TAIL.sub("", left)
    return left, right


def _normalised(word: str) -> str:
    return "".join(_WORD_CHARS.findall(word.lower().replace("’", "'")))


def _drop_overlap(left: str, right: str) -> tuple[str, str]:
    """Drop ``right``'s first words when ``left`` already ends with them (rule 2).

    ``left``'s copy is kept (its case is the one mid-sentence), but punctuation the dropped copy
    had after its last word ("you," in "... for you" + "you, ask") moves onto ``left``: the
    second segment saw what followed the word, the first did not.
    """
    if _CJK.search(left[-1:]) or _CJK.search(right[:1]):
        return left, right
    left_words, right_words = left.split(), right.split()
    longest = min(MAX_OVERLAP_WORDS, len(left_words), len(right_words))
    for k in range(longest, 0, -1):
        tail = [_normalised(w) for w in left_words[-k:]]
        head = [_normalised(w) for w in right_words[:k]]
        if tail == head and all(tail):
            punct = _TRAILING_PUNCT.search(right_words[k - 1])
            if punct and not _TRAILING_PUNCT.search(left_words[-1]):
                left += punct.group()
            return left, " ".join(right_words[k:])
    return left, right
