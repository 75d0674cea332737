"""whisper.cpp behind a small interface: load a ggml model once, keep it warm, transcribe.

We drive pywhispercpp's native binding (``_pywhispercpp``) directly rather than its ``Model``
class because the class fixes greedy-or-beam at construction and downloads models by name; we
want one loaded context that serves any ``TranscribeOptions``, and no network.

whisper.cpp aborts the whole process on some malformed files, and its loader returns a
null context (which pybind still wraps) on others. So every file is checked by
``inspect_ggml`` (header, hyper-parameters, every tensor header, exact size) before the
native loader sees it, and the loader's own error log is watched as a second line of defence.

Threads: ``transcribe`` runs on the caller's thread (the app's engine worker, or the CLI's main
thread); it releases the GIL inside ``whisper_full``. A lock keeps calls one at a time because a
whisper context holds one decoding state.
"""
from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine.errors import EngineError, ModelFileError, TranscriptionStopped
from engine.ggml_format import GgmlModelInfo, inspect_ggml
from engine.options import AUTO_LANGUAGE, SAMPLE_RATE, Decoding, Segment, Transcript, TranscribeOptions

log = logging.getLogger(__name__)

# ggml's log levels: whisper.cpp reports load failures at ERROR.
_GGML_LOG_ERROR = 4

# whisper.cpp needs at least this much audio (100 ms) to produce a mel frame window; shorter
# input is padded with silence rather than rejected.
_MIN_SAMPLES = SAMPLE_RATE // 10


#: ``stopping`` is true on a thread whose transcription its caller asked to stop, until
#: ``whisper_full`` returns: whisper.cpp then logs "failed to decode", which is no failure.
_stop_state = threading.local()


def _log_native(level: int, text: str) -> None:
    """whisper.cpp's messages after loading: to logging, never to the terminal."""
    text = text.strip()
    if text:
        failed = level >= _GGML_LOG_ERROR and not getattr(_stop_state, "stopping", False)
        log.log(logging.WARNING if failed else logging.DEBUG, "whisper.cpp: %s", text)


class _StopCheck:
    """whisper.cpp's abort callback for one ``transcribe``: asks ``stop_when`` after the encoder
    and after each decoder pass (whisper.cpp checks nowhere else), and answers True from the
    first time it says so. It runs inside ``whisper_full``, with the GIL taken for it, so it
    never raises: an exception would unwind through C."""

    def __init__(self, stop_when: Callable[[], bool]) -> None:
        self._stop_when = stop_when
        self.asked = False

    def __call__(self) -> bool:
        if not self.asked:
            try:
                self.asked = bool(self._stop_when())
            except Exception:  # noqa: BLE001 - see the class docstring
                log.exception("stop_when failed; the transcription goes on")
                return False
            _stop_state.stopping = self.asked
        return self.asked


