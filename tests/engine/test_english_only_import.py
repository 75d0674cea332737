"""English-only (``.en``) Whispers through ``models import``: issue #7 accepts any size
"multilingual or ``.en``", and only a size-name table had seen the English-only vocabulary.

English-only Whispers have 51864 tokens (multilingual ones 51865): GPT-2's 50256 BPE tokens, then
<|endoftext|> at 50256, <|startoftranscript|> at 50257, ... whisper.cpp writes no special token
from the file; it calls a model multilingual when n_vocab >= 51865 and places its special ids
from that. So the importers must write n_vocab 51864 and exactly the 50256 BPE tokens. Current
CTranslate2 versions write ``vocabulary.json`` instead of ``vocabulary.txt`` (so would a
faster-whisper conversion of distil-small.en today), so that layout is imported too.

How the real parts start: small random-weight models (2 + 2 layers, width 64, but the real
vocabulary size and context lengths) are written in CTranslate2 and Transformers layout by the
``tests/engine/conftest.py`` fixtures and converted by the real importers; whisper.cpp is the
real native library, loaded through pywhispercpp's binding in this process and through the app's
engine child process (``engine.engine_process``); ``main.py models import`` runs as a
subprocess with this test's XDG dirs. A multilingual twin (51865 tokens) of every model is the
control: the same checks tell the two apart. Random weights say nothing sensible, so no test
looks at the words.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from engine.errors import ModelImportError
from engine.ggml_format import inspect_ggml
from engine.model_import import ModelLayout, import_model
from engine.model_store import ModelStore, import_model_dir, models_dir
from engine.options import SAMPLE_RATE, TranscribeOptions
from tests.ggml_bytes import stored_vocabulary

REPO_ROOT = Path(__file__).resolve().parents[2]
ENGLISH_ONLY_VOCAB, MULTILINGUAL_VOCAB = 51864, 51865
N_LANGUAGE_TOKENS = 99  # what OpenAI's tokenizer lists for both kinds (large-v3 adds Cantonese)
N_TIMESTAMPS = 1501     # <|0.00|> ... <|30.00|>


def gpt2_bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> character table (openai/gpt-2 ``encoder.py``), written out here so the
    expected bytes do not come from the importer's own inverse of it."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    chars, moved = list(printable), 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + moved)
            moved += 1
    return {byte: chr(char) for byte, char in zip(printable, chars)}


def bpe_tokens(count: int) -> list[bytes]:
    """``count`` distinct raw tokens shaped like GPT-2's: the 256 single bytes, then words with a
    leading space, newline, a UTF-8 letter or half of a UTF-8 character (BPE splits those too)."""
    prefixes = (b" ", b"", b"\n", "é".encode(), b"\xe2\x80")
    tokens = [bytes([byte]) for byte in range(256)]
    for i in range(count - 256):
        word, n = b"", i + 26  # two letters at least: never one of the single bytes
        while n:
            word, n = bytes([ord("a") + n % 26]) + word, n // 26
        tokens.append(prefixes[i % len(prefixes)] + word)
    assert len(set(tokens)) == count  # a vocab.json maps token -> id: duplicates would vanish
    return tokens


def special_tokens() -> list[str]:
    """Whisper's specials in OpenAI's order. The language tokens' spellings matter to neither the
    importers nor whisper.cpp (it has its own language table), only their count."""
    return ["<|endoftext|>", "<|startoftranscript|>",
            *[f"<|lang{i}|>" for i in range(N_LANGUAGE_TOKENS)],
            "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
            "<|notimestamps|>", *[f"<|{i * 0.02:.2f}|>" for i in range(N_TIMESTAMPS)]]


@dataclass(frozen=True)
class RandomWhisper:
    english_only: bool
    bpe: list[bytes]  # the raw bytes the ggml file must hold, in id order
    n_vocab: int
    ct2_dir: Path
    hf_dir: Path


@pytest.fixture
def make_random_whisper(tmp_path, tiny_whisper, tiny_whisper_variables, make_ct2_dir, make_hf_dir):
    """``make_random_whisper(english_only, hf_name="whisper-random.en") -> RandomWhisper``: one
    random model written in both layouts."""
    def make(english_only: bool, hf_name: str = "whisper-random.en") -> RandomWhisper:
        bpe = bpe_tokens(50256 if english_only else 50257)
        to_char = gpt2_bytes_to_unicode()
        regular = tuple("".join(to_char[b] for b in token) for token in bpe)
        # Real context lengths: with the fixture's default 6 text positions whisper.cpp would
        # decode nothing at all (it decodes at most n_text_ctx / 2 - 4 tokens per window).
        cfg = replace(tiny_whisper, regular=regular, specials=tuple(special_tokens()),
                      audio_ctx=1500, text_ctx=448)
        variables = tiny_whisper_variables(cfg)
        root = tmp_path / ("en" if english_only else "multilingual")
        # faster-whisper's English-only configs list no language ids.
        ct2 = make_ct2_dir(root / "faster-whisper-random", cfg, variables,
                           config={"lang_ids": [], "suppress_ids_begin": [220, len(bpe)]})
        hf = make_hf_dir(root / hf_name, variables, list(regular + cfg.specials))
        return RandomWhisper(english_only, bpe, cfg.n_vocab, ct2, hf)

    return make


@pytest.mark.parametrize("english_only", [True, False], ids=["en", "multilingual-control"])
def test_both_layouts_write_the_vocabulary_size_and_every_bpe_token(tmp_path, make_random_whisper,
                                                                    english_only):
    model = make_random_whisper(english_only)
    assert model.n_vocab == (ENGLISH_ONLY_VOCAB if english_only else MULTILINGUAL_VOCAB)
    files = {}
    for source, layout in ((model.ct2_dir, ModelLayout.CT2), (model.hf_dir, ModelLayout.TRANSFORMERS)):
        dest, found = import_model(source, tmp_path / f"{layout.name}.bin")
        assert found is layout
        info = inspect_ggml(dest)
        assert info.hparams.n_vocab == model.n_vocab
        assert info.n_vocab_tokens == len(model.bpe)  # no special token written as a regular one
        embedding = next(t for t in info.tensors if t.name == "decoder.token_embedding.weight")
        assert embedding.shape == (model.n_vocab, 64)
        assert stored_vocabulary(dest) == model.bpe
        files[layout] = dest.read_bytes()
    assert files[ModelLayout.CT2] == files[ModelLayout.TRANSFORMERS]


# whisper.cpp's special ids (src/whisper.cpp, whisper_vocab): GPT-2's for English-only models,
# each one higher for multilingual ones.
SPECIAL_IDS = {
    True: {"multilingual": 0, "n_vocab": 51864, "eot": 50256, "sot": 50257, "translate": 50357,
           "transcribe": 50358, "solm": 50359, "prev": 50360, "not": 50362, "beg": 50363},
    False: {"multilingual": 1, "n_vocab": 51865, "eot": 50257, "sot": 50258, "translate": 50358,
            "transcribe": 50359, "solm": 50360, "prev": 50361, "not": 50363, "beg": 50364},
}


@pytest.mark.parametrize("layout", ["ct2", "hf"])
@pytest.mark.parametrize("english_only", [True, False], ids=["en", "multilingual-control"])
def test_whisper_cpp_loads_the_import_with_its_own_kind_and_special_ids(
        tmp_path, make_random_whisper, english_only, layout):
    from engine.whisper_engine import native_binding

    model = make_random_whisper(english_only)
    dest, _ = import_model(model.ct2_dir if layout == "ct2" else model.hf_dir, tmp_path / "model.bin")
    pw = native_binding()
    params = pw.whisper_context_default_params()
    params.use_gpu = False
    ctx = pw.whisper_init_from_file_with_params(str(dest), params)
    try:
        found = {"multilingual": pw.whisper_is_multilingual(ctx), "n_vocab": pw.whisper_n_vocab(ctx),
                 "eot": pw.whisper_token_eot(ctx), "sot": pw.whisper_token_sot(ctx),
                 "translate": pw.whisper_token_translate(ctx),
                 "transcribe": pw.whisper_token_transcribe(ctx), "solm": pw.whisper_token_solm(ctx),
                 "prev": pw.whisper_token_prev(ctx), "not": pw.whisper_token_not(ctx),
                 "beg": pw.whisper_token_beg(ctx)}
        assert found == SPECIAL_IDS[english_only]
        # Every BPE token as whisper.cpp will print it (its C API hands out C strings, so the
        # token of byte 0 comes back empty); the end-of-text token is whisper.cpp's own.
        assert [pw.whisper_token_to_bytes(ctx, i) for i in range(len(model.bpe))] == \
               [token.split(b"\0")[0] for token in model.bpe]
        assert pw.whisper_token_to_str(ctx, found["eot"]) == "[_EOT_]"
    finally:
        pw.whisper_free(ctx)


@pytest.mark.parametrize("english_only", [True, False], ids=["en", "multilingual-control"])
def test_the_app_engine_process_reports_the_kind_and_transcribes_noise(tmp_path, make_random_whisper,
                                                                       english_only):
    from engine.engine_process import ProcessEngine

    model = make_random_whisper(english_only)
    dest, _ = import_model(model.ct2_dir, tmp_path / "model.bin", "q8_0")
    noise = (np.random.default_rng(7).standard_normal(SAMPLE_RATE) * 0.1).astype(np.float32)
    with ProcessEngine(dest) as engine:
        assert engine.multilingual is not english_only
        # German asked of an English-only model, and translation: whisper.cpp must get neither
        # a language token nor a task token it does not have. Few tokens keep random weights fast.
        for options in (TranscribeOptions(language="de", threads=2, max_tokens=24),
                        TranscribeOptions(language="de", translate=True, threads=2, max_tokens=24,
                                          temperature_fallback=False)):
            transcript = engine.transcribe(noise, options)
            assert transcript.language == ("en" if english_only else "de")
            assert transcript.audio_seconds == 1.0


def test_the_store_keeps_en_in_the_names_of_imported_files(tmp_path, make_random_whisper):
    model = make_random_whisper(True, hf_name="whisper-random.en")
    store = ModelStore(tmp_path / "models")
    ct2_f16 = import_model_dir(store, model.ct2_dir, None, "f16")
    names = [ct2_f16.name,
             import_model_dir(store, model.ct2_dir, None, "q8_0").name,
             import_model_dir(store, model.hf_dir, None, "f16").name]
    ggml = tmp_path / "ggml-random.en.bin"
    ggml.write_bytes(ct2_f16.read_bytes())
    names.append(import_model_dir(store, ggml, None, "f16").name)
    # CTranslate2 directories are named by size; this shape is no OpenAI size, so by its folder,
    # and the name says English only. Fine-tunes and ggml files keep their own names.
    assert names == ["ggml-faster-whisper-random.en.bin", "ggml-faster-whisper-random.en-q8_0.bin",
                     "ggml-whisper-random.en.bin", "ggml-random.en.bin"]
    installed = {m.name: m for m in store.installed()}
    assert sorted(installed) == ["faster-whisper-random.en", "faster-whisper-random.en-q8_0",
                                 "random.en", "whisper-random.en"]
    assert all(m.problem is None and m.info.hparams.n_vocab == ENGLISH_ONLY_VOCAB
               for m in installed.values())


def test_ct2_folders_of_other_shapes_in_the_hugging_face_cache_are_named_by_repository(
        tmp_path, make_random_whisper):
    """Two distilled-like models from the Hugging Face cache: each its own name, not "unknown"."""
    store = ModelStore(tmp_path / "models")
    names = []
    for english_only, repo in ((True, "faster-distil-whisper-small.en"),
                               (False, "faster-distil-whisper-large-v3")):
        made = make_random_whisper(english_only).ct2_dir
        cached = tmp_path / "hub" / f"models--Systran--{repo}" / "snapshots" / "0123abcd"
        cached.parent.mkdir(parents=True)
        made.rename(cached)
        names.append(import_model_dir(store, cached, None, "q8_0").name)
    assert names == ["ggml-faster-distil-whisper-small.en-q8_0.bin",
                     "ggml-faster-distil-whisper-large-v3-q8_0.bin"]


def test_models_import_command_installs_an_english_only_fine_tune(tmp_path, make_random_whisper):
    model = make_random_whisper(True, hf_name="whisper-random.en")
    result = subprocess.run([sys.executable, "main.py", "models", "import", str(model.hf_dir)],
                            cwd=REPO_ROOT, env=dict(os.environ), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    installed = models_dir() / "ggml-whisper-random.en.bin"  # this test's XDG_DATA_HOME
    assert result.stdout.strip().splitlines()[-1] == str(installed)
    info = inspect_ggml(installed)
    assert (info.hparams.n_vocab, info.n_vocab_tokens, info.ftype) == (ENGLISH_ONLY_VOCAB, 50256, "f16")
    assert stored_vocabulary(installed) == model.bpe
    assert [m.name for m in ModelStore().installed()] == ["whisper-random.en"]


# --- vocabulary.json: what newer CTranslate2 versions write ---------------------------------
# A directory converted by a current CTranslate2 (e.g. an English-only distil-small.en, whose
# shape is no OpenAI size) carries vocabulary.json (a JSON list) and no vocabulary.txt.

def _json_vocabulary(ct2_dir: Path) -> Path:
    """Replace vocabulary.txt by the vocabulary.json CTranslate2's ``_save_vocabulary`` writes."""
    from engine.ct2_reader import read_vocabulary

    tokens = read_vocabulary(ct2_dir / "vocabulary.txt")
    (ct2_dir / "vocabulary.json").write_text(json.dumps(tokens, indent=2), encoding="utf-8")
    (ct2_dir / "vocabulary.txt").unlink()
    return ct2_dir


