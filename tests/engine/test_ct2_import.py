"""CTranslate2 Whisper → ggml: the mapping on a tiny random model, bad input dirs, atomic writes,
and (marked ``model``) the real Whisper base in f16, q8_0 and q5_1 transcribing jfk."""
from __future__ import annotations

import re

import numpy as np
import pytest

from engine.ct2_import import QUANT_TYPES, import_ct2_model, is_ct2_whisper_dir
from engine.ct2_reader import read_ct2_model
from engine.errors import ModelImportError
from engine.ggml_format import inspect_ggml
from engine.ggml_layout import whisper_tensor_layout
from engine.mel_filters import whisper_mel_filters
from engine.quantize import quantize_q5_1, quantize_q8_0
from tests.ggml_bytes import stored_vocabulary

QUANTIZERS = {"q8_0": quantize_q8_0, "q5_1": quantize_q5_1}


def expected_tensors(v: dict, n_enc: int, n_dec: int) -> dict[str, np.ndarray]:
    """The OpenAI-named tensors, derived from CTranslate2 variables by hand."""
    f = {name: np.asarray(value, np.float32) for name, value in v.items()}
    out = {"encoder.positional_embedding": f["encoder/position_encodings/encodings"],
           "decoder.positional_embedding": f["decoder/position_encodings/encodings"],
           "decoder.token_embedding.weight": f["decoder/embeddings/weight"],
           "encoder.ln_post.weight": f["encoder/layer_norm/gamma"], "encoder.ln_post.bias": f["encoder/layer_norm/beta"],
           "decoder.ln.weight": f["decoder/layer_norm/gamma"], "decoder.ln.bias": f["decoder/layer_norm/beta"]}
    for conv in ("conv1", "conv2"):
        out[f"encoder.{conv}.weight"] = f[f"encoder/{conv}/weight"]
        out[f"encoder.{conv}.bias"] = f[f"encoder/{conv}/bias"][:, None]
    for side, n in (("encoder", n_enc), ("decoder", n_dec)):
        for i in range(n):
            src, dst = f"{side}/layer_{i}", f"{side}.blocks.{i}"
            attn = [("attn", "self_attention")] + ([("cross_attn", "attention")] if side == "decoder" else [])
            for kind, scope in attn:
                s = f[f"{src}/{scope}/linear_0/weight"].shape[1]
                if kind == "attn":
                    w, b = f[f"{src}/{scope}/linear_0/weight"], f[f"{src}/{scope}/linear_0/bias"]
                    out_name = "linear_1"
                else:
                    w = np.concatenate([f[f"{src}/{scope}/linear_0/weight"], f[f"{src}/{scope}/linear_1/weight"]])
                    b = np.concatenate([f[f"{src}/{scope}/linear_0/bias"], f[f"{src}/{scope}/linear_1/bias"]])
                    out_name = "linear_2"
                out[f"{dst}.{kind}.query.weight"], out[f"{dst}.{kind}.query.bias"] = w[:s], b[:s]
                out[f"{dst}.{kind}.key.weight"] = w[s:2 * s]
                out[f"{dst}.{kind}.value.weight"], out[f"{dst}.{kind}.value.bias"] = w[2 * s:], b[2 * s:]
                out[f"{dst}.{kind}.out.weight"] = f[f"{src}/{scope}/{out_name}/weight"]
                out[f"{dst}.{kind}.out.bias"] = f[f"{src}/{scope}/{out_name}/bias"]
                out[f"{dst}.{kind}_ln.weight"] = f[f"{src}/{scope}/layer_norm/gamma"]
                out[f"{dst}.{kind}_ln.bias"] = f[f"{src}/{scope}/layer_norm/beta"]
            for j, k in (("0", "linear_0"), ("2", "linear_1")):
                out[f"{dst}.mlp.{j}.weight"] = f[f"{src}/ffn/{k}/weight"]
                out[f"{dst}.mlp.{j}.bias"] = f[f"{src}/ffn/{k}/bias"]
            out[f"{dst}.mlp_ln.weight"] = f[f"{src}/ffn/layer_norm/gamma"]
            out[f"{dst}.mlp_ln.bias"] = f[f"{src}/ffn/layer_norm/beta"]
    return out


