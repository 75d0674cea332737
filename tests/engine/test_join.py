"""Joining streamed segments: cuts at every word, overlaps, cut markers, case and CJK spacing."""
import pytest

from engine.join import COMMON_WORDS, ends_sentence, join_segments, join_with_previous
from engine.wer import normalize_words

JFK = ("And so my fellow Americans, ask not what your country can do for you, "
       "ask what you can do for your country.")
JFK_WORDS = JFK.split()
CUTS = range(1, len(JFK_WORDS))


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:]


@pytest.mark.parametrize("cut", CUTS)
def test_jfk_split_anywhere_joins_back_exactly(cut):
    left, right = " ".join(JFK_WORDS[:cut]), " ".join(JFK_WORDS[cut:])
    assert join_segments([left, right]) == JFK


@pytest.mark.parametrize("cut", CUTS)
def test_jfk_split_with_a_fresh_capital_keeps_every_word_once(cut):
    """Whisper starts each segment as a new sentence; the capital goes unless it may be a name."""
    left, right = " ".join(JFK_WORDS[:cut]), _capitalised(" ".join(JFK_WORDS[cut:]))
    joined = join_segments([left, right])
    assert normalize_words(joined) == normalize_words(JFK)
    if JFK_WORDS[cut] != "fellow":  # "Fellow Americans" looks like a name: kept (documented)
        assert joined == JFK


@pytest.mark.parametrize("overlap", [1, 2, 3, 4])
@pytest.mark.parametrize("cut", CUTS)
def test_jfk_words_heard_by_both_segments_appear_once(cut, overlap):
    start = max(0, cut - overlap)
    left, right = " ".join(JFK_WORDS[:cut]), _capitalised(" ".join(JFK_WORDS[start:]))
    assert normalize_words(join_segments([left, right])) == normalize_words(JFK)


@pytest.mark.parametrize("cut", CUTS)
def test_jfk_ellipsis_at_the_cut_goes(cut):
    left, right = " ".join(JFK_WORDS[:cut]).rstrip(",") + "...", "…" + " ".join(JFK_WORDS[cut:])
    assert normalize_words(join_segments([left, right])) == normalize_words(JFK)


def test_jfk_in_many_segments():
    pieces = ["And so my fellow Americans,", "Ask not what", "Your country can do for you,",
              "", "  ", "Ask what you can do", "For your country."]
    assert join_segments(pieces) == JFK


@pytest.mark.parametrize("texts, expected", [
    # Spacing and empties.
    ([], ""),
    ([""], ""),
    (["", "  ", ""], ""),
    (["  Hello  world ", ""], "Hello world"),
    (["", "Hello"], "Hello"),
    (["Hello", "   ", "world"], "Hello world"),
    # Case at the cut.
    (["It was late.", "and we left."], "It was late. And we left."),
    (["It was late", "And we left."], "It was late and we left."),
    (["It was late,", "The night was cold."], "It was late, the night was cold."),
    (["We flew to", "Paris in May."], "We flew to Paris in May."),
    (["We flew to", "The Hague."], "We flew to The Hague."),
    (["and then", "I left."], "and then I left."),
    (["and then", "I'm off."], "and then I'm off."),
    (["because", "NASA said so."], "because NASA said so."),
    (["I like the parrot", "Parrot is a nice word."], "I like the parrot is a nice word."),
    (["Ask Mr.", "Smith."], "Ask Mr. Smith."),
    (["It broke!", "we ran."], "It broke! We ran."),
    (["He said \"stop.\"", "then left."], "He said \"stop.\" Then left."),
    (["she bought an", "iPhone."], "she bought an iPhone."),
    # Overlaps: only exact, only at the cut, at most four words.
    (["what you can do for you ask", "Ask what you can"],
     "what you can do for you ask what you can"),
    (["can do for you", "you, ask what"], "can do for you, ask what"),
    (["one two three four five", "two three four five six"], "one two three four five six"),
    (["a b c d e", "a b c d e f"], "a b c d e a b c d e f"),
    (["the cat sat", "on the mat"], "the cat sat on the mat"),
    (["I know that", "that"], "I know that"),
    # Cut markers.
    (["for your countr-", "country."], "for your country."),
    (["for your countr-", "Country."], "for your country."),
    (["the self-", "control was gone"], "the self control was gone"),
    (["and so—", "we went"], "and so we went"),
    (["and so", "- we went"], "and so we went"),
    (["wait for it…", "Now!"], "wait for it now!"),
    # Unicode.
    (["Le café était", "Très bon."], "Le café était Très bon."),  # no evidence: capital kept
    (["Le café très bon était", "Très chaud."], "Le café très bon était très chaud."),
    (["Die Straße war", "nass."], "Die Straße war nass."),
    (["我爱", "北京。", "天安门"], "我爱北京。天安门"),
    (["我们说", "Hello"], "我们说 Hello"),
    (["東京に", "行きます。"], "東京に行きます。"),
    (["안녕하세요", "반갑습니다"], "안녕하세요 반갑습니다"),  # Korean puts spaces between words
    (["Ça va.", "Élodie arrive."], "Ça va. Élodie arrive."),
])
def test_join_segments(texts, expected):
    assert join_segments(texts) == expected


@pytest.mark.parametrize("previous, new, expected", [
    (None, "Hello.", "Hello."),
    ("", "Hello.", "Hello."),
    ("Done.", "Next one.", " Next one."),
    ("Done. ", "Next one.", "Next one."),
    ("Done", "The next one.", " the next one."),
    ("Done", "Paris next.", " Paris next."),
    ("Call (", "Paris later", "Paris later"),
    ("She said “", "Maybe later", "maybe later"),
    ("你好。", "谢谢", "谢谢"),
])
def test_join_with_previous(previous, new, expected):
    assert join_with_previous(previous, new) == expected


def test_vocabulary_lowers_words_outside_the_common_list():
    assert "parrot" not in COMMON_WORDS
    assert join_with_previous("the", "Parrot flew") == " Parrot flew"
    assert join_with_previous("the", "Parrot flew", {"parrot"}) == " parrot flew"


def test_common_words_are_lower_case_and_exclude_i():
    assert all(w == w.lower() for w in COMMON_WORDS)
    assert "i" not in COMMON_WORDS and "may" not in COMMON_WORDS


@pytest.mark.parametrize("word, ends", [
    ("teeth.", True), ("used?", True), ('"Go!"', True),
    ("Mr.", False), ("e.g.", False),  # abbreviations
    ("teeth", False), ("teeth,", False), ("", False),
])
def test_ends_sentence(word, ends):
    assert ends_sentence(word) is ends
