"""Engine options: the locale decides the default language; bad values are refused."""
import pytest

from engine.options import AUTO_LANGUAGE, Decoding, TranscribeOptions, locale_language


@pytest.mark.parametrize("locale_name, expected", [
    ("de_DE.UTF-8", "de"),
    ("en_GB.UTF-8", "en"),
    ("fr_CA", "fr"),
    ("pt_BR.utf8@euro", "pt"),
    ("C", "en"),
    ("C.UTF-8", "en"),
    ("POSIX", "en"),
    ("", "en"),
    ("xx_YY.UTF-8", AUTO_LANGUAGE),  # a language Whisper does not know: detect instead
])
def test_locale_language(locale_name, expected):
    assert locale_language(locale_name) == expected


def test_default_language_follows_the_environment(monkeypatch):
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    assert TranscribeOptions().language == "es"


@pytest.mark.parametrize("kwargs", [
    {"language": "klingon"},
    {"threads": 0},
    {"beam_size": 0},
    {"audio_ctx": -1},
    {"audio_ctx": 1501},
    {"max_tokens": -1},
    {"best_of": 0},
])
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        TranscribeOptions(**kwargs)


def test_options_are_frozen():
    options = TranscribeOptions(language="en", decoding=Decoding.BEAM)
    with pytest.raises(AttributeError):
        options.language = "de"  # type: ignore[misc]


def test_the_engines_rate_is_the_rate_audio_resamples_to():
    from audio.resample import TARGET_RATE
    from engine.options import SAMPLE_RATE

    assert SAMPLE_RATE == TARGET_RATE == 16_000
