"""The text side of a streamed dictation, on the engine worker's thread.

``transcribe_piece`` transcribes one piece of a dictation: in an encoder window sized to it
(``engine.audio_ctx``), decoded in one pass without temperature fallback. A text that loops is
settled as cheaply as it safely can: a whole sentence said again from the start is that
sentence; otherwise a wider sized window, and the full window only when that loops too.
(``app/dictation_texts.DictationTexts`` collects the texts of a dictation's pieces.)

Threads: the engine worker's (``app/engine_loop.EngineLoop``); nothing here is shared.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from engine.audio_ctx import FULL_WINDOW, audio_ctx_for
from engine.errors import TranscriptionStopped
from engine.join import ends_sentence
from engine.options import SAMPLE_RATE, TranscribeOptions, Transcript

log = logging.getLogger(__name__)

#: Candidates per fallback temperature for streamed pieces (``transcribe_piece``).
STREAMED_BEST_OF = 1
#: Faster than anyone dictates (~3 words/s is quick speech): the decoder is looping.
MAX_WORDS_PER_SECOND = 5.0
#: A loop repeats at least this many words; shorter repeats ("very very") can be real.
MIN_LOOP_WORDS = 4
#: Token cap of a sized decode: generous for real speech, so a loop ends early instead of at
#: whisper.cpp's limit (~224 tokens, 3-6 s of engine time). About one sized decode in 15 loops
#: (7 of 94 pieces, whatever the window's margin), and each token costs ~9 ms, so a looping
#: tail at the release waits for the whole cap. The densest of those 94 pieces (the speech set
#: and bench/latency.py's dictations, streamed) decoded to 4.5 text tokens per second; none used
#: more than 53 % of this cap (docs/PERFORMANCE.md, "Speculating sooner"). 8/s + 16 before.
#: A piece that does reach the cap is decoded again, never cut short.
MAX_TOKENS_PER_SECOND = 6.0
TOKEN_MARGIN = 10
#: Languages whose pieces get the sized window: where it was measured to keep the words
#: (docs/PERFORMANCE.md "audio_ctx"). A German sentence was sensitive to it; others: unmeasured.
SIZED_LANGUAGES = frozenset({"en"})
#: A loop is decoded again in a window this many frames wider before the full window is tried.
#: Loops belong to one window size and prompt: the same piece decodes cleanly a few 64-frame
#: steps up, at a fraction of the full window's cost (docs/PERFORMANCE.md, "Tail latency at
#: release"). The full window stays the last resort.
RETRY_EXTRA_FRAMES = 192
#: A repeated sentence is taken as the piece's text only if it holds this many words per second
#: of the piece (pauses and padding included): the streamed pieces of bench/latency.py's
#: dictations read at 1.3-3.5 words per second, so a sentence that covers only half of a piece's
#: speech stays below this, and a slow piece goes to the wider window instead. (2.0 sent the
#: 2.6 s rest "were trivialities not worth thinking about." of a 40 s dictation, read in full
#: and then again, to the wider window for its 5 words: 1.4 s after the release instead of 0.4 s
#: on a slow machine; docs/PERFORMANCE.md, "Session 10".)
MIN_WORDS_PER_SECOND = 1.8
#: Fewer words per second than this in a piece of at least ``SPARSE_MIN_SECONDS`` is a decode
#: that dropped speech: the sized window sometimes gives "I am.", "The" or "I am sure that you
#: are." for a 4.8 s sentence of 17 words, or only the second half of a sentence
#: (docs/PERFORMANCE.md, "Tail latency at release"); the real pieces of 2.5 s or more of 18
#: dictations read at 1.7 words per second or more. Such a text is decoded again in the wider
#: window, and the one with more words is kept: a slow speaker pays one more sized decode.
MIN_SPARSE_WORDS_PER_SECOND = 1.5
SPARSE_MIN_SECONDS = 2.5


def looks_looped(text: str, seconds: float) -> bool:
    """Whether a piece's text is a decoder loop: too many words for the audio, or one sentence
    twice in a row (4+ words). A shrunken encoder window decoded in one pass sometimes does
    this; ``transcribe_piece`` then transcribes the piece again with the full window."""
    words = [_word_key(w) for w in text.split()]
    if len(words) > MAX_WORDS_PER_SECOND * seconds + 4:
        return True
    for n in range(MIN_LOOP_WORDS, len(words) // 2 + 1):  # the same n words twice in a row
        if any(words[i:i + n] == words[i + n:i + 2 * n] for i in range(len(words) - 2 * n + 1)):
            return True
    return False


def repeated_sentence(text: str, seconds: float) -> str | None:
    """The sentence(s) a looping decode said before starting over, or None.

    A sized window decoded in one pass sometimes reads the piece to its end and then starts
    again from its first word: "Today only platforms 1 and 3 are used. Today only platforms 1
    and 3 are used. Today only ..." until the token cap. When the text is exactly that — an
    opening ``U`` that ends a sentence, then ``U`` again in full, then any beginning of it — and
    ``U`` is long enough for ``seconds`` of audio (``MIN_WORDS_PER_SECOND``), ``U`` is the text.
    A loop on a phrase inside the text ("glad to lead to glad to lead to") is not this.

    A ``U`` of several sentences loses its trailing echoes (``_without_echoes``) before that
    length check.
    """
    words = text.split()
    key = [_word_key(w) for w in words]
    for n in range(1, len(words) // 2 + 1):
        if not ends_sentence(words[n - 1]):
            continue
        if all(key[i] == key[i % n] for i in range(n, len(words))):
            said = _without_echoes(words[:n])
            return " ".join(said) if len(said) >= MIN_WORDS_PER_SECOND * seconds else None
    return None


def _word_key(word: str) -> str:
    return word.strip(".,!?;:\"'").lower()


def _without_echoes(words: list[str]) -> list[str]:
    """``words`` without the trailing sentences that only echo the sentence before them.

    A loop's unit can end in a short invented sentence made of the previous one's words: "... Mr.
    Carker used to flash his teeth. Mr. Flash's teeth." (a 7.5 s piece of the speech set's 8 kHz
    clip, looping in its sized window). The echo is no longer than that sentence and has no
    word of its own (possessive "'s" aside); a real sentence after it almost always has one.
    """
    sentences: list[list[str]] = [[]]
    for word in words:
        sentences[-1].append(word)
        if ends_sentence(word):
            sentences.append([])
    sentences = [s for s in sentences if s]
    while len(sentences) >= 2:
        last, before = sentences[-1], sentences[-2]
        before_keys = {_base(w) for w in before}
        if len(last) > len(before) or any(_base(w) not in before_keys for w in last):
            break
        sentences.pop()
    return [w for s in sentences for w in s]


def _base(word: str) -> str:
    key = _word_key(word)
    return key[:-2] if key.endswith("'s") else key


def too_few_words(text: str, seconds: float) -> bool:
    """Whether a piece's text is far too short for its audio (``MIN_SPARSE_WORDS_PER_SECOND``):
    a sized decode that dropped most of the speech."""
    return seconds >= SPARSE_MIN_SECONDS \
        and len(text.split()) < MIN_SPARSE_WORDS_PER_SECOND * seconds


def max_tokens_for(seconds: float) -> int:
    """The token cap (``TranscribeOptions.max_tokens``) of a sized decode of ``seconds``."""
    return math.ceil(seconds * MAX_TOKENS_PER_SECOND) + TOKEN_MARGIN


def sizes(options: TranscribeOptions) -> bool:
    """Whether ``transcribe_piece`` sizes the window for these options: no fixed ``audio_ctx``
    and a language where sizing was measured (``SIZED_LANGUAGES``)."""
    return options.audio_ctx == 0 and options.language in SIZED_LANGUAGES


class SpeculationAbandoned(Exception):
    """A speculation stopped without a text (``transcribe_piece``'s ``wanted``).

    Attributes:
        engine_seconds: What its decodes took (the history's engine time counts them).
        stopped: A decode was stopped part-way; else every sized window failed.
    """

    def __init__(self, engine_seconds: float, stopped: bool = False) -> None:
        super().__init__("speculation abandoned")
        self.engine_seconds = engine_seconds
        self.stopped = stopped


def _decode(engine, samples: np.ndarray, options: TranscribeOptions,
            wanted: Callable[[], bool] | None, spent: float) -> Transcript:
    """One sized decode; a speculation's stops once no longer ``wanted``."""
    if wanted is None:
        return engine.transcribe(samples, options)
    try:
        return engine.transcribe(samples, options, stop_when=lambda: not wanted())
    except TranscriptionStopped as stopped:
        log.debug("a speculation stopped after %.3f s in whisper.cpp", stopped.engine_seconds)
        raise SpeculationAbandoned(spent + stopped.engine_seconds, stopped=True) from None


def transcribe_piece(engine, samples: np.ndarray, options: TranscribeOptions,
                     size: bool = True, wanted: Callable[[], bool] | None = None) -> Transcript:
    """Transcribe a streamed piece with the encoder sized to it (unless ``size`` is off, the
    options fix ``audio_ctx`` or the language is not in ``SIZED_LANGUAGES``), decoded in one pass
    (``single_segment``) without temperature fallback and with its tokens capped in proportion
    to its length (``max_tokens_for``): see engine/audio_ctx.py. A text that loops, or that the
    cap cut off, is its ``repeated_sentence`` if it has one; else it is decoded again in a
    window ``RETRY_EXTRA_FRAMES`` wider, and if that loops too in the full window (no cap). A
    text with ``too_few_words`` is decoded again in the wider window too, and the text with
    more words is kept (the full window if the wider one loops).

    Whole recordings (not streamed) keep the full window: one pass over several sentences
    in a shrunken window can stop after the first (docs/PERFORMANCE.md, "Streaming").

    A speculation (``wanted`` given) stops short of that: it decodes again only while
    ``wanted()`` is true, and never in the full window; else it raises
    ``SpeculationAbandoned``, and the piece is transcribed when it is cut or released. A decode
    under way stops too once ``wanted()`` is false (the engine's ``stop_when``, asked after its
    encoder and each decoder pass), so that the release's tail need not wait for it. Two in
    five speculations are withdrawn by more speech, and one such that went on to the full
    window raised the engine child's peak in a 69 s dictation by 15 MiB, past the memory target
    (docs/PERFORMANCE.md, "Speculating sooner").

    Args:
        engine: The loaded ``WhisperEngine`` (or anything with its ``transcribe``).
        samples: The piece, 16 kHz float32.
        options: The dictation's options, prompt included.
        size: Size the encoder window to the piece.
        wanted: For a speculation: whether its text is still wanted.
    """
    # One candidate per fallback temperature, not whisper.cpp's five: five rebuild its
    # self-attention cache for seven sequences (+38 MiB in the engine child for the rest of the
    # dictation) and decode five times over while the person waits (docs/PERFORMANCE.md,
    # "Memory, session 4"). Only a piece whose sized decodes failed gets there.
    options = replace(options, best_of=STREAMED_BEST_OF)
    if not size or not sizes(options):
        return engine.transcribe(samples, options)
    seconds = len(samples) / SAMPLE_RATE
    ctx = audio_ctx_for(seconds)
    if not ctx:
        return engine.transcribe(samples, options)
    cap = max_tokens_for(seconds)
    sized = replace(options, single_segment=True, temperature_fallback=False, max_tokens=cap)
    spent, sparse = 0.0, None  # sparse: a clean first decode with too few words
    for window in (ctx, ctx + RETRY_EXTRA_FRAMES):
        if window >= FULL_WINDOW:
            break
        if window != ctx and wanted is not None and not wanted():
            raise SpeculationAbandoned(spent)
        out = _decode(engine, samples, replace(sized, audio_ctx=window), wanted, spent)
        spent += out.engine_seconds
        log.debug("a %.2f s piece in a %d-frame window: %d tokens in %.2f s", seconds, window,
                  out.tokens, out.engine_seconds)
        cut_off = out.tokens > cap
        if not cut_off and not looks_looped(out.text, seconds):
            if sparse is not None and len(sparse.text.split()) > len(out.text.split()):
                out = sparse
            if sparse is None and too_few_words(out.text, seconds):
                log.info("a %.1f s piece gave %d words in a %d-frame window", seconds,
                         len(out.text.split()), window)
                sparse = out
                continue
            return replace(out, engine_seconds=spent)
        said = repeated_sentence(out.text, seconds)
        how = f"ran past {cap} tokens" if cut_off else "looped"
        if said is not None:
            log.info("a %.1f s piece %s in a %d-frame window; its sentence said again from the "
                     "start is taken", seconds, how, window)
            return replace(out, text=said, segments=(), engine_seconds=spent)
        log.info("a %.1f s piece %s in a %d-frame window", seconds, how, window)
    if wanted is not None:
        log.info("a %.1f s speculation: no text (the full window waits for the cut or release)",
                 seconds)
        raise SpeculationAbandoned(spent)
    log.info("a %.1f s piece: full window instead", seconds)
    full = engine.transcribe(samples, options)
    return replace(full, engine_seconds=full.engine_seconds + spent)
