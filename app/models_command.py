"""``main.py models list | download NAME | import DIR | path [NAME]``.

Every sub-command prints its result on stdout (a path, or the list) and its progress and errors
on stderr, so scripts can use ``$(python main.py models path)``.
"""
from __future__ import annotations

import dataclasses
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from engine.catalog import CATALOG, DEFAULT_MODEL, find, format_size
from engine.errors import MurmurError
from engine.model_store import ModelStore, import_model_dir

from app.terminal import ProgressLine, error_line

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130  # what a shell reports for a command stopped by Ctrl+C


def list_models(store: ModelStore, out: TextIO) -> int:
    """The catalog with installed state, then installed models the catalog does not know."""
    installed = {model.name: model for model in store.installed()}
    print(f"{'NAME':<22} {'SIZE':>9}  STATE", file=out)
    for entry in CATALOG:
        model = installed.pop(entry.name, None)
        state = _state(model, entry.name)
        print(f"{entry.name:<22} {format_size(entry.size_bytes) if entry.size_bytes else '?':>9}  {state}", file=out)
    for name, model in installed.items():
        print(f"{name:<22} {format_size(model.size_bytes):>9}  {_state(model, name)} (imported)", file=out)
    print(f"\nModels folder: {store.root}", file=out)
    return EXIT_OK


def _state(model, name: str) -> str:
    if model is None:
        return "-"
    if model.problem:
        return f"damaged: {model.problem}"
    return "installed, default" if name == DEFAULT_MODEL else "installed"


def _print_path(line: ProgressLine, out: TextIO, produce: Callable[[], Path]) -> int:
    """Run ``produce`` under a progress line; print the path it returns, or its one-line error."""
    try:
        path = produce()
    except MurmurError as error:
        line.done()
        error_line(str(error))
        return EXIT_FAILED
    line.done()
    print(path, file=out)
    return EXIT_OK


def download(store: ModelStore, name: str, out: TextIO) -> int:
    from engine.download import download_model, format_progress

    entry = find(name)
    if entry is None:
        error_line(f"no model named '{name}' in the catalog; `python main.py models list` shows them")
        return EXIT_FAILED
    line = ProgressLine()
    cancel = threading.Event()

    def report(done: int, total: int | None) -> None:
        line.update(f"downloading {name}", done / total if total else None, format_progress(done, total))

    def produce() -> Path:
        with _ctrl_c_sets(cancel):
            return download_model(entry, store.ensure_root(), progress=report, cancel=cancel)

    code = _print_path(line, out, produce)
    return EXIT_INTERRUPTED if code != EXIT_OK and cancel.is_set() else code


@contextmanager
def _ctrl_c_sets(cancel: threading.Event) -> Iterator[None]:
    """While inside, Ctrl+C (SIGINT) sets ``cancel`` instead of raising KeyboardInterrupt.

    The download then stops the way the app's Cancel button stops it: the partial file is kept,
    and the user reads one line saying so (and how much), not a traceback. Only the main thread
    may set a signal handler; elsewhere Ctrl+C keeps Python's default."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: cancel.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def import_dir(store: ModelStore, source: Path, name: str | None, quant: str, out: TextIO) -> int:
    line = ProgressLine()
    return _print_path(line, out, lambda: import_model_dir(
        store, source, name, quant, lambda fraction: line.update("converting", fraction)))


def model_path(store: ModelStore, name: str | None, out: TextIO) -> int:
    """Print a model's file; with no name, the default's, provisioning it first if needed."""
    line = ProgressLine()
    if name is None or name == DEFAULT_MODEL:
        return _print_path(line, out, lambda: store.default_model(line.update))
    return _print_path(line, out, lambda: store.resolve(name))


def delete(store: ModelStore, name: str, out: TextIO) -> int:
    return _print_path(ProgressLine(), out, lambda: store.delete(name))


def app_default(store: ModelStore, name: str | None, out: TextIO) -> int:
    """Print the app's model setting, or set it to an installed model (the settings file)."""
    from app.settings import load_settings, open_settings, save_settings

    qsettings = open_settings()
    current = load_settings(qsettings).settings
    if name is None:
        print(current.model, file=out)
        return EXIT_OK
    try:
        store.resolve(name)
    except MurmurError as error:
        error_line(str(error))
        return EXIT_FAILED
    try:
        save_settings(qsettings, dataclasses.replace(current, model=name))
    except OSError as error:
        error_line(str(error))
        return EXIT_FAILED
    print(name, file=out)
    return EXIT_OK


def run_models(args, store: ModelStore | None = None, out: TextIO | None = None) -> int:
    """Dispatch the parsed ``models`` sub-command."""
    store = store or ModelStore()
    out = out or sys.stdout
    if args.models_command == "list":
        return list_models(store, out)
    if args.models_command == "download":
        return download(store, args.name, out)
    if args.models_command == "delete":
        return delete(store, args.name, out)
    if args.models_command == "default":
        return app_default(store, args.name, out)
    if args.models_command == "import":
        return import_dir(store, Path(args.directory), args.name, args.quant, out)
    return model_path(store, args.name, out)

