"""How long dictation audio is kept: the user's retention setting (applied by app/kept_audio.py).

Its own module, free of numpy, because the settings load it at every launch before the engine
starts (main.py), and ``app/kept_audio.py`` needs numpy for the audio itself.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class KeepAudio(enum.Enum):
    """How long a dictation's audio is kept; ``value`` is the word in the settings file."""

    UNTIL_TRANSCRIBED = "until_transcribed"  # deleted once its text is in history
    DAYS = "days"  # every dictation's audio, transcribed or not, for ``Retention.days``


@dataclass(frozen=True)
class Retention:
    """The retention setting: ``policy``, and ``days`` for ``KeepAudio.DAYS``."""

    policy: KeepAudio = KeepAudio.UNTIL_TRANSCRIBED
    days: int = 7
