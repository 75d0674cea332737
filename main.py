"""Murmur: offline dictation. The composition root: parse arguments, build objects, wire, run.

    python main.py                       start the desktop app
    python main.py transcribe FILE...    transcribe audio files
    python main.py models ...            list, download, import models; print a model's path
    python main.py toggle|start|stop|cancel|status   drive the running app (status: its state)

Nothing here holds state between calls: ``run_desktop_app`` builds every object of the app,
connects their signals and runs Qt's event loop; the objects live as long as that call.
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

EXIT_NO_DESKTOP = 3
# The window is built after the model has loaded, or after this long if the load takes longer.
VIEWS_WAIT_MS = 1000
# The window's modules, each after those it imports: one import per turn of the event loop
# (ui/stepwise_import.py). ui.colour_image brings pyqtgraph, the largest.
VIEW_MODULES = ("ui.colour_image", "ui.waveform_view", "ui.spectrogram_view",
                "ui.history_panel", "ui.status_line", "ui.main_window", "ui.tray")
MAIN_FILE = Path(__file__).resolve()
log = logging.getLogger("murmur")


def main(argv: list[str] | None = None) -> int:
    from app.cli import build_parser

    args = build_parser().parse_args(argv)
    from app.logs import default_log_dir, setup_logging

    desktop = args.command is None  # the app keeps a log file (0600) and closes off its folders
    setup_logging(args.verbose, args.debug, default_log_dir() if desktop else None)
    if desktop:
        from engine.private_files import close_off_user_dirs

        for problem in close_off_user_dirs("murmur"):
            log.warning("%s", problem)
    if args.command == "transcribe":
        from app.transcribe_command import transcribe_from_args

        return transcribe_from_args(args)
    if args.command == "models":
        from app.models_command import run_models

        if args.model and args.models_command == "path" and args.name is None:
            args.name = args.model
        return run_models(args)
    if args.command == "recordings":
        from app.recordings_command import run_recordings

        return run_recordings(args)
    from app.remote_command import CLI_COMMANDS, run_remote_command  # no Qt: stays quick

    if args.command in CLI_COMMANDS:
        return run_remote_command(args.command, getattr(args, "json", False))
    return run_desktop_app(args)


def run_desktop_app(args) -> int:
    """Build the dictation app, wire it, and run until the user quits (GUI thread)."""
    from app.terminal import error_line

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        error_line("the dictation app needs a desktop session (no DISPLAY or WAYLAND_DISPLAY is "
                   "set). From a terminal without one, `python main.py transcribe FILE` still works.")
        return EXIT_NO_DESKTOP

    from app.startup_clock import StartupClock

    startup = StartupClock()  # counts from the process's start, whenever it is made
    from app.process_memory import import_qt, limit_malloc_arenas

    limit_malloc_arenas()  # before the first thread starts
    import_qt()  # before any other Qt import: PySide6 without its source-keeping import hook
    from app.instance import InstanceServer, hand_over
    from app.settings import load_settings, open_settings
    from engine.engine_process import early_process_engine
    from engine.model_store import ModelStore

    # One instance: a second launch raises the first one's window and leaves, before it loads
    # anything. The server answers from the event loop, by when ``report`` exists.
    server = InstanceServer(lambda: report.state_word(), describe=lambda: report.to_json())
    try:
        first = server.claim()
    except OSError as error:  # e.g. its folder belongs to another user: say so, do not crash
        error_line(f"cannot start: {error}")
        return 1
    if not first:
        return 0 if hand_over() else 1
    from app.crash_trace import keep_crash_traces, previous_crash_notice
    from app.logs import default_log_dir

    # A native crash from here on leaves every thread's stack; the last one's is said now.
    previous_crash = keep_crash_traces(default_log_dir())

    store = open_settings()
    loaded = load_settings(store)
    settings = loaded.settings
    models = ModelStore()
    model_path, problem = resolve_model(models, args.model or settings.model)
    # whisper.cpp runs in a child process: a crash inside it fails one dictation, not the app.
    # It starts loading the model now, while this thread imports and builds the rest: launch
    # → ready is the longer of the two, not their sum.
    load_engine_process = early_process_engine(model_path)
    startup.mark("engine_started")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.engine_worker import EngineWorker
    from ui.stepwise_import import StepwiseImport
    from ui.gui_thread_gc import GuiThreadCollector
    from ui.pending_notices import PendingNotices
    from ui.state_style import app_icon

    startup.mark("qt_imported")
    app = QApplication(sys.argv[:1])
    app.setApplicationDisplayName("Murmur")
    app.setDesktopFileName("murmur")
    app.setWindowIcon(app_icon())
    # Cycles of Qt objects must be freed on this thread, never on an engine or capture thread.
    collector = GuiThreadCollector(parent=app)
    collector.start()
    try:
        server.listen()
    except OSError as error:
        error_line(f"cannot start: {error}")
        return 1

    pending = PendingNotices()  # until the window exists (it is built after the loop starts)
    for notice in loaded.warnings:
        pending.show(notice)
    pending.show(problem or "")
    pending.show(previous_crash_notice(previous_crash))

    worker = EngineWorker(model_path, settings.transcribe_options(), load_engine_process,
                          native_here=False)
    # Its signals are queued until the event loop runs, by when every connection below exists.
    worker.start()
    try:
        from app.bridge import CallBridge
        from app.controller import DictationController, HotkeyBridge
        from app.cues import CueOptions, Cues
        from app.history import History, HistoryError, HistoryKeeper, default_history_path
        from app.recorder import RingRecorder, default_spool_dir
        from app.state import State
        from app.status_report import StatusReport
        from app.streaming import STREAM_DRAIN_MS, SegmentStreamer
        from app.termination import TerminationSignals
        from app.text_shaper import TextShaper
        from audio.capture import Capture
        from audio.deferred_vad import DeferredVad, check_available
        from audio.devices import SoundDeviceBackend
        from audio.vad import VadUnavailable
        from desktop.chord import parse_chord
        from desktop.clipboard import Clipboard
        from desktop.hotkey import HotkeyListener
        from desktop.inject import Injector
        from desktop.selection import SelectionError, SelectionOwner
        from desktop.xwindow import XDesktop
        from engine.postprocess import PostProcessOptions
    except BaseException:  # a broken install: stop the engine's thread and child, then say why
        worker.stop()
        raise

    startup.mark("imports_done")
    capture_events = CallBridge()  # Capture calls it on its worker thread; Qt queues the signal
    capture = Capture(SoundDeviceBackend(), settings.capture_options(), on_event=capture_events)
    capture.start()  # the microphone opens on the capture's thread
    try:  # transcribe finished pieces while the person still speaks (app/streaming.py)
        check_available()
        # Silero's weights are read on a thread once the loop runs; the first
        # dictation waits for it if it must (audio/deferred_vad.py).
        vad = DeferredVad()
        QTimer.singleShot(0, vad.start)
        streamer = SegmentStreamer(vad, worker)
    except VadUnavailable as error:
        streamer = None
        pending.show(f"Transcribing after release only: {error}")
    recorder = RingRecorder(capture, default_spool_dir(), STREAM_DRAIN_MS, streamer)
    try:
        owner = SelectionOwner()
    except SelectionError as error:  # no X clipboard to own: insertion will say so each time
        owner = None
        pending.show(str(error))
    injector = Injector(Clipboard(owner), XDesktop())
    chord = parse_chord(settings.hotkey)
    shaper = TextShaper(PostProcessOptions(replacements=settings.replacements))
    controller = DictationController(recorder, worker, injector, chord, settings.inject_options(),
                                     shaper=shaper, gesture=settings.gesture)
    cues = Cues(CueOptions(settings.sound_on_start, settings.sound_on_stop))
    hotkey_events = HotkeyBridge()  # pynput's thread only calls it
    listener = HotkeyListener(chord, hotkey_events)
    history = History(default_history_path())
    keeper = HistoryKeeper(history)

    # Engine ↔ controller ↔ history; remote commands and the hotkey → controller. All of it
    # works before the window exists: a dictation can start as soon as the loop runs.
    worker.transcribed.connect(controller.transcribed)
    worker.transcription_failed.connect(controller.transcription_failed)
    worker.model_failed.connect(controller.fail)
    worker.result_ready.connect(keeper.on_result)
    controller.dictation_finished.connect(keeper.on_dictation_finished)
    controller.dictation_finished.connect(recorder.settle_finished)
    controller.state_changed.connect(recorder.on_state_changed)  # cancel drops, failure keeps
    hotkey_events.key_event.connect(controller.on_key)
    controller.state_changed.connect(cues.on_state_changed)
    for requested, slot in ((server.toggle_requested, controller.toggle),
                            (server.start_requested, controller.start),
                            (server.stop_requested, controller.stop),
                            (server.cancel_requested, controller.cancel)):
        requested.connect(slot)
    for notices in (controller.notice, recorder.notice, keeper.notice, worker.model_failed):
        notices.connect(pending.show)
    # A lost microphone finishes a recording with its audio so far; the controller says so.
    capture_events.delivered.connect(controller.on_capture_event)
    # The capture started before anything listened: what it said then is not lost.
    if (said := capture.last_event()) is not None:
        controller.on_capture_event(said)

    # The model's latest problem, for the banner built with the window: the load may fail
    # before it exists (a damaged file fails at once).
    model_problem = [problem]
    worker.model_failed.connect(lambda message: model_problem.__setitem__(0, message))
    worker.model_loaded.connect(lambda _name: model_problem.__setitem__(0, None))
    report = StatusReport(controller, capture, lambda: settings, model_path.name,
                          startup=startup)
    report.window_text = lambda: pending.held[-1] if pending.held else ""
    # Until the window (and its banners) exist: no banner says anything yet, and the kept
    # dictations are not counted yet (None).
    report.details = lambda: {"kept_dictations": None, "model_problem": None, "banners": []}
    worker.model_loaded.connect(lambda _name: (setattr(report, "model_loaded", True),
                                               startup.mark("model_loaded")))
    try:  # open it now: a damaged file is moved aside, and said, before the first dictation
        history.entries(limit=1)
    except HistoryError as error:
        pending.show(str(error))
    pending.show(history.notice or "")
    if settings.history_days:
        history.prune(settings.history_days)
    armed = listener.start()
    report.hotkey_armed = armed.ok
    if armed.ok:
        startup.mark("hotkey_armed")
    else:
        pending.show(armed.message)
    late: dict = {}  # what the window's wiring made that quitting must stop

    def build_views() -> None:
        """The window, tray and dialogs: after the loop runs, since the hotkey needs none."""
        from ui.main_window import MainWindow  # imported already, step by step (below)
        from ui.tray import Tray

        startup.mark("views_imported")
        window = MainWindow(capture.ring)
        window.spectrogram.live_changed.connect(capture.set_live)  # samples only while drawn
        tray = late["tray"] = Tray()
        wire_views(app, window, tray, controller, keeper, worker, history, server, settings,
                   pending)
        worker.preview_changed.connect(window.set_transcript)  # the text so far, while speaking
        settings_now, apply_settings = wire_settings(window, tray, store, settings, models,
                                                     capture, worker, shaper, controller,
                                                     listener, cues)
        report.settings_now = settings_now
        late["files"] = wire_tools(window, controller, models, settings_now, apply_settings)
        report.details = wire_recovery(app, window, tray, server, recorder, worker, controller,
                                       keeper, shaper, models, settings_now, apply_settings,
                                       model_problem[0])
        window.hidden_to_tray.connect(lambda: tray.show_message(
            "Murmur is still running",
            f"Hold {settings_now().hotkey} to dictate; quit from this icon."))
        # A dictation may already have run: show where the controller is now.
        window.set_state(controller.state)
        tray.set_state(controller.state)
        report.window_text = window.status.text
        tray.show()
        window.show()
        startup.mark("window_shown")

    def shut_down() -> None:
        if "tray" in late:
            late["tray"].hide()
        listener.stop()
        controller.close()
        if controller.state in (State.RECORDING, State.TRANSCRIBING):  # no text yet: kept,
            recorder.keep_unfinished()  # offered at the next launch; a quit loses no words
        recorder.save_held()  # failed dictations the disk refused: one more try, or lost
        if "files" in late:
            late["files"].stop()
        worker.stop()
        capture.stop()
        history.close()
        if owner is not None:
            owner.close()
        server.close()
        collector.stop()

    app.aboutToQuit.connect(shut_down)
    # A logout or `kill` (SIGTERM) quits through the same path as the tray's Quit.
    TerminationSignals(app).requested.connect(app.quit)
    # Ready needs the event loop too: until it runs, a hotkey press waits in the queue.
    QTimer.singleShot(0, lambda: startup.mark("event_loop"))
    # The window's imports (pyqtgraph: the largest part of a launch) run one module per turn of
    # the loop, which answers in between; then the window is built (ui/stepwise_import). They
    # start once the model is loaded (or failed), so the engine child has the second core to
    # itself until a dictation can run; a slow load holds the window back VIEWS_WAIT_MS at most.
    def import_views() -> None:
        if "importer" not in late:  # once: the first of loaded, failed or the wait
            late["importer"] = StepwiseImport(VIEW_MODULES, build_views)

    for settled in (worker.model_loaded, worker.model_failed):
        settled.connect(import_views)
    QTimer.singleShot(VIEWS_WAIT_MS, import_views)
    log.info("Murmur is running: hold %s to dictate", settings.hotkey)
    return app.exec()


def wire_views(app, window, tray, controller, keeper, worker, history, server, settings,
               pending) -> None:
    """The window and tray show the state and messages, and send the user's intents.

    ``pending`` (``ui.pending_notices``) carries every notice source's messages, held until now."""
    from PySide6.QtGui import QGuiApplication

    from app.history import HistoryError

    window.set_hide_on_close(tray.available)
    app.setQuitOnLastWindowClosed(not tray.available)  # with a tray, closing only hides
    window.set_hotkey(settings.hotkey)
    controller.state_changed.connect(window.set_state)
    controller.state_changed.connect(tray.set_state)
    pending.attach(window.show_notice)
    controller.dictation_finished.connect(lambda text, _result: window.set_transcript(text))
    keeper.entry_added.connect(window.add_entry)

    window.toggle_requested.connect(controller.toggle)
    window.cancel_requested.connect(controller.cancel)
    tray.toggle_requested.connect(controller.toggle)
    tray.cancel_requested.connect(controller.cancel)
    tray.show_window_requested.connect(window.show_and_raise)
    server.raise_requested.connect(window.show_and_raise)
    tray.quit_requested.connect(app.quit)
    window.copy_requested.connect(lambda text: QGuiApplication.clipboard().setText(text))
    # "Paste again" goes to the window of the last dictation (brought to the front), or the
    # clipboard with a notice when it is gone; only when no dictation is running.
    window.paste_requested.connect(controller.reinsert)

    def delete_entry(entry_id: int) -> None:
        try:
            history.delete(entry_id)
        except HistoryError as error:
            window.show_notice(str(error))
        else:
            window.remove_entry(entry_id)

    window.delete_requested.connect(delete_entry)
    try:
        window.set_entries(history.entries())
    except HistoryError as error:
        window.show_notice(str(error))


