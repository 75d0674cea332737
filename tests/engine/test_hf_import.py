"""Transformers Whisper → ggml: tiny random models of every shape (names, 128 mel bands, the
4-decoder-layer turbo), bad directories, and (marked ``model``) Whisper base rebuilt in
Transformers layout from the CTranslate2 weights: the same bytes and the same jfk transcript."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from engine.ct2_import import import_ct2_model
from engine.errors import ModelImportError
from engine.ggml_format import inspect_ggml
from engine.hf_import import import_hf_model, is_hf_whisper_dir
from engine.safetensors_reader import SafetensorsFile, write_safetensors


def _vocab(cfg) -> list[str]:
    return list(cfg.regular + cfg.specials)


@pytest.mark.parametrize("shape", [
    {}, {"n_mels": 128}, {"dec_layers": 4, "enc_layers": 3}, {"n_mels": 128, "dec_layers": 4}],
    ids=["tiny", "128-mel", "turbo-4-decoder-layers", "large-v3-turbo-like"])
@pytest.mark.parametrize("quant", ["f16", "q8_0"])
def test_tiny_hf_model_matches_the_ct2_import_byte_for_byte(
        tmp_path, tiny_whisper, tiny_whisper_variables, make_ct2_dir, make_hf_dir, shape, quant):
    cfg = replace(tiny_whisper, **shape)
    variables = tiny_whisper_variables(cfg)
    ct2 = import_ct2_model(make_ct2_dir(tmp_path / "ct2", cfg, variables), tmp_path / "ct2.bin", quant)
    fractions = []
    hf = import_hf_model(make_hf_dir(tmp_path / "hf", variables, _vocab(cfg)), tmp_path / "hf.bin",
                         quant, fractions.append)
    assert hf.read_bytes() == ct2.read_bytes()
    hp = inspect_ggml(hf).hparams
    assert (hp.n_mels, hp.n_text_layer, hp.n_audio_layer) == (cfg.n_mels, cfg.dec_layers, cfg.enc_layers)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


@pytest.mark.parametrize("variant", ["no prefix", "tied proj_out", "float32", "sharded", "tokenizer.json only"])
def test_checkpoint_variants_give_the_same_file(tmp_path, tiny_whisper, tiny_whisper_variables,
                                                tiny_hf_dir, make_hf_dir, variant):
    variables = tiny_whisper_variables(tiny_whisper)
    vocab = _vocab(tiny_whisper)
    reference = import_hf_model(tiny_hf_dir, tmp_path / "ref.bin")
    src = tmp_path / "variant"
    if variant == "no prefix":
        make_hf_dir(src, variables, vocab, prefix="")
    elif variant == "tied proj_out":
        make_hf_dir(src, variables, vocab, tied_proj=True)
    elif variant == "float32":  # f16 weights widened: stored f16 again, so the same bytes
        make_hf_dir(src, {k: (v.astype(np.float32) if v.dtype == np.float16 else v)
                          for k, v in variables.items()}, vocab)
    elif variant == "sharded":
        make_hf_dir(src, variables, vocab)
        tensors = dict(SafetensorsFile(src / "model.safetensors"))
        names = list(tensors)
        shards = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
        for shard, part in shards.items():
            write_safetensors(src / shard, {n: np.array(tensors[n]) for n in part})
        (src / "model.safetensors").unlink()
        (src / "model.safetensors.index.json").write_text(json.dumps(
            {"metadata": {}, "weight_map": {n: s for s, part in shards.items() for n in part}}))
    else:
        make_hf_dir(src, variables, vocab)
        end = vocab.index("<|endoftext|>")
        (src / "tokenizer.json").write_text(json.dumps({
            "model": {"type": "BPE", "vocab": {t: i for i, t in enumerate(vocab[:end])}},
            "added_tokens": [{"id": i, "content": t, "special": True} for i, t in enumerate(vocab) if i >= end]}))
        (src / "vocab.json").unlink()
        (src / "added_tokens.json").unlink()
    assert import_hf_model(src, tmp_path / "out.bin").read_bytes() == reference.read_bytes()


def test_bfloat16_weights_are_widened(tmp_path, tiny_hf_dir):
    path = tiny_hf_dir / "model.safetensors"
    tensors = dict(SafetensorsFile(path))
    name = "model.decoder.layers.1.fc2.weight"
    original = np.asarray(tensors[name], np.float32)
    bits = (original.view(np.uint32) >> 16).astype("<u2")  # truncation: exact in bf16
    header = {n: {"dtype": "F32", "shape": list(a.shape)} for n, a in tensors.items() if n != name}
    blobs, offset = [], 0
    for n in header:
        blob = np.asarray(tensors[n], "<f4").tobytes()
        header[n]["data_offsets"] = [offset, offset + len(blob)]
        blobs.append(blob)
        offset += len(blob)
    header[name] = {"dtype": "BF16", "shape": list(original.shape), "data_offsets": [offset, offset + bits.nbytes]}
    blobs.append(bits.tobytes())
    raw = json.dumps(header).encode()
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + b"".join(blobs))
    reader = SafetensorsFile(path)
    assert reader.dtype_name(name) == "BF16"
    np.testing.assert_array_equal(reader[name], (bits.astype(np.uint32) << 16).view(np.float32))
    dest = import_hf_model(tiny_hf_dir, tmp_path / "bf16.bin")
    tensor = next(t for t in inspect_ggml(dest).tensors if t.name == "decoder.blocks.1.mlp.2.weight")
    stored = np.frombuffer(dest.read_bytes(), "<f2", tensor.nbytes // 2, tensor.offset).reshape(tensor.shape)
    np.testing.assert_allclose(stored, original, atol=0.01)


def _edit_json(path, **changes):
    data = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    path.write_text(json.dumps(data))


def _drop_tensor(d, name):
    tensors = {n: np.array(a) for n, a in SafetensorsFile(d / "model.safetensors").items() if n != name}
    write_safetensors(d / "model.safetensors", tensors)


BAD_DIRS = [
    ("no config", lambda d: (d / "config.json").unlink(), "config.json missing"),
    ("not Whisper", lambda d: _edit_json(d / "config.json", model_type="wav2vec2"), "wav2vec2 model, not Whisper"),
    ("config without sizes", lambda d: _edit_json(d / "config.json", d_model=None, num_mel_bins=None),
     "lacks Whisper sizes: d_model, num_mel_bins"),
    ("no weights", lambda d: (d / "model.safetensors").unlink(), "model.safetensors missing"),
    ("PyTorch weights only", lambda d: ((d / "model.safetensors").rename(d / "pytorch_model.bin")),
     "PyTorch or TensorFlow weights only"),
    ("missing tensor", lambda d: _drop_tensor(d, "model.decoder.layers.1.encoder_attn.v_proj.bias"),
     "model.decoder.layers.1.encoder_attn.v_proj.bias"),
    ("wrong shape", lambda d: _edit_json(d / "config.json", max_source_positions=9),
     "encoder.positional_embedding has shape (8, 64), expected (9, 64)"),
    ("more layers than weights", lambda d: _edit_json(d / "config.json", decoder_layers=3),
     "model.decoder.layers.2."),
    ("truncated weights", lambda d: (d / "model.safetensors").write_bytes((d / "model.safetensors").read_bytes()[:5000]),
     "truncated"),
    ("not safetensors", lambda d: (d / "model.safetensors").write_bytes(b"\xff" * 64), "not a safetensors file"),
    ("no vocabulary", lambda d: [(d / n).unlink() for n in ("vocab.json", "added_tokens.json")],
     "vocab.json (or tokenizer.json) missing"),
    ("no end of text", lambda d: (_edit_json(d / "vocab.json", **{"<|endoftext|>": None}),
                                  (d / "added_tokens.json").write_text("{}")),
     "no <|endoftext|>"),
    ("untied output", lambda d: _add_untied_proj(d), "proj_out.weight differs"),
]


def _add_untied_proj(d):
    tensors = {n: np.array(a) for n, a in SafetensorsFile(d / "model.safetensors").items()}
    tensors["proj_out.weight"] = tensors["model.decoder.embed_tokens.weight"] * 2
    write_safetensors(d / "model.safetensors", tensors)


@pytest.mark.parametrize("damage,message", [c[1:] for c in BAD_DIRS], ids=[c[0] for c in BAD_DIRS])
def test_bad_directories_are_refused_naming_what_is_wrong(tmp_path, tiny_hf_dir, damage, message):
    damage(tiny_hf_dir)
    dest = tmp_path / "models" / "out.bin"
    with pytest.raises(ModelImportError, match=re.escape(message)) as info:
        import_hf_model(tiny_hf_dir, dest)
    assert "\n" not in str(info.value)
    assert not dest.exists() and not dest.with_name("out.bin.part").exists()


def test_is_hf_whisper_dir(tmp_path, tiny_hf_dir, tiny_ct2_dir):
    assert is_hf_whisper_dir(tiny_hf_dir)
    assert not is_hf_whisper_dir(tiny_ct2_dir) and not is_hf_whisper_dir(tmp_path / "nowhere")


# --- The real Whisper base, in Transformers layout -----------------------------------------

JFK = "And so my fellow Americans ask not what your country can do for you, ask what you can do for your country."


@pytest.mark.model
def test_base_in_transformers_layout_gives_the_ct2_file(hf_base_dir, base_ggml, tmp_path):
    dest = import_hf_model(hf_base_dir, tmp_path / "ggml-hf-base.bin")
    assert inspect_ggml(dest).size_name == "base"
    with dest.open("rb") as ours, base_ggml["f16"].path.open("rb") as theirs:
        while True:
            a, b = ours.read(1 << 22), theirs.read(1 << 22)
            assert a == b
            if not a:
                break


@pytest.mark.model
def test_base_in_transformers_layout_transcribes_jfk(hf_base_dir, test_data, tmp_path):
    from audio.decode import decode_file
    from engine.options import TranscribeOptions
    from engine.wer import normalize_words
    from engine.whisper_engine import WhisperEngine

    dest = import_hf_model(hf_base_dir, tmp_path / "ggml-hf-base-q5_1.bin", "q5_1")
    with WhisperEngine(dest) as engine:
        text = engine.transcribe(decode_file(test_data / "speech" / "jfk.wav").samples,
                                 TranscribeOptions(language="en", threads=2)).text
    assert normalize_words(text) == normalize_words(JFK)
