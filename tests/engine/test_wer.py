"""Word error rate: the alignment counts and the normaliser, table-driven."""
import pytest

from engine.wer import WordErrors, normalize_words, word_errors


@pytest.mark.parametrize("text, words", [
    ("And so, my fellow Americans: ask not!", ["and", "so", "my", "fellow", "americans", "ask", "not"]),
    ("MISTER QUILTER", ["mister", "quilter"]),
    ("Mr. Quilter", ["mister", "quilter"]),
    ("Linnell's pictures", ["linnell's", "pictures"]),
    ("flour-fattened sauce", ["flour", "fattened", "sauce"]),
    ("platforms one and three", ["platforms", "1", "and", "3"]),
    ("the forty-two line Bible", ["the", "42", "line", "bible"]),
    ("the fifteenth century", ["the", "15th", "century"]),
    ("twenty first", ["21st"]),
    ("one hundred five", ["105"]),
    ("Café “quoted” — dash", ["café", "quoted", "dash"]),
])
def test_normalize_words(text, words):
    assert normalize_words(text) == words


@pytest.mark.parametrize("reference, hypothesis, expected", [
    ("a b c", "a b c", WordErrors(0, 0, 0, 3)),
    ("a b c", "a x c", WordErrors(1, 0, 0, 3)),
    ("a b c", "a c", WordErrors(0, 1, 0, 3)),
    ("a b c", "a b b c", WordErrors(0, 0, 1, 3)),
    ("a b c", "", WordErrors(0, 3, 0, 3)),
    ("", "a", WordErrors(0, 0, 1, 0)),
    ("He could wait no longer", "he could wait no longer.", WordErrors(0, 0, 0, 5)),
])
def test_word_errors(reference, hypothesis, expected):
    assert word_errors(reference, hypothesis) == expected


def test_rates_add_up_over_clips():
    total = word_errors("a b c d", "a b c") + word_errors("e f", "e g")
    assert total.errors == 2 and total.reference_words == 6
    assert total.rate == pytest.approx(2 / 6)
