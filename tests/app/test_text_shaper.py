"""TextShaper: the previous insertion decides spacing only in the same window, and only soon."""
import pytest

from app.text_shaper import CONTINUE_WITHIN_S, TextShaper
from desktop.xwindow import WindowInfo
from engine.postprocess import PostProcessOptions

EDITOR, CHAT = WindowInfo(101, ("gedit", "Gedit")), WindowInfo(202, ("slack", "Slack"))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def shaper(clock):
    return TextShaper(clock=clock)


def test_first_dictation_has_no_leading_space(shaper):
    assert shaper.shape("  Hello there.  ", EDITOR) == "Hello there."


def test_continuing_in_the_same_window_adds_a_space(shaper):
    shaper.inserted("Hello there.", EDITOR)
    assert shaper.shape("How are you?", EDITOR) == " How are you?"


def test_an_unfinished_sentence_continues_in_lower_case(shaper):
    shaper.inserted("I went to the", EDITOR)
    assert shaper.shape("The shop.", EDITOR) == " the shop."


def test_another_window_starts_afresh(shaper):
    shaper.inserted("Hello there.", EDITOR)
    assert shaper.shape("How are you?", CHAT) == "How are you?"


def test_a_long_pause_starts_afresh(shaper, clock):
    shaper.inserted("Hello there.", EDITOR)
    clock.now += CONTINUE_WITHIN_S + 1
    assert shaper.shape("How are you?", EDITOR) == "How are you?"


def test_after_a_failed_insertion_it_starts_afresh(shaper):
    shaper.inserted("Hello there.", EDITOR)
    shaper.forget()
    assert shaper.shape("How are you?", EDITOR) == "How are you?"


@pytest.mark.parametrize("raw", ["[BLANK_AUDIO]", " Thank you. ", "(music)", ""])
def test_non_speech_becomes_empty(shaper, raw):
    assert shaper.shape(raw, EDITOR) == ""


def test_no_target_means_no_previous(shaper):
    shaper.inserted("Hello.", None)
    assert shaper.shape("Again.", None) == "Again."


def test_options_apply_and_can_change(shaper):
    shaper.set_options(PostProcessOptions(replacements=(("murmer", "Murmur"),)))
    assert shaper.shape("I use murmer daily.", EDITOR) == "I use Murmur daily."
