"""Silero VAD built on a thread of its own, so the app is ready before the detector is.

Building ``SileroVad`` once imported onnxruntime and created an inference session: 0.1–0.4 s that
a launch would otherwise spend on the GUI thread before the hotkey is armed (docs/PERFORMANCE.md,
Resources). Since it runs on numpy (audio/silero_net.py) the build only reads the 1.3 MB model
file (~10 ms), but it stays off the launch's path all the same, and its failure still only costs
the segmentation quality. ``DeferredVad`` runs that build on a daemon thread from ``start`` and
is the detector in the meantime: its first ``reset``/``process`` waits for the build to finish
(and starts it if nobody did). Nothing is lost by waiting: the recorder keeps the samples and
hands them over when the call returns, so a dictation started in the first fraction of a second
is segmented exactly like any other; it only meets the wait once.

If the build fails after ``check_available`` said yes (a damaged or unexpected model file), the
detector falls back to ``EnergyVad`` and logs why: pieces are still cut in pauses, by energy
instead of by Silero.

Threads: the build runs on its own thread; ``reset``/``process`` belong to one caller thread
(the streamer's), as with ``SileroVad``. The hand-over is a ``threading.Event``: the built
detector (or the error) is written before ``set`` and read after ``wait``.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

from audio.vad import EnergyVad, SileroVad, VadResult, silero_model_path

log = logging.getLogger(__name__)

#: How long the first use waits for the build before falling back to the energy detector. The
#: build takes well under a second even on a loaded machine; the bound only keeps a stuck
#: runtime from freezing the caller.
BUILD_WAIT_S = 20.0


def check_available() -> None:
    """Raise ``VadUnavailable`` now when Silero cannot be built at all (cheap: the model file is
    only looked for).

    Lets the composition root tell the user at launch, as it did when it built the detector
    itself, without reading the model on the GUI thread.
    """
    silero_model_path()


class DeferredVad:
    """A ``SileroVad`` that is being built on another thread; same interface.

    Args:
        build: Makes the real detector (default ``SileroVad``); runs on the build thread.
        wait_s: The longest the first use waits for it (``BUILD_WAIT_S``).
    """

    def __init__(self, build: Callable[[], object] = SileroVad,
                 wait_s: float = BUILD_WAIT_S) -> None:
        self._built = threading.Event()
        self._detector: object | None = None
        self._error: BaseException | None = None
        self._wait_s = wait_s
        self._real: object | None = None  # the caller thread's view, once resolved
        self._thread = threading.Thread(target=self._build, args=(build,), name="vad-build",
                                        daemon=True)

    def start(self) -> None:
        """Begin building (once). The app calls it when its event loop runs: before that, the
        build's imports would hold the interpreter lock that the launch's own thread needs."""
        if self._thread.ident is None:
            self._thread.start()

    def _build(self, build: Callable[[], object]) -> None:  # build thread
        try:
            self._detector = build()
        except Exception as error:  # noqa: BLE001 - any failure means: use the energy detector
            self._error = error
        finally:
            self._built.set()

    def wait_built(self, timeout: float | None = None) -> bool:
        """Whether the build has finished (successfully or not) within ``timeout`` seconds."""
        return self._built.wait(timeout)

    def _resolve(self) -> object:
        if self._real is None:
            self.start()  # used before the app started it: build now and wait
            if not self._built.wait(self._wait_s):
                log.warning("Silero VAD not built after %.0f s; cutting pieces by energy",
                            self._wait_s)
                self._real = EnergyVad()
            elif self._detector is None:
                log.warning("Silero VAD could not be built (%s); cutting pieces by energy",
                            self._error)
                self._real = EnergyVad()
            else:
                self._real = self._detector
        return self._real

    def reset(self) -> None:
        """Forget the recurrent state (waits for the build the first time)."""
        self._resolve().reset()

    def process(self, samples: np.ndarray) -> VadResult:
        """Speech probabilities of the frames ``samples`` completed (``SileroVad.process``)."""
        return self._resolve().process(samples)
