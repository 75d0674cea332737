"""``app/dictation_texts.DictationTexts``: which speculation a piece may reuse, and which one it
may build on (its speculated beginning), without a model. Frames are 32 ms VAD frames."""
from __future__ import annotations

from app.dictation_texts import (PARTS_MIN_FRAMES, PREFIX_MIN_FRAMES, REST_MIN_FRAMES,
                                 DictationTexts, continued, open_ended)
from engine.options import TranscribeOptions

START = 100
LONG_END = START + PARTS_MIN_FRAMES + 40  # a piece long enough to be told in parts
FIRST = "The ache of his overstrained eyes."


def texts_of(dictation: int = 1) -> DictationTexts:
    texts = DictationTexts()
    texts.switch_to(dictation)
    return texts


def test_a_speculation_decoded_before_a_different_prompt_is_not_reused():
    """Keys match but the texts before it changed (cannot happen in order; guards the rule)."""
    texts = texts_of()
    texts.keep_speculation((5, 9), ("bravo",))
    assert texts.speculated((5, 9)) == ("bravo",)
    texts.add(("alpha",), 0.0)
    assert texts.speculated((5, 9)) is None and texts.speculated(None) is None
    texts.switch_to(2)
    assert texts.speculations == {}


def test_the_furthest_beginning_is_built_on_whether_or_not_it_ends_a_sentence():
    texts = texts_of()
    short_end = START + PREFIX_MIN_FRAMES + 5
    far_end = START + PREFIX_MIN_FRAMES + 30
    texts.keep_speculation((START, short_end), ("The ache.",))
    texts.keep_speculation((START, far_end), (FIRST, "Even the soaring arena."))
    texts.keep_speculation((START + 1, far_end + 6), ("Another start.",))  # another piece
    texts.keep_speculation((START, far_end + 9), ("",))  # nothing heard: nothing to build on
    assert texts.prefix_of((START, LONG_END)) == ((FIRST, "Even the soaring arena."),
                                                  far_end + 1)
    texts.keep_speculation((START, far_end + 3), (FIRST, "Even the soaring arena around"))
    assert texts.prefix_of((START, LONG_END)) == ((FIRST, "Even the soaring arena around"),
                                                  far_end + 4)


def test_the_rest_starts_between_the_two_quiet_frames_after_the_beginning():
    """The speculation was sent after frames speech_end and speech_end + 1 were both quiet."""
    texts = texts_of()
    speech_end = START + PREFIX_MIN_FRAMES
    texts.keep_speculation((START, speech_end), (FIRST,))
    assert texts.prefix_of((START, LONG_END)) == ((FIRST,), speech_end + 1)


def test_short_pieces_beginnings_and_rests_are_decoded_whole():
    texts = texts_of()
    texts.keep_speculation((START, START + PREFIX_MIN_FRAMES - 1), (FIRST,))  # too short
    assert texts.prefix_of((START, LONG_END)) is None
    texts.keep_speculation((START, START + PREFIX_MIN_FRAMES), (FIRST,))
    assert texts.prefix_of((START, START + PARTS_MIN_FRAMES - 1)) is None  # piece too short
    texts = texts_of()
    texts.keep_speculation((START, LONG_END - REST_MIN_FRAMES), (FIRST,))  # rest a frame short
    assert texts.prefix_of((START, LONG_END)) is None
    texts.keep_speculation((START, LONG_END - REST_MIN_FRAMES - 1), (FIRST,))
    assert texts.prefix_of((START, LONG_END)) == ((FIRST,), LONG_END - REST_MIN_FRAMES)
    assert texts.prefix_of(None) is None


def test_a_beginning_decoded_before_other_texts_is_not_built_on():
    texts = texts_of()
    texts.keep_speculation((START, START + PREFIX_MIN_FRAMES), (FIRST,))
    texts.add(("Earlier.",), 0.0)
    assert texts.prefix_of((START, LONG_END)) is None


def test_a_beginning_that_goes_on_mid_sentence_is_continued_as_it_is():
    texts = texts_of()
    texts.keep_speculation((START, START + PREFIX_MIN_FRAMES), ("He said hello to Mr.",))
    parts, _ = texts.prefix_of((START, LONG_END))
    assert open_ended(parts) == parts  # "Mr." is no sentence's end
    assert continued(parts, "Quilter.") == ("He said hello to Mr.", "Quilter.")
    texts.add(continued(("Even the soaring arena around",), "the town."), 0.1)
    assert texts.text == "Even the soaring arena around the town."


def test_parts_join_and_prompt_the_rest_as_one_text():
    texts = texts_of()
    texts.add(("Before it.",), 0.5)
    texts.add((FIRST, " even the soaring arena."), 0.25)
    assert texts.text == "Before it. The ache of his overstrained eyes. Even the soaring arena."
    assert texts.engine_seconds == 0.75
    prompt = texts.prompted(TranscribeOptions(language="en"), ("Retrievalities.",))
    assert prompt.initial_prompt.endswith("Even the soaring arena. Retrievalities.")
    assert texts.text_with(("Retrievalities.",)) == prompt.initial_prompt


def test_the_rest_is_prompted_after_a_comma_for_the_beginnings_full_stop():
    assert open_ended(("Before.", FIRST)) == ("Before.", "The ache of his overstrained eyes,")
    assert open_ended(("Was it his eyes?",)) == ("Was it his eyes?",)  # the speaker's, surely
    assert open_ended(("He spoke to Mr.",)) == ("He spoke to Mr.",)


def test_a_rest_that_goes_on_mid_sentence_turns_the_full_stop_into_a_comma():
    assert continued((FIRST,), "even the soaring arena.") == (
        "The ache of his overstrained eyes,", "even the soaring arena.")
    assert continued((FIRST,), "Even the soaring arena.") == (FIRST, "Even the soaring arena.")
    assert continued((FIRST,), "") == (FIRST, "")
    assert continued(("Was it?",), "yes.") == ("Was it?", "yes.")


def test_the_furthest_reaching_decode_of_a_piece_is_its_draft():
    texts = texts_of()
    texts.keep_draft((START, START + 40), (1, 2, 3))
    texts.keep_draft((START, START + 20), (1, 2))  # reaches less far: kept out
    assert texts.draft_for((START, START + 90)) == (1, 2, 3)
    texts.keep_draft((START, START + 60), (1, 2, 3, 4))
    assert texts.draft_for((START, START + 90)) == (1, 2, 3, 4)
    assert texts.draft_for((START + 1, START + 90)) == ()  # another piece
    assert texts.draft_for(None) == ()
    texts.keep_draft((START, START + 70), ())  # a decode without tokens is no draft
    assert texts.draft_for((START, START + 90)) == (1, 2, 3, 4)


def test_a_draft_decoded_before_other_texts_is_replaced_and_a_new_dictation_has_none():
    texts = texts_of()
    texts.keep_draft((START, START + 60), (1, 2, 3, 4))
    texts.add(("alpha",), 0.0)
    assert texts.draft_for((START, START + 90)) == ()
    texts.keep_draft((START, START + 20), (5,))  # after the new text: counts, though shorter
    assert texts.draft_for((START, START + 90)) == (5,)
    texts.switch_to(2)
    assert texts.draft_for((START, START + 90)) == ()