def _encoded(array: np.ndarray, type_name: str) -> bytes:
    if type_name in QUANTIZERS:
        return QUANTIZERS[type_name](array)
    return array.astype({"f32": "<f4", "f16": "<f2"}[type_name]).tobytes()


@pytest.mark.parametrize("quant", QUANT_TYPES)
def test_tiny_model_maps_every_tensor(tmp_path, tiny_ct2_dir, tiny_whisper, tiny_whisper_variables, quant):
    cfg, dest = tiny_whisper, tmp_path / "out" / "tiny.bin"
    fractions = []
    assert import_ct2_model(tiny_ct2_dir, dest, quant, fractions.append) == dest
    info = inspect_ggml(dest)
    hp = info.hparams
    assert (hp.n_vocab, hp.n_audio_ctx, hp.n_audio_state, hp.n_audio_head, hp.n_audio_layer) == \
           (cfg.n_vocab, cfg.audio_ctx, cfg.state, cfg.heads, cfg.enc_layers)
    assert (hp.n_text_ctx, hp.n_text_state, hp.n_text_head, hp.n_text_layer, hp.n_mels) == \
           (cfg.text_ctx, cfg.state, cfg.heads, cfg.dec_layers, cfg.n_mels)
    assert hp.ftype == {"f16": 1, "q8_0": 2007, "q5_1": 2009}[quant] and info.ftype == quant
    assert [t.name for t in info.tensors] == [s.name for s in whisper_tensor_layout(hp)]
    expected = expected_tensors(tiny_whisper_variables(cfg), cfg.enc_layers, cfg.dec_layers)
    assert set(expected) == {t.name for t in info.tensors}
    data = dest.read_bytes()
    for tensor in info.tensors:
        assert tensor.shape == expected[tensor.name].shape, tensor.name
        assert data[tensor.offset:tensor.offset + tensor.nbytes] == \
               _encoded(expected[tensor.name], tensor.type_name), tensor.name
    filters = np.frombuffer(data, "<f4", cfg.n_mels * 201, offset=56).reshape(cfg.n_mels, 201)
    np.testing.assert_array_equal(filters, whisper_mel_filters(cfg.n_mels))
    assert stored_vocabulary(dest) == [
        b"!", b"a", b"b", b" the", b"\n", "é".encode(), b"hello", b" world", b"", b"x", b"y", b"z"]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert not list(dest.parent.glob("*.part"))


