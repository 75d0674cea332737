"""CPU time and memory of a process tree, read from ``/proc`` (Linux only).

CPU share is measured the way ``top`` does over an interval: the CPU time a process used
divided by the wall time, in percent of one core. The time is each thread's
``/proc/<pid>/task/<tid>/schedstat`` (nanoseconds on a CPU), summed: clock ticks (``utime +
stime``, 10 ms each) are too coarse for an idle app, where 15 s at 0.7 % is ~10 ticks. A thread
that ends inside the interval takes its schedstat with it, so when the change in ``utime +
stime`` (``/proc/<pid>/stat`` fields 14 and 15, which keep ended threads' time) exceeds the sum
by more than two ticks, the ticks are used instead. A process tree is the root and every descendant alive when it is read; a child that
exits inside an interval is counted through its parent's ``cutime + cstime`` (fields 16 and 17),
which the kernel adds to when the child is reaped. Threads are listed per process with their
names (``/proc/<pid>/task/<tid>/comm``), so the table can say which thread spends the time.

Memory: ``VmRSS`` (resident now), ``VmHWM`` (the peak resident size) from ``/proc/<pid>/status``
and ``Pss`` from ``smaps_rollup`` (shared pages split between the processes that map them, so the
tree's total does not count a shared library twice).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def role(pid: int) -> str:
    """A readable name for a process: its script or module (``main.py``, ``engine.engine_child``),
    else its command name."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return "?"
    for i, arg in enumerate(args[1:], 1):
        if arg == "-m" and i + 1 < len(args):
            return args[i + 1]
        if arg.endswith(".py"):
            return Path(arg).name
    return Path(args[0]).name if args and args[0] else "?"


def _stat_fields(path: Path) -> list[str] | None:
    try:
        text = path.read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    head, _, rest = text.rpartition(")")
    return [head.split(" (", 1)[0], head.split(" (", 1)[1]] + rest.split()


@dataclass(frozen=True)
class ProcSample:
    """One process at one moment.

    Attributes:
        pid: Process id.
        start: Its start time (clock ticks after boot): with ``pid``, a unique key.
        name: Its script or module (``role``).
        ticks: ``utime + stime`` so far.
        reaped_ticks: ``cutime + cstime``: time of its exited, reaped children.
        threads: ``{thread id: (name, nanoseconds on a CPU so far)}``.
    """

    pid: int
    start: int
    name: str
    ticks: int
    reaped_ticks: int
    threads: dict[int, tuple[str, int]]


def sample(pid: int) -> ProcSample | None:
    """The process's CPU counters now, or None when it is gone."""
    fields = _stat_fields(Path(f"/proc/{pid}/stat"))
    if fields is None:
        return None
    threads: dict[int, tuple[str, int]] = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            name = (task / "comm").read_text().strip()
            threads[int(task.name)] = (name, int((task / "schedstat").read_text().split()[0]))
        except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError, IndexError):
            continue  # the thread ended while we looked
    return ProcSample(pid, int(fields[21]), role(pid), int(fields[13]) + int(fields[14]),
                      int(fields[15]) + int(fields[16]), threads)


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, parents first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(entry / "stat")
            if fields is not None:
                children.setdefault(int(fields[3]), []).append(int(entry.name))
    tree, queue = [], [root]
    while queue:
        pid = queue.pop(0)
        tree.append(pid)
        queue.extend(sorted(children.get(pid, [])))
    return tree


@dataclass(frozen=True)
class TreeSample:
    """Every process of a tree at one moment (``time.monotonic()`` seconds ``at``)."""

    at: float
    processes: tuple[ProcSample, ...]


def sample_tree(root: int) -> TreeSample:
    found = (sample(pid) for pid in descendants(root))
    return TreeSample(time.monotonic(), tuple(p for p in found if p is not None))


@dataclass(frozen=True)
class CpuShare:
    """CPU used between two samples, in percent of one core.

    Attributes:
        seconds: Wall time between the samples.
        total: The whole tree, exited children included.
        by_process: ``{"name[pid]": percent}``.
        by_thread: ``{"process name[pid]/thread name": percent}``, the busiest first.
    """

    seconds: float
    total: float
    by_process: dict[str, float]
    by_thread: dict[str, float]


def cpu_share(before: TreeSample, after: TreeSample) -> CpuShare:
    """The CPU the tree used from ``before`` to ``after``."""
    seconds = after.at - before.at
    tick_scale = 100.0 / TICKS_PER_SECOND / seconds
    ns_scale = 100.0 / 1e9 / seconds
    old = {(p.pid, p.start): p for p in before.processes}
    total = 0.0
    by_process: dict[str, float] = {}
    by_thread: dict[str, float] = {}
    for proc in after.processes:
        prior = old.get((proc.pid, proc.start))
        prior_threads = prior.threads if prior else {}
        key = f"{proc.name}[{proc.pid}]"
        spent_ns = 0
        for tid, (name, ns) in proc.threads.items():
            spent = ns - prior_threads.get(tid, (name, 0))[1]
            spent_ns += spent
            if spent > 0:
                thread_key = f"{key}/{name}"
                by_thread[thread_key] = by_thread.get(thread_key, 0.0) + spent * ns_scale
        used = spent_ns * ns_scale
        ticked = (proc.ticks - (prior.ticks if prior else 0)) * tick_scale
        if ticked > used + 2 * tick_scale:  # threads ended meanwhile: only the ticks keep theirs
            used = ticked
        reaped = (proc.reaped_ticks - (prior.reaped_ticks if prior else 0)) * tick_scale
        total += used + reaped
        by_process[key] = used + reaped
    ordered = dict(sorted(by_thread.items(), key=lambda item: -item[1]))
    return CpuShare(seconds, total, by_process, ordered)


@dataclass(frozen=True)
class Memory:
    """Resident memory of one process, in MiB."""

    name: str
    pid: int
    rss: float
    hwm: float
    pss: float


def memory(pid: int) -> Memory | None:
    """``VmRSS``, ``VmHWM`` and ``Pss`` of a process, or None when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    values = {}
    for line in (*status.splitlines(), *rollup.splitlines()):
        key, _, rest = line.partition(":")
        values[key.strip()] = rest.strip()

    def mib(key: str) -> float:
        return int(values.get(key, "0 kB").split()[0]) / 1024

    return Memory(role(pid), pid, mib("VmRSS"), mib("VmHWM"), mib("Pss"))


def tree_memory(root: int) -> list[Memory]:
    return [m for m in (memory(pid) for pid in descendants(root)) if m is not None]