def native_binding():
    """Import the binding late so that importing ``engine`` stays cheap for tests and tools.

    whisper.cpp's OpenMP threads spin while they wait for each other unless told otherwise. On
    a desktop whose cores other programs use too, a spinning thread waits for a preempted
    partner: under load one call took 20-30x longer and burned ~35x the CPU
    (docs/PERFORMANCE.md, "Streaming"). The wheel's own libgomp reads the policy once, when it
    loads with the binding, so it is set here first; an explicit ``OMP_WAIT_POLICY`` wins.
    Sleeping at every barrier made a one-token decoder pass slower on two threads than on one,
    so such passes run on one (patches/whisper.cpp-one-token-one-thread.patch).
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    import _pywhispercpp

    return _pywhispercpp


_native = native_binding


def _drop_log_callback(modules: dict = sys.modules) -> None:
    """Hand whisper.cpp's logger back to its default while Python still runs (at exit).

    The binding keeps our log function in a C++ global. Left there, the C++ exit handlers
    release it after Python has finalised, without the GIL: when that drops the last reference
    the process aborts ("PyThreadState_Get: ... the GIL is released", exit status 134). A pytest
    run did, depending only on the order in which its test modules were imported.
    """
    binding = modules.get("_pywhispercpp")  # never loaded: nothing to release
    if binding is not None:
        binding.whisper_log_set(None)


atexit.register(_drop_log_callback)


class WhisperEngine:
    """A loaded whisper.cpp model.

    Args:
        model_path: a whisper.cpp ggml ``.bin`` file.

    Raises:
        ModelFileError: the file is missing, truncated, corrupt or not a ggml Whisper model.
        EngineError: whisper.cpp refused the file anyway.
    """

    def __init__(self, model_path: Path):
        self.model_path = Path(model_path)
        self.info: GgmlModelInfo = inspect_ggml(self.model_path)
        self._lock = threading.Lock()
        self._pw = _native()
        self._load_errors: list[str] = []
        self._pw.whisper_log_set(self._on_native_log)
        params = self._pw.whisper_context_default_params()
        params.use_gpu = False
        # Flash attention: no full attention matrices in the compute buffers. Measured on the
        # speech set (base q8_0, 2 threads): the process's RSS after transcribing 295 -> 205 MB,
        # 18 % less CPU, WER 28.9 -> 28.6 % (docs/PERFORMANCE.md, Resources).
        params.flash_attn = True
        started = time.perf_counter()
        self._ctx = self._pw.whisper_init_from_file_with_params(str(self.model_path), params)
        self.load_seconds = time.perf_counter() - started
        # From here on whisper.cpp's messages only go to logging; the bound method would keep
        # this engine alive through the binding's global callback.
        self._pw.whisper_log_set(_log_native)
        if self._load_errors:
            raise EngineError(
                f"whisper.cpp could not load {self.model_path.name}: {self._load_errors[-1]}"
            )
        self.multilingual = bool(self._pw.whisper_is_multilingual(self._ctx))
        # A binding built without patches/whisper.cpp-draft-tokens.patch decodes every token.
        self.takes_drafts = hasattr(self._pw, "whisper_set_draft_tokens")
        # What whisper.cpp was built with ("AVX512 = 1 | LLAMAFILE = 1 | ..."): set-up's build
        # has tiled matrix products, PyPI's wheel does not, and its encoder is ~1.6x slower here.
        self.build_features = self._pw.whisper_print_system_info().strip()
        log.info("loaded %s (%s, %s) in %.2f s", self.model_path.name, self.info.size_name,
                 self.info.ftype, self.load_seconds)
        log.debug("whisper.cpp build: %s", self.build_features)

    def _on_native_log(self, level: int, text: str) -> None:
        """Route whisper.cpp's chatter to logging (debug) and remember its errors."""
        text = text.strip()
        if level == _GGML_LOG_ERROR:
            self._load_errors.append(text.split(": ", 1)[-1])
            log.warning("whisper.cpp: %s", text)
        elif text:
            log.debug("whisper.cpp: %s", text)

    def _full_params(self, options: TranscribeOptions):
        pw = self._pw
        beam = options.decoding is Decoding.BEAM
        strategy = (pw.whisper_sampling_strategy.WHISPER_SAMPLING_BEAM_SEARCH if beam
                    else pw.whisper_sampling_strategy.WHISPER_SAMPLING_GREEDY)
        params = pw.whisper_full_default_params(strategy)
        params.n_threads = options.threads
        params.translate = options.translate
        language = options.language if self.multilingual else "en"
        params.language = language
        params.detect_language = False
        if options.initial_prompt:
            params.initial_prompt = options.initial_prompt
        params.audio_ctx = options.audio_ctx
        if options.single_segment:
            params.single_segment = True
            params.no_timestamps = True
        if not options.temperature_fallback:
            params.temperature_inc = 0.0
        params.max_tokens = options.max_tokens
        if beam:
            params.beam_search = {"beam_size": options.beam_size, "patience": -1.0}
        else:
            params.greedy = {"best_of": options.best_of}
        params.print_progress = False
        params.print_realtime = False
        params.print_timestamps = False
        params.print_special = False
        params.no_context = True
        return params

    def rest(self) -> None:
        """Nothing to give back: in the app's own process there is no child to reload (only
        ``ProcessEngine.rest`` frees whisper.cpp's grown buffers)."""

    def transcribe(self, audio: np.ndarray, options: TranscribeOptions | None = None,
                   stop_when: Callable[[], bool] | None = None) -> Transcript:
        """Transcribe 16 kHz mono float32 samples.

        Args:
            audio: 1-D samples in [-1, 1] at 16 kHz.
            options: what to ask of the model; defaults follow the user's locale.
            stop_when: asked after the encoder and after each decoder pass, on this thread;
                when it returns True whisper.cpp stops there and ``TranscriptionStopped`` is
                raised (a decode that ends first returns its transcript as usual).

        Returns:
            The transcript with segments and timings.
        """
        options = options or TranscribeOptions()
        samples = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        audio_seconds = samples.size / SAMPLE_RATE
        if samples.size < _MIN_SAMPLES:
            samples = np.concatenate([samples, np.zeros(_MIN_SAMPLES - samples.size, np.float32)])
        params = self._full_params(options)
        stop = _StopCheck(stop_when) if stop_when is not None else None
        if stop is not None:
            params.set_abort_callback(stop)
        pw = self._pw
        with self._lock:
            if options.draft and self.takes_drafts:
                pw.whisper_set_draft_tokens(self._ctx, list(options.draft))
            started = time.perf_counter()
            try:
                status = pw.whisper_full(self._ctx, params, samples, samples.size)
            finally:
                _stop_state.stopping = False
            engine_seconds = time.perf_counter() - started
            if status != 0 and stop is not None and stop.asked:
                log.debug("transcription stopped after %.3f s", engine_seconds)
                raise TranscriptionStopped(engine_seconds)
            if status != 0:
                raise EngineError(f"whisper.cpp failed to transcribe (code {status})")
            segments = tuple(self._segments())
            token_ids = self._text_token_ids()
            draft_taken = pw.whisper_full_n_draft_taken(self._ctx) if self.takes_drafts else 0
            language = options.language
            if language == AUTO_LANGUAGE or not self.multilingual:
                language = pw.whisper_lang_str(pw.whisper_full_lang_id(self._ctx))
        text = " ".join(s.text for s in segments if s.text)
        return Transcript(text, segments, language, audio_seconds, engine_seconds, token_ids,
                          draft_taken)

    def _text_token_ids(self) -> tuple[int, ...]:
        """Text tokens of the last result: ids below end-of-text (the specials and timestamps
        come after it in Whisper's vocabulary)."""
        pw = self._pw
        eot = pw.whisper_token_eot(self._ctx)
        ids = (pw.whisper_full_get_token_id(self._ctx, i, t)
               for i in range(pw.whisper_full_n_segments(self._ctx))
               for t in range(pw.whisper_full_n_tokens(self._ctx, i)))
        return tuple(token for token in ids if token < eot)

    def _segments(self):
        pw = self._pw
        for i in range(pw.whisper_full_n_segments(self._ctx)):
            raw = pw.whisper_full_get_segment_text(self._ctx, i)
            text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
            # whisper.cpp segment times are in units of 10 ms.
            t0 = pw.whisper_full_get_segment_t0(self._ctx, i) / 100.0
            t1 = pw.whisper_full_get_segment_t1(self._ctx, i) / 100.0
            yield Segment(t0, t1, text.strip())

    def close(self) -> None:
        """Free the native context; the engine cannot be used afterwards."""
        if getattr(self, "_ctx", None) is not None:
            self._pw.whisper_free(self._ctx)
            self._ctx = None

    def __enter__(self) -> "WhisperEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def load_engine(model_path: Path) -> WhisperEngine:
    """Load ``model_path``, turning every failure into a ``ModelFileError``/``EngineError``."""
    if not Path(model_path).exists():
        raise ModelFileError(f"Model file not found: {model_path}")
    return WhisperEngine(Path(model_path))
