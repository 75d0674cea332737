"""Options and results of one transcription, as frozen dataclasses.

The engine never reads settings itself: the caller builds a ``TranscribeOptions`` (from the
command line, or from the app's settings) and gets a ``Transcript`` back.
"""
from __future__ import annotations

import enum
import locale
import os
from dataclasses import dataclass, field

#: whisper.cpp works on 16 kHz mono float32 samples: the rate audio/ delivers everything at
#: (``audio.resample.TARGET_RATE``; not imported from there, which would load numpy into every
#: command line, ``main.py toggle`` included).
SAMPLE_RATE = 16_000

#: Passing this as the language lets Whisper detect it from the first 30 s of audio.
AUTO_LANGUAGE = "auto"

#: Whisper's language codes (the 99 languages of the multilingual models, plus Cantonese).
WHISPER_LANGUAGES = frozenset(
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no "
    "th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw "
    "gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl "
    "mg as tt haw ln ha ba jw su yue".split()
)


def default_threads() -> int:
    """Threads for whisper.cpp: every core up to 4 (more rarely helps the small models)."""
    return max(1, min(4, os.cpu_count() or 1))


def locale_language(locale_name: str | None = None) -> str:
    """The Whisper language code for the user's locale.

    pywhispercpp silently transcribes as English when no language is given; a German speaker
    should not have to find a setting before Murmur understands them, so the default follows
    the locale. The C/POSIX locale (no language at all) is treated as English, the language of
    its messages; a locale whose language Whisper does not know falls back to auto-detection.

    Args:
        locale_name: e.g. ``"de_DE.UTF-8"``; defaults to the process's LC_ALL/LC_MESSAGES/LANG.
    """
    if locale_name is None:
        locale_name = next(
            (os.environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(v)),
            None,
        ) or (locale.getlocale()[0] or "")
    code = locale_name.split(".")[0].split("@")[0].split("_")[0].lower()
    if code in ("", "c", "posix"):
        return "en"
    return code if code in WHISPER_LANGUAGES else AUTO_LANGUAGE


class Decoding(enum.Enum):
    """How the decoder picks tokens: greedy is fastest; beam search is slower, rarely better."""

    GREEDY = "greedy"
    BEAM = "beam"


@dataclass(frozen=True)
class TranscribeOptions:
    """What to ask of whisper.cpp for one transcription.

    Attributes:
        language: a Whisper language code, or ``"auto"`` to detect it.
        translate: translate to English instead of transcribing.
        initial_prompt: text the decoder sees as "what came before" (names, style, context).
        threads: CPU threads whisper.cpp may use.
        decoding: greedy or beam search.
        beam_size: beams when ``decoding`` is BEAM.
        audio_ctx: encoder context in frames of 20 ms (0 = the full 30 s window, 1500). Smaller
            is faster for short audio; too small loses words.
        single_segment: decode the audio (under 30 s) in one pass, without timestamps. With a
            shrunken ``audio_ctx`` whisper.cpp otherwise often ends the first pass early and
            decodes the rest of the window again, repeating the sentence (docs/PERFORMANCE.md,
            "audio_ctx").
        temperature_fallback: when a decode looks unsure, decode again with rising temperature
            (whisper.cpp's default). Off for shrunken windows: sampling there turned words into
            random ones and cost several decodes; a loop is caught instead (app/streaming.py).
        best_of: candidates sampled at each fallback temperature (greedy decoding), the most
            likely kept. More than one makes whisper.cpp rebuild its self-attention cache for
            ``best_of + 2`` sequences (base: 6 -> 44 MB at 5), resident until the engine is
            reloaded, and multiplies the decoding work of that pass.
        max_tokens: cap on the tokens of a segment (0: no cap).
        draft: text token ids an earlier decode of most of the same audio gave
            (``Transcript.token_ids``). A greedy decode checks them in one decoder pass and
            decodes one token at a time only where it disagrees; the text is the same as without
            them up to rounding (patches/whisper.cpp-draft-tokens.patch).
    """

    language: str = field(default_factory=locale_language)
    translate: bool = False
    initial_prompt: str | None = None
    threads: int = field(default_factory=default_threads)
    decoding: Decoding = Decoding.GREEDY
    beam_size: int = 5
    audio_ctx: int = 0
    single_segment: bool = False
    temperature_fallback: bool = True
    best_of: int = 5
    max_tokens: int = 0
    draft: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.language != AUTO_LANGUAGE and self.language not in WHISPER_LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}: use a Whisper code like 'en' or 'auto'")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")
        if self.beam_size < 1:
            raise ValueError("beam_size must be at least 1")
        if self.best_of < 1:
            raise ValueError("best_of must be at least 1")
        if not 0 <= self.audio_ctx <= 1500:
            raise ValueError("audio_ctx must be between 0 and 1500")
        if self.max_tokens < 0:
            raise ValueError("max_tokens must not be negative")


@dataclass(frozen=True)
class Segment:
    """A piece of the transcript with its place in the audio, in seconds."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """The result of one transcription.

    Attributes:
        text: the whole transcript, segments joined with single spaces.
        segments: the pieces with their times.
        language: the language Whisper transcribed (detected when asked for "auto").
        audio_seconds: length of the audio transcribed.
        engine_seconds: wall time whisper.cpp took.
        token_ids: the text tokens decoded (no special or timestamp tokens), in order: a
            draft for a later decode of the same audio and more (``TranscribeOptions.draft``).
        draft_taken: how many tokens of the options' draft the decode took as they were.
    """

    text: str
    segments: tuple[Segment, ...]
    language: str
    audio_seconds: float
    engine_seconds: float
    token_ids: tuple[int, ...] = ()
    draft_taken: int = 0

    @property
    def tokens(self) -> int:
        """How many text tokens were decoded. whisper.cpp stops a decode capped by
        ``TranscribeOptions.max_tokens`` one token after the cap, so more tokens than the cap
        means the text was cut off."""
        return len(self.token_ids)
