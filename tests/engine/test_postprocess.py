"""Post-processing: annotations vs parentheses, hallucinations, spacing, fillers, replacements."""
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from engine.postprocess import (
    HALLUCINATIONS, VOCALISATIONS, PostProcessOptions, _normalise, apply_replacements,
    clean_segment, clean_segments, is_annotation, postprocess, remove_fillers,
)

DEFAULT = PostProcessOptions()
LJ = ("But the first Bible actually dated (which also was printed at Maintz by Peter Schoeffer "
      "in the year 1462)")


@pytest.mark.parametrize("text, expected", [
    # Whitespace.
    ("  Hello   world  ", "Hello world"),
    ("Hello\n\tworld", "Hello world"),
    ("", ""),
    ("   ", ""),
    # whisper.cpp's non-speech markers, alone or among words.
    ("[BLANK_AUDIO]", ""),
    (" [BLANK_AUDIO] [BLANK_AUDIO] ", ""),
    ("[MUSIC]", ""),
    ("[Music]", ""),
    ("[ Silence ]", ""),
    ("(music)", ""),
    ("(upbeat music)", ""),
    ("(laughs)", ""),
    ("*cough*", ""),
    ("[inaudible]", ""),
    ("(speaking in foreign language)", ""),
    ("♪ ♪", ""),
    ("[NO SPEECH]", ""),
    ("Hello (laughs) world.", "Hello world."),
    ("So [BLANK_AUDIO].", "So."),
    ("(laughs), so anyway", "so anyway"),
    ("[MUSIC] And so my fellow Americans", "And so my fellow Americans"),
    ("It was *cough* fine", "It was fine"),
    # Real parentheses and asterisks are speech.
    (LJ, LJ),
    ("The answer (as I said) is no.", "The answer (as I said) is no."),
    ("(which also was printed)", "(which also was printed)"),
    ("Type 2 * 3 * 4 please", "Type 2 * 3 * 4 please"),
    ("It was *really* good", "It was *really* good"),
    ("We played (music, dancing, games) all night.",
     "We played (music, dancing, games) all night."),
    ("(typing)", ""),
    ("[ Background noise ]", ""),
    ("It uses (duck typing) here", "It uses (duck typing) here"),
    ("The car (the engine) died", "The car (the engine) died"),
    ("(speaking of which) yes", "(speaking of which) yes"),
    ("The (loud music and a lot of noise) stopped", "The (loud music and a lot of noise) stopped"),
    # Hallucinations: only the whole segment.
    ("Thank you.", ""),
    (" thank you ", ""),
    ("Thanks for watching!", ""),
    ("Subtitles by the Amara.org community", ""),
    ("Untertitel der Amara.org-Community", ""),
    ("Sous-titres réalisés par la communauté d'Amara.org", ""),
    ("ご視聴ありがとうございました", ""),
    ("you", ""),
    ("You.", ""),
    (".", ""),
    ("...", ""),
    ("[BLANK_AUDIO] Thank you.", ""),
    ("Thank you. Thank you.", "Thank you. Thank you."),
    ("I said thank you.", "I said thank you."),
    ("Thank you for the flowers.", "Thank you for the flowers."),
    ("you know what I mean", "you know what I mean"),
    # Noise labels in Whisper's own words, alone (what it wrote on tests/data/noise clips).
    ("*BOOM*", ""),
    ("[Gunshot]", ""),
    ("*Gunshot*", ""),
    ("(keyboard clicking)", ""),
    ("(Bell)", ""),
    ("[HORN HONKING]", ""),
    ("[Growling] [Music]", ""),
    ("*really*", ""),
    ("(as I said)", "(as I said)"),          # three words in parentheses: an aside
    ("[a b c d e]", "[a b c d e]"),          # five words: not a label
    ("[Gunshot] Get down!", "[Gunshot] Get down!"),  # beside speech only known sounds go
    # Vocalisations alone (a sigh, a breath); beside words they stay.
    ("Ah...", ""),
    ("Hmm.", ""),
    ("Mm-hmm.", ""),
    ("Oh. Oh.", ""),
    ("Puh", ""),          # a voiced cough, streamed (tests/data/noise/cough.wav)
    ('"Ahhhh"', ""),      # the sigh of tests/data/noise, whole, on an AVX-512 build
    ("Hmmmmm. Ohhh!", ""),
    ("Shhhh", ""),
    ("Too good.", "Too good."),  # "to" is no vocalisation, squeezed or not
    ("Ahhhh, the sea.", "Ahhhh, the sea."),
    ("Hmm, okay.", "Hmm, okay."),
    ("Oh, and the cat.", "Oh, and the cat."),
    ("Er kommt.", "Er kommt."),
    # Unicode passes through.
    ("  Ça coûte 5 €, Straße ", "Ça coûte 5 €, Straße"),
    ("我爱北京天安门。", "我爱北京天安门。"),
])
def test_clean_segment(text, expected):
    assert clean_segment(text) == expected