def wire_settings(window, tray, store, settings, models, capture, worker, shaper, controller,
                  listener, cues):
    """The settings dialog: edits are saved and applied to the running objects.

    Returns ``(settings_now, apply)``: the current settings, and the function that saves and
    applies new ones (the model manager's "use as default" goes through it)."""
    from app.cues import CueOptions
    from app.settings import save_settings, set_start_at_login
    from desktop.chord import parse_chord
    from engine.errors import ModelFileError
    from engine.postprocess import PostProcessOptions
    from ui.settings_dialog import SettingsDialog

    current = [settings]

    def apply(new) -> None:
        old, current[0] = current[0], new
        try:
            save_settings(store, new)
        except OSError as error:
            window.show_notice(f"Settings could not be saved: {error}")
        if new.start_at_login != old.start_at_login:
            set_start_at_login(new.start_at_login, [sys.executable, str(MAIN_FILE)])
        if new.input_device != old.input_device:
            capture.select_device(new.input_device)
        worker.set_options(new.transcribe_options())
        shaper.set_options(PostProcessOptions(replacements=new.replacements))
        if new.model != old.model:
            try:
                worker.load_model(models.resolve(new.model))
            except ModelFileError as error:
                window.show_notice(str(error))
        controller.set_inject_options(new.inject_options())
        controller.set_gesture(new.gesture)
        cues.set_options(CueOptions(new.sound_on_start, new.sound_on_stop))
        if new.hotkey != old.hotkey:
            chord = parse_chord(new.hotkey)
            controller.set_chord(chord)
            listener.set_chord(chord)
            window.set_hotkey(new.hotkey)
        if (new.preroll_ms, new.keep_microphone_open) != (old.preroll_ms,
                                                          old.keep_microphone_open):
            window.show_notice("The new pre-roll and microphone settings take effect when "
                               "Murmur restarts.")

    def open_dialog() -> None:
        dialog = SettingsDialog(current[0], [m.name for m in models.installed()],
                                [d.name for d in capture.devices()], window)
        dialog.settings_accepted.connect(apply)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()  # window-modal: the event loop and the hotkey keep running

    window.settings_requested.connect(open_dialog)
    tray.settings_requested.connect(lambda: (window.show_and_raise(), open_dialog()))
    return (lambda: current[0]), apply


