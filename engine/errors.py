"""Errors the engine layer raises, each carrying a message fit to show a user.

Every failure that a person can cause or fix (a missing or damaged model file, an unreadable
audio file, a failed download) is one of these, so the CLI and the app can print ``str(error)``
and carry on instead of showing a traceback.
"""


class MurmurError(Exception):
    """Base class: ``str(error)`` is one clear sentence for the user."""


class ModelFileError(MurmurError):
    """A model file is missing, truncated, corrupt, or not a whisper.cpp ggml model."""


class ModelImportError(MurmurError):
    """A directory given to ``models import`` is not a Whisper model we can convert."""


class DownloadError(MurmurError):
    """A model download failed (network, checksum, disk); nothing was left in place of a model."""


class DownloadCancelled(DownloadError):
    """The caller set the cancel event; the partial file is kept for a later resume.

    Defined here, not in engine/download_check.py, so that the UI's task runner can tell it
    apart without importing hashlib, and OpenSSL's libcrypto (3.5 MiB) with it, at launch."""


class EngineError(MurmurError):
    """whisper.cpp could not load the model or transcribe."""


class EngineCrashed(EngineError):
    """The engine's process died (a crash inside whisper.cpp) or hung; it is being restarted."""


class TranscriptionStopped(EngineError):
    """The caller's ``stop_when`` asked a transcription to stop and whisper.cpp did, at the end
    of its encoder or of a decoder pass (a speculation no longer wanted).

    Attributes:
        engine_seconds: What whisper.cpp spent before it stopped.
    """

    def __init__(self, engine_seconds: float) -> None:
        super().__init__("Transcription stopped.")
        self.engine_seconds = engine_seconds