def test_clean_segments_drops_noise_only_segments_of_a_whole_transcription():
    sentence = "For a full hour he had paced up and down waiting, but he could wait no longer."
    assert clean_segments(["*BOOM*", sentence, "Ah!"]) == sentence
    assert clean_segments([" Hello ", "(laughs) world."]) == "Hello world."
    assert clean_segments(["[BLANK_AUDIO]"]) == ""


@pytest.mark.parametrize("inner, square, expected", [
    ("BLANK_AUDIO", True, True),
    ("SOUND", True, True),
    ("Applause", False, True),
    ("dog barking", False, True),
    ("NASA", False, False),          # capitals count only in square brackets
    ("which also was printed", False, False),
    ("music, dancing", False, False),  # a list is speech
    ("soft background music playing now", False, False),  # five words: too long to be a tag
    ("", True, False),
])
def test_is_annotation(inner, square, expected):
    assert is_annotation(inner, square) is expected


@pytest.mark.parametrize("text, previous, expected", [
    ("Hello.", None, "Hello."),
    ("Hello.", "", "Hello."),
    ("Next sentence.", "First sentence.", " Next sentence."),
    ("next sentence.", "First sentence.", " Next sentence."),
    ("Next sentence.", "First sentence. ", "Next sentence."),
    ("Is it?", "Really?", " Is it?"),
    ("And then we left.", "We ate", " and then we left."),
    ("The end.", "We saw", " the end."),
    ("I left.", "and then", " I left."),
    ("I'm off.", "so", " I'm off."),
    ("Paris was nice.", "We saw", " Paris was nice."),
    ("The Hague is nice.", "We saw", " The Hague is nice."),
    ("And then we left.", "We ate,", " and then we left."),
    ("谢谢。", "你好。", "谢谢。"),
    ("Thank you.", "We said", ""),
    ("[BLANK_AUDIO]", "Anything.", ""),
])
def test_spacing_against_the_previous_dictation(text, previous, expected):
    assert postprocess(text, previous, DEFAULT) == expected


def test_trailing_space_and_the_next_dictation():
    options = PostProcessOptions(trailing_space=True)
    first = postprocess("First.", None, options)
    assert first == "First. "
    assert postprocess("Second.", first, options) == "Second. "
    assert postprocess("[BLANK_AUDIO]", first, options) == ""


@pytest.mark.parametrize("text, expected", [
    ("So, um, I think", "So, I think"),
    ("I think, um the cat", "I think the cat"),
    ("I think, um.", "I think."),
    ("Um, the cat sat.", "The cat sat."),
    ("The cat sat. Uh, then it left.", "The cat sat. Then it left."),
    ("um um hello", "hello"),
    ("Um.", ""),
    ("The umbrella was under the drum", "The umbrella was under the drum"),
    ("Er, ERM, yes", "Yes"),
])
def test_remove_fillers(text, expected):
    assert remove_fillers(text, DEFAULT.filler_words) == expected


def test_fillers_stay_unless_asked():
    assert postprocess("So, um, I think.", None, DEFAULT) == "So, um, I think."
    options = PostProcessOptions(remove_fillers=True)
    assert postprocess("So, um, I think.", None, options) == "So, I think."
    assert postprocess("Um.", "Before.", options) == ""


REPLACEMENTS = (("teh", "the"), ("iphone", "iPhone"), ("new york", "NYC"),
                ("new york city", "the Big Apple"), ("gonna", "going to"), ("sb", ""))


@pytest.mark.parametrize("text, expected", [
    ("teh cat", "the cat"),
    ("Teh cat", "The cat"),
    ("TEH CAT", "THE CAT"),
    ("tehran and teh", "tehran and the"),      # whole words only
    ("my iphone and IPHONE", "my iPhone and iPhone"),  # a written capital is kept as written
    ("in new   York today", "in NYC today"),
    ("in New York City today", "in the Big Apple today"),  # the longest match wins
    ("gonna teh", "going to the"),              # one pass: output is never re-matched
    ("Gonna go", "Going to go"),
    ("ask sb now", "ask now"),
    ("naïve café", "naïve café"),
])
def test_apply_replacements(text, expected):
    assert apply_replacements(text, REPLACEMENTS) == expected


def test_replacements_come_last():
    options = PostProcessOptions(replacements=(("and", "AND"), ("thank you", "cheers")))
    assert postprocess("And so.", "Hi", options) == " AND so."
    # The hallucination check sees Whisper's text, not the user's replacement.
    assert postprocess("Thank you.", None, options) == ""
    assert postprocess("Well thank you.", None, options) == "Well cheers."
    assert postprocess("Gone", None, PostProcessOptions(replacements=(("gone", ""),))) == ""


def test_options_are_frozen_and_hallucinations_are_normalised():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.trailing_space = True  # type: ignore[misc]
    assert all(h == " ".join(h.split()) and h == h.lower() for h in HALLUCINATIONS)
    assert all(v == _normalise(v) and " " not in v for v in VOCALISATIONS)


def test_text_modules_load_no_qt():
    code = ("import sys, engine.join, engine.postprocess\n"
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