def wire_tools(window, controller, models, settings_now, apply_settings):
    """"Models…" opens the model manager; "Transcribe files…" and dropped files the file dialog.

    Both are made when first asked for. Files are transcribed by their own worker thread and
    engine (loaded on the first file), which waits between chunks while a dictation runs.
    Returns the file tools (``ui/file_tools.py``): stop them on quit.
    """
    from dataclasses import replace

    from app.state import State
    from engine.engine_process import load_process_engine
    from ui.file_tools import FileTools

    files = FileTools(lambda: load_process_engine(models.resolve(settings_now().model)),
                      lambda: settings_now().transcribe_options(), window)
    busy = (State.RECORDING, State.TRANSCRIBING, State.PASTING)
    files.pause(controller.state in busy)  # the window may come up mid-dictation
    controller.state_changed.connect(lambda state: files.pause(state in busy))
    files.notice.connect(window.show_notice)

    def open_models() -> None:
        # Imported on first use: with downloads and imports come ssl, urllib and email, ~9 MiB
        # the app would otherwise hold from launch for a dialog most sessions never open.
        from app.model_actions import ModelActions
        from ui.model_manager import ModelManagerDialog

        dialog = ModelManagerDialog(ModelActions(models), settings_now().model, window)
        dialog.default_chosen.connect(
            lambda name: apply_settings(replace(settings_now(), model=name)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()  # window-modal: dictation keeps working

    window.files_requested.connect(files.show_with)
    window.models_requested.connect(open_models)
    return files


def wire_recovery(app, window, tray, server, recorder, worker, controller, keeper, shaper,
                  models, settings_now, apply_settings, problem):
    """Kept dictations (the app was killed mid-dictation, or one failed) are offered for
    transcription (banner, tray, ``main.py retry``); an unusable model is said (``problem`` at
    start, or the worker's load error), with an offer to get the default one again. Returns
    what ``status --json`` adds: the kept dictations, the model problem, the banners shown."""
    from dataclasses import replace

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication

    from app.kept_recordings import KeptRecordings
    from app.recorder import default_spool_dir
    from engine.catalog import DEFAULT_MODEL
    from ui.banners import KeptBanner, ModelBanner

    kept = KeptRecordings(default_spool_dir(), recorder, worker,
                          lambda raw: shaper.shape(raw, None), keeper.on_dictation_finished,
                          lambda text: QGuiApplication.clipboard().setText(text),
                          lambda: settings_now().retention())
    recorder.kept.connect(kept.on_kept)
    controller.state_changed.connect(kept.on_state_changed)  # after the recorder decided
    worker.transcribed.connect(kept.on_transcribed)
    worker.transcription_failed.connect(kept.on_failed)
    kept.notice.connect(window.show_notice)
    server.retry_requested.connect(kept.transcribe_all)
    kept_banner = KeptBanner(kept, window)
    window.add_banner(kept_banner)
    kept.enforce_retention()
    waiting = kept.recordings()
    if waiting:  # once the event loop runs, the tray icon is up
        title = (f"{len(waiting)} dictations were not transcribed" if len(waiting) > 1
                 else "A dictation was not transcribed")
        QTimer.singleShot(0, lambda: tray.show_message(
            title, f"From {waiting[0].label()}: open Murmur to transcribe or discard it."))

    def provision(progress, cancel):
        return models.default_model(lambda _what, fraction: progress(int(fraction * 1000), 1000))

    def use(path) -> None:
        if settings_now().model != DEFAULT_MODEL:
            apply_settings(replace(settings_now(), model=DEFAULT_MODEL))  # saves and loads it
        else:
            worker.load_model(path)

    banner = ModelBanner(provision, f"&Get the default model ({DEFAULT_MODEL})", window)
    worker.model_failed.connect(banner.show_problem)
    worker.model_loaded.connect(banner.clear_problem)
    banner.provisioned.connect(use)
    window.add_banner(banner)
    app.aboutToQuit.connect(banner.stop)
    if problem:
        banner.show_problem(problem)
    shown = (kept_banner, banner)
    return lambda: {"kept_dictations": kept.summary(), "model_problem": banner.problem,
                    "banners": [b.message.text() for b in shown if not b.isHidden()]}


def resolve_model(models, choice: str) -> tuple[Path, str | None]:
    """The model file to load, and a sentence for the user when it is not there. The app still
    starts: the engine worker reports the missing file and dictation says why it cannot run."""
    from engine.errors import ModelFileError

    try:
        return models.resolve(choice), None
    except ModelFileError as error:
        looks_like_path = os.sep in choice or choice.endswith(".bin")
        return (Path(choice) if looks_like_path else models.path_for(choice)), str(error)


if __name__ == "__main__":
    sys.exit(main())