def test_int8_model_is_dequantized(tmp_path, make_ct2_dir, tiny_whisper, tiny_whisper_variables):
    variables = tiny_whisper_variables(tiny_whisper)
    for name in [n for n, v in variables.items() if n.endswith("/weight") and np.ndim(v) == 2]:
        weight = variables[name].astype(np.float32)
        scale = 127.0 / np.abs(weight).max(axis=1)
        variables[name] = np.rint(weight * scale[:, None]).astype(np.int8)
        variables[f"{name}_scale"] = scale.astype(np.float32)
    src = make_ct2_dir(tmp_path / "int8", variables=dict(sorted(variables.items())))
    dest = import_ct2_model(src, tmp_path / "int8.bin")
    tensor = next(t for t in inspect_ggml(dest).tensors if t.name == "decoder.blocks.1.mlp.2.weight")
    stored = np.frombuffer(dest.read_bytes(), "<f2", tensor.nbytes // 2, tensor.offset)
    original = tiny_whisper_variables(tiny_whisper)["decoder/layer_1/ffn/linear_1/weight"]
    np.testing.assert_allclose(stored.reshape(tensor.shape), original, atol=0.01)


def _without(variables: dict, *names: str) -> dict:
    return {k: v for k, v in variables.items() if k not in names}


def _renamed(variables: dict, old: str, new: str) -> dict:
    return {k.replace(old, new): v for k, v in variables.items()}


# name, how to break the tiny directory (dir, make_ct2_dir, variables) -> None, expected words
BAD_DIRS = [
    ("no vocabulary", lambda d, mk, v: (d / "vocabulary.txt").unlink(), "vocabulary.txt missing"),
    ("no model.bin and config", lambda d, mk, v: [(d / n).unlink() for n in ("model.bin", "config.json")],
     "model.bin, config.json missing"),
    ("broken config", lambda d, mk, v: (d / "config.json").write_text("{"), "config.json"),
    ("not Whisper", lambda d, mk, v: mk(d, variables=v, spec="TransformerSpec"), "TransformerSpec model, not Whisper"),
    ("binary version 5", lambda d, mk, v: mk(d, variables=v, version=5), "binary version 5"),
    ("truncated model.bin", lambda d, mk, v: (d / "model.bin").write_bytes((d / "model.bin").read_bytes()[:999]),
     "truncated"),
    ("missing variable", lambda d, mk, v: mk(d, variables=_without(v, "decoder/layer_1/ffn/linear_1/weight")),
     "decoder/layer_1/ffn/linear_1/weight"),
    ("no num_heads", lambda d, mk, v: mk(d, variables=_without(v, "encoder/num_heads")), "encoder/num_heads"),
    ("layer gap", lambda d, mk, v: mk(d, variables=_renamed(v, "encoder/layer_1/", "encoder/layer_7/")),
     "no complete set of encoder layers"),
    ("inconsistent width", lambda d, mk, v: mk(d, variables={**v, "decoder/position_encodings/encodings":
                                                              np.zeros((6, 32), np.float16)}), "has shape"),
    ("vocabulary too long", lambda d, mk, v: (d / "vocabulary.txt").write_text(
        (d / "vocabulary.txt").read_text() + "extra\n"), "vocabulary.txt has 17 tokens, the model has 16"),
    ("no end of text", lambda d, mk, v: (d / "vocabulary.txt").write_text(
        (d / "vocabulary.txt").read_text().replace("<|endoftext|>", "<|end|>")), "no <|endoftext|>"),
    ("not byte-level", lambda d, mk, v: (d / "vocabulary.txt").write_text(
        (d / "vocabulary.txt").read_text().replace("hello", "hel lo")), "token 6 ('hel lo')"),
]


@pytest.mark.parametrize("damage,message", [c[1:] for c in BAD_DIRS], ids=[c[0] for c in BAD_DIRS])
def test_bad_directories_are_refused_cleanly(tmp_path, tiny_ct2_dir, make_ct2_dir, tiny_whisper,
                                             tiny_whisper_variables, damage, message):
    damage(tiny_ct2_dir, make_ct2_dir, tiny_whisper_variables(tiny_whisper))
    dest = tmp_path / "models" / "out.bin"
    with pytest.raises(ModelImportError, match=re.escape(message)):
        import_ct2_model(tiny_ct2_dir, dest)
    assert not dest.exists() and not dest.with_name("out.bin.part").exists()


def test_not_a_directory_and_unknown_type(tmp_path, tiny_ct2_dir):
    with pytest.raises(ModelImportError, match="is not a directory"):
        import_ct2_model(tmp_path / "nowhere", tmp_path / "x.bin")
    with pytest.raises(ModelImportError, match="Unknown type 'q4_0'"):
        import_ct2_model(tiny_ct2_dir, tmp_path / "x.bin", "q4_0")


def test_failure_mid_write_leaves_previous_file_and_no_part(tmp_path, tiny_ct2_dir):
    dest = tmp_path / "model.bin"
    dest.write_bytes(b"the previous model")

    def interrupt(fraction):
        if fraction > 0.5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_ct2_model(tiny_ct2_dir, dest, "q8_0", interrupt)
    assert dest.read_bytes() == b"the previous model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin", "tiny-ct2"]
    import_ct2_model(tiny_ct2_dir, dest, "q8_0")
    assert inspect_ggml(dest).ftype == "q8_0"


