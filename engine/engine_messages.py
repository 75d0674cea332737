"""The messages between ``ProcessEngine`` and its child (engine/engine_child.py tells the order).

Each is a small frozen dataclass sent pickled over a ``multiprocessing.connection.Connection``;
the audio itself follows a ``Request`` as raw bytes. Both sides import this module, so a message
unpickles as the same class on either side.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.ggml_format import GgmlModelInfo
from engine.options import TranscribeOptions, Transcript


@dataclass(frozen=True)
class Ready:
    """The model is loaded and warm."""

    info: GgmlModelInfo
    multilingual: bool
    load_seconds: float


@dataclass(frozen=True)
class Failed:
    """A ``MurmurError`` (or a bug) in the child: ``kind`` is the class name in engine.errors."""

    kind: str
    message: str


@dataclass(frozen=True)
class Request:
    """Transcribe the float32 samples sent right after this (``send_bytes``). ``stoppable``:
    the parent may send ``Stop`` while this runs."""

    options: TranscribeOptions
    stoppable: bool = False


@dataclass(frozen=True)
class Stop:
    """Stop the stoppable request under way (``Stopped`` answers it, or ``Done`` if it ended
    first). One that arrives between requests is late and ignored."""


@dataclass(frozen=True)
class Stopped:
    """The last request stopped as asked, after ``engine_seconds`` in whisper.cpp."""

    engine_seconds: float


@dataclass(frozen=True)
class Rest:
    """Nothing more is coming soon (a dictation or job is over): give memory back now. No reply."""


@dataclass(frozen=True)
class Busy:
    """The child has the samples and is about to run ``whisper_full``."""


@dataclass(frozen=True)
class Done:
    """The transcript of the last request."""

    transcript: Transcript
