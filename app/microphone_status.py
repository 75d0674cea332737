"""What the dictation knows about the microphone, and the sentences that tell the user.

The capture (``audio.capture``) reports on the GUI thread what happens to the device
(``CaptureEvent``: opened, closed, lost, none found). The controller needs two answers from
that: does a microphone work right now, so a start while none does is refused with the reason
instead of recording silence that would read as "nothing was heard"; and did the microphone's
loss end the current recording, so an empty transcript says *why* nothing was heard. A lost
microphone ends a recording the way a release would (its audio so far is transcribed and
inserted); deciding when is the controller's, saying it is here.

Threads: GUI thread only, like the controller that owns it.
"""
from __future__ import annotations

from audio.capture_types import CaptureEvent, CaptureEventKind

NO_MICROPHONE = "Cannot record: {problem}"
MICROPHONE_LOST = "{problem} The dictation ended there; what you said until then is transcribed."
NOTHING_HEARD_NO_MICROPHONE = "Nothing was heard: the microphone went away. {problem}"
_PROBLEMS = (CaptureEventKind.DEVICE_LOST, CaptureEventKind.NO_DEVICE)
# CLOSED is on purpose (idle, device switch): after it the microphone is no longer known broken.
_FINE = (CaptureEventKind.OPENED, CaptureEventKind.CLOSED)


class MicrophoneStatus:
    """The capture's last word on the microphone, and whether it cut the current recording.

    Attributes:
        problem: Why no microphone works right now (the capture's message), or None.
    """

    def __init__(self) -> None:
        self.problem: str | None = None
        self._cut = False  # the microphone's loss ended the current dictation's recording

    def update(self, event: CaptureEvent) -> bool:
        """Take the capture's news; True if it is a problem the user must hear of."""
        if event.kind in _FINE:
            self.problem = None
        elif event.kind in _PROBLEMS:
            self.problem = event.message
            return True
        return False

    def recording_began(self) -> None:
        self._cut = False

    def recording_lost(self) -> str:
        """The microphone's loss ends the recording under way: the sentence that says so."""
        self._cut = True
        return MICROPHONE_LOST.format(problem=self.problem)

    def refusal(self) -> str:
        """Why a start is refused while ``problem`` is set."""
        return NO_MICROPHONE.format(problem=self.problem)

    def why_nothing_heard(self) -> str | None:
        """For an empty transcript: the microphone's loss, if it cut the recording short."""
        if not self._cut:
            return None
        return NOTHING_HEARD_NO_MICROPHONE.format(problem=self.problem or "")