def test_is_ct2_whisper_dir(tmp_path, tiny_ct2_dir, make_ct2_dir, tiny_whisper, tiny_whisper_variables):
    assert is_ct2_whisper_dir(tiny_ct2_dir)
    assert not is_ct2_whisper_dir(tmp_path / "nowhere")
    assert not is_ct2_whisper_dir(tiny_ct2_dir / "model.bin")
    other = make_ct2_dir(tmp_path / "other", variables=tiny_whisper_variables(tiny_whisper), spec="TransformerSpec")
    assert not is_ct2_whisper_dir(other)
    (tiny_ct2_dir / "config.json").unlink()
    assert not is_ct2_whisper_dir(tiny_ct2_dir)


# --- The real Whisper base ------------------------------------------------------------------

# The sizes of whisper.cpp's official ggml-base.bin, ggml-base-q8_0.bin and ggml-base-q5_1.bin.
BASE_SIZES = {"f16": 147_951_465, "q8_0": 81_768_585, "q5_1": 59_707_625}
JFK = "And so my fellow Americans ask not what your country can do for you, ask what you can do for your country."


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


@pytest.mark.model
@pytest.mark.parametrize("quant", QUANT_TYPES)
def test_base_file_size(base_ggml, quant):
    # Conversion times are reported by bench/engine.py, never asserted here.
    model = base_ggml[quant]
    assert model.path.stat().st_size == BASE_SIZES[quant]


@pytest.mark.model
@pytest.mark.parametrize("quant", QUANT_TYPES)
def test_base_tensors_round_trip(base_ggml, ct2_base_dir, quant):
    info = inspect_ggml(base_ggml[quant].path)
    hp = info.hparams
    assert (hp.n_vocab, hp.n_audio_ctx, hp.n_audio_state, hp.n_audio_head, hp.n_audio_layer, hp.n_text_ctx,
            hp.n_text_state, hp.n_text_head, hp.n_text_layer, hp.n_mels) == \
           (51865, 1500, 512, 8, 6, 448, 512, 8, 6, 80)
    assert (info.size_name, info.ftype, info.n_tensors, info.n_vocab_tokens) == ("base", quant, 245, 50257)
    assert [(t.name, t.shape, t.type_name) for t in info.tensors] == \
           [(s.name, s.shape, s.type_name) for s in whisper_tensor_layout(hp)]
    source = read_ct2_model(ct2_base_dir / "model.bin").variables
    tensors = {t.name: t for t in info.tensors}
    with base_ggml[quant].path.open("rb") as handle:
        def stored(name):
            handle.seek(tensors[name].offset)
            return handle.read(tensors[name].nbytes)
        fused = source["decoder/layer_3/self_attention/linear_0/weight"]
        assert stored("decoder.blocks.3.attn.value.weight") == _encoded(fused[1024:].astype(np.float32), tensors[
            "decoder.blocks.3.attn.value.weight"].type_name)
        assert stored("encoder.conv2.bias") == source["encoder/conv2/bias"].astype("<f4").tobytes()
        assert stored("encoder.conv1.weight") == source["encoder/conv1/weight"].tobytes()


@pytest.mark.model
@pytest.mark.parametrize("quant", QUANT_TYPES)
def test_base_transcribes_jfk(base_ggml, test_data, quant):
    soundfile = pytest.importorskip("soundfile")
    model_module = pytest.importorskip("pywhispercpp.model")
    audio, rate = soundfile.read(test_data / "speech" / "jfk.wav", dtype="float32")
    assert rate == 16000 and audio.ndim == 1
    model = model_module.Model(str(base_ggml[quant].path), n_threads=2, language="en", print_progress=False,
                               print_realtime=False, redirect_whispercpp_logs_to=None)
    text = " ".join(segment.text for segment in model.transcribe(audio))
    assert _words(text) == _words(JFK)
