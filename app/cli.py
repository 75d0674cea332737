"""The command line's shape: every sub-command and option of ``main.py`` (``--help`` lists them).

The names are a contract that scripts rely on: ``transcribe``, ``models list|download|import|path``,
``toggle|start|stop|cancel|status``, and running with no command starts the desktop app.
"""
from __future__ import annotations

import argparse
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    from engine.catalog import QUANT_TYPES  # not the importer's module: that loads numpy
    from engine.options import AUTO_LANGUAGE
    from engine.subtitles import SUBTITLE_FORMATS

    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Murmur: hold a hotkey, speak, and the words appear where you type. "
                    "Transcribed on this machine by whisper.cpp; no audio leaves it.")
    parser.add_argument("--model", help="model name (see `models list`) or path to a ggml .bin file")
    parser.add_argument("--verbose", "-v", action="store_true", help="log details to stderr")
    parser.add_argument("--debug", action="store_true",
                        help="--verbose, and log the dictated text too (for a bug report; your "
                             "words then end up in the log)")
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
    transcribe.add_argument("--format", choices=(*SUBTITLE_FORMATS, "json"), dest="format",
                            help="txt (a line per segment), srt or vtt subtitles, or json (one "
                                 "object per file: text, segments with times, timings); default: "
                                 "the text, one line per file")
    transcribe.add_argument("--json", action="store_const", const="json", dest="format",
                            help="the same as --format json")
    transcribe.add_argument("--output", "-o", type=Path, metavar="PATH",
                            help="write to this file instead of stdout; with several FILEs, a "
                                 "folder that gets one <name>.<format> per file")

    models = commands.add_parser("models", help="list, download or import models; print a model's path")
    models_commands = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    models_commands.add_parser("list", help="the catalog and the installed models")
    download = models_commands.add_parser("download", help="download a model from the catalog")
    download.add_argument("name", metavar="NAME")
    importer = models_commands.add_parser(
        "import", help="install a Whisper model: a CTranslate2 / faster-whisper or Hugging Face "
                       "Transformers directory (converted), or a whisper.cpp ggml file (copied)")
    importer.add_argument("directory", metavar="DIR|FILE")
    importer.add_argument("--quant", choices=QUANT_TYPES, default="f16",
                          help="weights when converting: f16 (default), q8_0 or q5_1 (smaller, "
                               "faster to load); a ggml file keeps its own")
    importer.add_argument("--name", help="name to install it under (default: the size and type "
                                         "for CTranslate2, the folder or file name otherwise)")
    delete = models_commands.add_parser("delete", help="remove an installed model (and any partial download)")
    delete.add_argument("name", metavar="NAME")
    default = models_commands.add_parser(
        "default", help="the model the app dictates with: print it, or set it to NAME")
    default.add_argument("name", nargs="?", metavar="NAME")
    path = models_commands.add_parser(
        "path", help="print a model's file (no NAME: the default model, provisioned if needed)")
    path.add_argument("name", nargs="?", metavar="NAME")

    recordings = commands.add_parser(
        "recordings", help="dictations kept without text (the app was killed, or they failed): "
                           "list them, or discard them; `retry` transcribes them")
    recordings_commands = recordings.add_subparsers(dest="recordings_command", metavar="ACTION")
    recordings_commands.add_parser("list", help="file, start time and length of each (default)")
    discard = recordings_commands.add_parser("discard", help="delete kept dictations' audio")
    discard.add_argument("names", nargs="*", metavar="FILE", help="as `recordings list` names them")
    discard.add_argument("--all", action="store_true", help="every kept dictation")

    for name, help_text in (("toggle", "start dictating, or finish the dictation under way"),
                            ("start", "start dictating in the running app"),
                            ("stop", "finish the dictation: transcribe and insert it"),
                            ("cancel", "drop the dictation under way"),
                            ("retry", "transcribe the dictations Murmur kept (unfinished or "
                                      "failed); the text goes to history and the clipboard"),
                            ("status", "print the running app's state: idle, recording, "
                                       "transcribing, pasting or error")):
        remote = commands.add_parser(name, help=help_text)
        if name == "status":
            remote.add_argument("--json", action="store_true",
                                help="one JSON object: state, model, microphone, hotkey")
    return parser