def test_a_ct2_dir_with_vocabulary_json_gives_the_same_file(tmp_path, make_random_whisper):
    from engine.ct2_import import is_ct2_whisper_dir

    model = make_random_whisper(True)
    reference, _ = import_model(model.ct2_dir, tmp_path / "txt.bin")
    _json_vocabulary(model.ct2_dir)
    assert is_ct2_whisper_dir(model.ct2_dir)
    dest, layout = import_model(model.ct2_dir, tmp_path / "json.bin")
    assert layout is ModelLayout.CT2
    assert dest.read_bytes() == reference.read_bytes()
    assert stored_vocabulary(dest) == model.bpe


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "vocabulary.json").write_text('{"a": 1}'), "does not hold a JSON list of tokens"),
    (lambda d: (d / "vocabulary.json").write_text("[1, 2"), "is not a readable JSON file"),
    (lambda d: (d / "vocabulary.json").write_text(json.dumps(["!"] * 51865)),
     "vocabulary.json has 51865 tokens, the model has 51864"),
    (lambda d: (d / "vocabulary.json").unlink(),
     "vocabulary.txt missing (or vocabulary.json, which newer CTranslate2 versions write)"),
], ids=["not a list", "not JSON", "wrong length", "no vocabulary file"])
def test_a_bad_vocabulary_json_is_refused_naming_it(tmp_path, make_random_whisper, damage, message):
    model = make_random_whisper(True)
    damage(_json_vocabulary(model.ct2_dir))
    with pytest.raises(ModelImportError, match=re.escape(message)):
        import_model(model.ct2_dir, tmp_path / "out.bin")
    assert not (tmp_path / "out.bin").exists()
