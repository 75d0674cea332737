"""A tiny Murmur stand-in for the instance tests: ``InstanceServer`` + a fake controller.

Run as a process. Prints ``ready`` once it is the running instance, or ``handed-over`` (after
asking the running one to raise its window) and exits 0, as a second launch of the app does.
Prints ``raised`` and ``command <name>`` lines as requests arrive, so the test can follow.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from app.instance import InstanceServer, hand_over  # noqa: E402
from app.state import Event, State, transition  # noqa: E402


class FakeController:
    """The state table without effects: enough to answer ``status`` truthfully."""

    def __init__(self) -> None:
        self.state = State.IDLE

    def handle(self, event: Event) -> None:
        print(f"command {event.value}", flush=True)
        self.state = transition(self.state, event) or self.state


def main() -> int:
    app = QCoreApplication(sys.argv)
    controller = FakeController()
    server = InstanceServer(lambda: controller.state.value)
    if not server.listen():
        return 0 if hand_over() and print("handed-over", flush=True) is None else 1
    server.raise_requested.connect(lambda: print("raised", flush=True))
    for signal, event in ((server.toggle_requested, Event.TOGGLE),
                          (server.start_requested, Event.START),
                          (server.stop_requested, Event.STOP),
                          (server.cancel_requested, Event.CANCEL)):
        signal.connect(lambda e=event: controller.handle(e))
    print("ready", flush=True)
    code = app.exec()
    server.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
