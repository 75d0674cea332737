"""History on real SQLite files: order, delete, clear, prune, permissions and every fault."""
from __future__ import annotations

import sqlite3
import stat

import pytest

from app.history import History, HistoryError, default_history_path


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def path(tmp_path):
    return tmp_path / "data" / "murmur" / "history.sqlite3"


def add(history: History, text: str):
    return history.add(text, audio_seconds=4.2, time_to_text_seconds=0.21, engine_seconds=0.35,
                       model="base", language="en")


def test_add_and_list_newest_first_with_limit(path):
    history = History(path, clock=Clock())
    first = add(history, "first")
    add(history, "zweiter Satz, ß ü é 中文")
    third = add(history, "third")
    entries = history.entries()
    assert [e.text for e in entries] == ["third", "zweiter Satz, ß ü é 中文", "first"]
    assert entries[0] == third
    assert entries[2] == first
    timings = (first.audio_seconds, first.time_to_text_seconds, first.engine_seconds)
    assert timings == (4.2, 0.21, 0.35)
    assert (first.model, first.language) == ("base", "en")
    assert [e.text for e in history.entries(limit=2)] == ["third", "zweiter Satz, ß ü é 中文"]
    history.close()
    assert [e.text for e in History(path).entries()] == [e.text for e in entries]  # persisted


def test_delete_clear_and_prune(path):
    clock = Clock()
    history = History(path, clock=clock)
    old = add(history, "old")
    clock.now += 10 * 86400
    kept = add(history, "new")
    gone = add(history, "gone")
    history.delete(gone.id)
    history.delete(gone.id)  # deleting twice is fine
    assert history.prune(0) == 0
    assert history.prune(5) == 1
    assert history.entries() == [kept]
    assert old.id != kept.id
    history.clear()
    assert history.entries() == []
    assert history.notice is None


def test_private_permissions(path):
    history = History(path)
    add(history, "secret")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for journal in path.parent.glob("history.sqlite3-*"):
        assert stat.S_IMODE(journal.stat().st_mode) == 0o600, journal


def test_default_path_is_in_the_xdg_data_dir(isolated_user_dirs):
    assert default_history_path() == (isolated_user_dirs / "xdg_data_home" / "murmur"
                                      / "history.sqlite3")


@pytest.mark.parametrize("damage", ["garbage", "truncated_page"])
def test_corrupt_database_is_moved_aside_and_a_new_one_started(path, damage):
    history = History(path, clock=Clock())
    for i in range(200):
        add(history, f"entry {i} " * 20)
    history.close()
    data = bytearray(path.read_bytes()) if path.stat().st_size else bytearray()
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all " * 100)
    else:  # keep the header, scribble over the b-tree pages
        data[4096:4096 * 3] = b"\xde\xad\xbe\xef" * (4096 * 2 // 4)
        path.write_bytes(bytes(data))
    history = History(path, clock=Clock())
    assert history.entries() == []
    assert history.notice is not None and "damaged" in history.notice
    moved = list(path.parent.glob("history.sqlite3.corrupt-*"))
    assert len(moved) == 1 and moved[0].name in history.notice
    assert add(history, "after").text == "after"
    assert [e.text for e in History(path).entries()] == ["after"]


def test_disk_full_raises_a_clear_history_error_and_recovers(path):
    history = History(path)
    add(history, "fits")
    db = history._connection()  # fault injection: cap the file at its current size
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages}")
    with pytest.raises(HistoryError, match="disk is full"):
        for _ in range(50):
            add(history, "x" * 100_000)
    assert [e.text for e in history.entries()] == ["fits"]  # nothing half-written
    db.execute("PRAGMA max_page_count=1073741823")  # room again
    add(history, "later")
    assert len(history.entries()) == 2


def test_read_only_database_raises_history_error(path):
    history = History(path)
    add(history, "fits")
    history._connection().execute("PRAGMA query_only=1")  # fault injection: writes refused
    with pytest.raises(HistoryError, match="Could not save"):
        add(history, "refused")
    assert [e.text for e in history.entries()] == ["fits"]


def test_unreachable_data_dir_raises_history_error_on_each_call(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the data dir should be")
    history = History(blocker / "murmur" / "history.sqlite3")
    with pytest.raises(HistoryError, match="Could not save"):
        add(history, "nowhere")
    with pytest.raises(HistoryError):
        history.entries()
    blocker.unlink()  # the problem goes away: history works without a restart
    blocker.mkdir()
    add(history, "somewhere")
    assert [e.text for e in history.entries()] == ["somewhere"]


def test_the_file_is_plain_sqlite(path):
    add(History(path), "readable by other tools")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT text FROM entries").fetchall() == [("readable by other tools",)]


def test_keeper_joins_engine_timings_and_reports_history_errors(qtbot, path, tmp_path):
    from app.engine_worker import TranscriptionResult
    from app.history import HistoryKeeper

    now = [100.0]
    keeper = HistoryKeeper(History(path), clock=lambda: now[0])
    keeper.on_result(TranscriptionResult(3, "hello world", "en", 5.5, 0.4, 99.8, "ggml-base.bin"))
    with qtbot.waitSignal(keeper.entry_added) as added:
        keeper.on_dictation_finished("hello world", None)
    entry = added.args[0]
    assert (entry.text, entry.audio_seconds, entry.engine_seconds, entry.model, entry.language) \
        == ("hello world", 5.5, 0.4, "ggml-base.bin", "en")
    assert entry.time_to_text_seconds == pytest.approx(0.2)
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    broken = HistoryKeeper(History(blocker / "history.sqlite3"))
    with qtbot.waitSignal(broken.notice) as notice:
        broken.on_dictation_finished("still inserted", None)
    assert notice.args[0].startswith("Could not save")
