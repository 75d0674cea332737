"""Murmur: offline dictation. The composition root: parse arguments, build objects, run.

    python main.py                       start the desktop app
    python main.py transcribe FILE...    transcribe audio files
    python main.py models ...            list, download, import models; print a model's path
    python main.py toggle|start|stop|cancel|status   drive the running app (status: its state)
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

EXIT_USAGE = 2
EXIT_NO_DESKTOP = 3


def build_parser() -> argparse.ArgumentParser:
    from engine.ct2_import import QUANT_TYPES
    from engine.options import AUTO_LANGUAGE

    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Murmur: hold a hotkey, speak, and the words appear where you type. "
                    "Transcribed on this machine by whisper.cpp; no audio leaves it.")
    parser.add_argument("--model", help="model name (see `models list`) or path to a ggml .bin file")
    parser.add_argument("--verbose", "-v", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    transcribe = commands.add_parser("transcribe", help="transcribe audio files and print the text")
    transcribe.add_argument("files", nargs="+", type=Path, metavar="FILE",
                            help="WAV, FLAC, OGG or MP3, any rate and channel count")
    transcribe.add_argument("--model", dest="sub_model", metavar="NAME|PATH",
                            help="model name or ggml file (default: the default model)")
    transcribe.add_argument("--language", help=f"Whisper language code or '{AUTO_LANGUAGE}' "
                                               "(default: your locale's language)")
    transcribe.add_argument("--translate", action="store_true", help="translate into English")
    transcribe.add_argument("--threads", type=int, help="CPU threads for whisper.cpp")
    transcribe.add_argument("--beam", type=int, metavar="N", help="beam search with N beams (default: greedy)")
    transcribe.add_argument("--prompt", help="initial prompt: names or context the speech refers to")
    transcribe.add_argument("--json", action="store_true",
                            help="one JSON object per file: text, segments with times, timings")

    models = commands.add_parser("models", help="list, download or import models; print a model's path")
    models_commands = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    models_commands.add_parser("list", help="the catalog and the installed models")
    download = models_commands.add_parser("download", help="download a model from the catalog")
    download.add_argument("name", metavar="NAME")
    importer = models_commands.add_parser(
        "import", help="convert a CTranslate2 / faster-whisper Whisper directory to a ggml model")
    importer.add_argument("directory", metavar="DIR")
    importer.add_argument("--quant", choices=QUANT_TYPES, default="f16",
                          help="weights: f16 (default), q8_0 or q5_1 (smaller, faster to load)")
    importer.add_argument("--name", help="name to install it under (default: its size and quant)")
    path = models_commands.add_parser(
        "path", help="print a model's file (no NAME: the default model, provisioned if needed)")
    path.add_argument("name", nargs="?", metavar="NAME")

    for name, help_text in (("toggle", "start dictating, or finish the dictation under way"),
                            ("start", "start dictating in the running app"),
                            ("stop", "finish the dictation: transcribe and insert it"),
                            ("cancel", "drop the dictation under way"),
                            ("status", "print the running app's state: idle, recording, "
                                       "transcribing, pasting or error")):
        commands.add_parser(name, help=help_text)
    return parser


def transcribe_files(args) -> int:
    from app.terminal import error_line
    from app.transcribe_command import run_transcribe
    from engine.errors import MurmurError
    from engine.model_store import ModelStore
    from engine.options import Decoding, TranscribeOptions
    from engine.whisper_engine import WhisperEngine

    store = ModelStore()
    try:
        choice = args.sub_model or args.model
        model = store.resolve(choice) if choice else store.default_model()
        engine = WhisperEngine(model)
        overrides = {}
        if args.language:
            overrides["language"] = args.language
        if args.threads:
            overrides["threads"] = args.threads
        if args.beam:
            overrides.update(decoding=Decoding.BEAM, beam_size=args.beam)
        options = TranscribeOptions(translate=args.translate, initial_prompt=args.prompt, **overrides)
    except MurmurError as error:
        error_line(str(error))
        return EXIT_USAGE
    except ValueError as error:
        error_line(str(error))
        return EXIT_USAGE
    with engine:
        return run_transcribe(engine, args.files, options, args.json)


def run_desktop_app(args) -> int:
    from app.terminal import error_line

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        error_line("the dictation app needs a desktop session (no DISPLAY or WAYLAND_DISPLAY is "
                   "set). From a terminal without one, `python main.py transcribe FILE` still works.")
        return EXIT_NO_DESKTOP
    from ui.desktop_app import run_app

    return run_app(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command == "transcribe":
        return transcribe_files(args)
    if args.command == "models":
        from app.models_command import run_models

        if args.model and args.models_command == "path" and args.name is None:
            args.name = args.model
        return run_models(args)
    from app.remote_command import CLI_COMMANDS, run_remote_command  # no Qt: stays quick

    if args.command in CLI_COMMANDS:
        return run_remote_command(args.command)
    return run_desktop_app(args)


if __name__ == "__main__":
    sys.exit(main())
