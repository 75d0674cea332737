"""Word error rate after normalisation: how tests and benchmarks judge a transcript.

The references in ``tests/data/speech`` follow their sources' conventions (LibriSpeech in upper
case without punctuation and with ``MISTER``; LJ Speech with digits; others in sentence case), so
both sides are normalised the same way before words are compared: lower case, punctuation
dropped (apostrophes inside words kept), hyphens split, a few titles spelt out.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Titles that Whisper abbreviates and some references spell out.
_SPELLINGS = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint"}
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

# Number words become digits, as Whisper writes most numbers ("platforms one and three" in a
# reference, "platforms 1 and 3" in a transcript, "fifteenth" against "15th").
_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
          "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_CARDINALS = {word: n for n, word in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fifth": 5, "eighth": 8, "ninth": 9, "twelfth": 12}
_ORDINALS |= {f"{word}th": n for word, n in _CARDINALS.items() if n and word + "th" not in ("eightth",)}
_ORDINALS |= {word[:-1] + "ieth": n for word, n in _CARDINALS.items() if word.endswith("y")}
_SUFFIX = {1: "st", 2: "nd", 3: "rd"}


def normalize_words(text: str) -> list[str]:
    """Lower-cased words with punctuation removed and titles spelt out."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"[-–—/]", " ", text)
    words = [_SPELLINGS.get(word, word) for word in _WORD.findall(text)]
    return _numbers_to_digits(words)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else _SUFFIX.get(n % 10, "th")
    return f"{n}{suffix}"


def _numbers_to_digits(words: list[str]) -> list[str]:
    """Collapse runs like "forty two" / "one hundred and five" / "fifteenth" into digits."""
    out: list[str] = []
    i = 0
    while i < len(words):
        value, j = None, i
        while j < len(words):
            word = words[j]
            if word in _CARDINALS and (value is None or (value % 100 == 0 and value % 1000)
                                       or (value % 10 == 0 and value >= 20 and _CARDINALS[word] < 10)):
                value = (value or 0) + _CARDINALS[word]
            elif word == "hundred" and value is not None and value < 10:
                value *= 100
            elif word in _ORDINALS and (value is None or (value % 10 == 0 and _ORDINALS[word] < 10)):
                out.append(_ordinal((value or 0) + _ORDINALS[word]))
                value, j = None, j + 1
                break
            else:
                break
            j += 1
        if j == i:
            out.append(words[i])
            i += 1
            continue
        if value is not None:
            out.append(str(value))
        i = j
    return out


@dataclass(frozen=True)
class WordErrors:
    """Edit counts between a reference and a hypothesis, in words."""

    substitutions: int
    deletions: int
    insertions: int
    reference_words: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        return self.errors / self.reference_words if self.reference_words else float(self.errors > 0)

    def __add__(self, other: "WordErrors") -> "WordErrors":
        return WordErrors(self.substitutions + other.substitutions, self.deletions + other.deletions,
                          self.insertions + other.insertions, self.reference_words + other.reference_words)


def word_errors(reference: str, hypothesis: str) -> WordErrors:
    """Levenshtein alignment over normalised words (substitution, deletion, insertion cost 1)."""
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    # Each cell holds (total, substitutions, deletions, insertions) for ref[:i] vs hyp[:j].
    previous = [(j, 0, 0, j) for j in range(len(hyp) + 1)]
    for i in range(1, len(ref) + 1):
        current = [(i, 0, i, 0)]
        for j in range(1, len(hyp) + 1):
            if ref[i - 1] == hyp[j - 1]:
                best = previous[j - 1]
            else:
                sub, dele, ins = previous[j - 1], previous[j], current[j - 1]
                best = min(
                    (sub[0] + 1, sub[1] + 1, sub[2], sub[3]),
                    (dele[0] + 1, dele[1], dele[2] + 1, dele[3]),
                    (ins[0] + 1, ins[1], ins[2], ins[3] + 1),
                )
            current.append(best)
        previous = current
    _, subs, dels, ins = previous[-1]
    return WordErrors(subs, dels, ins, len(ref))


def wer(reference: str, hypothesis: str) -> float:
    return word_errors(reference, hypothesis).rate
