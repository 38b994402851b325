"""How much CPU the rest of the machine took during a run.

The 2 cores are shared with other work (other people's test runs, other virtual machines); a
number taken while something else was busy is not the same number. The watch reads the
machine's busy time, takes away what the bench itself used (the server's processes, wrk, the
PostgreSQL processes serving the bench's database) and what the kernel's own threads did (page
reclaim, writeback, network: mostly on the bench's behalf), and reports the rest.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterable

import psutil

CORES = os.cpu_count() or 1
# PostgreSQL's own helpers: their work is partly the bench's (writes, parallel scans of its
# queries, whose worker titles do not name the database), so they count as ours.
PG_HELPERS = (
    "checkpointer",
    "background writer",
    "walwriter",
    "autovacuum",
    "parallel worker",
)


def _busy_seconds() -> float:
    times = psutil.cpu_times()
    # Guest time is already in user time; interrupts are mostly the loopback traffic of the
    # run itself. Steal (another virtual machine's turn on the host's cores) stays in.
    skip = ("idle", "iowait", "guest", "guest_nice", "irq", "softirq")
    return sum(times) - sum(getattr(times, name, 0.0) for name in skip)


def _cpu_of(processes: Iterable[psutil.Process]) -> dict[int, float]:
    out = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        out[process.pid] = times.user + times.system
    return out


def _tree(pid: int | None) -> list[psutil.Process]:
    if pid is None:
        return []
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _postgres(database: str) -> list[psutil.Process]:
    """The backends serving `database`, and the server's helpers."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] != "postgres":
            continue
        title = " ".join(process.info["cmdline"] or [])
        if f" {database} " in title or any(helper in title for helper in PG_HELPERS):
            found.append(process)
    return found


def _kernel_threads() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["ppid"]) if p.pid == 2 or p.info["ppid"] == 2]


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once waited for
    return usage.ru_utime + usage.ru_stime


class CpuWatch:
    """`with CpuWatch(server_pid, database) as watch: ...`; then `watch.other_share` is the
    share of the machine's cores that anything else used during the block."""

    def __init__(
        self, server_pid: int | None, database: str | None = None, *, name_others: bool = False
    ) -> None:
        self.server_pid = server_pid
        self.database = database
        self.name_others = name_others  # find who the others are (costs a process scan)
        self.other_share = 0.0
        self.server_cores = 0.0
        self.others: list[tuple[str, float]] = []  # the busiest other processes, in cores

    def _snapshot(self) -> tuple[float, float, float, dict[int, float], dict[int, float]]:
        ours = _postgres(self.database) if self.database else []
        ours += _kernel_threads()
        tree = _cpu_of(_tree(self.server_pid))
        return time.perf_counter(), _busy_seconds(), _children_seconds(), tree, _cpu_of(ours)

    def _everyone(self) -> dict[int, tuple[str, float]]:
        out = {}
        for process in psutil.process_iter(["cmdline", "name", "cpu_times"]):
            times = process.info["cpu_times"]
            if times is not None:
                title = " ".join(process.info["cmdline"] or []) or process.info["name"] or "?"
                out[process.pid] = (title[:80], times.user + times.system)
        return out

    def __enter__(self) -> CpuWatch:
        self._before = self._snapshot()
        self._all_before = self._everyone() if self.name_others else {}
        return self

    def __exit__(self, *_exc: object) -> None:
        wall0, busy0, kids0, tree0, helpers0 = self._before
        wall1, busy1, kids1, tree1, helpers1 = self._snapshot()
        wall = wall1 - wall0
        if wall <= 0:
            return
        server = sum(tree1[pid] - tree0.get(pid, 0.0) for pid in tree1)
        helpers = sum(helpers1[pid] - helpers0.get(pid, 0.0) for pid in helpers1)
        ours = server + helpers + (kids1 - kids0)
        self.other_share = max(0.0, (busy1 - busy0) - ours) / wall / CORES
        self.server_cores = server / wall
        if self.name_others:
            mine = {*tree1, *helpers1, os.getpid()}
            used = [
                (round((cpu - self._all_before[pid][1]) / wall, 2), title)
                for pid, (title, cpu) in self._everyone().items()
                if pid in self._all_before and pid not in mine
            ]
            ranked = sorted((u for u in used if u[0] >= 0.02), reverse=True)[:3]
            self.others = [(title, cores) for cores, title in ranked]


def settle(server_pid: int | None, database: str | None, busy: float, max_wait: float) -> float:
    """Wait (at most `max_wait` seconds) until the server has finished what it was still doing
    (a warm-up leaves requests in flight) and the rest of the machine uses at most `busy` of
    it; return the share the rest of the machine used last."""
    deadline = time.monotonic() + max_wait
    while True:
        with CpuWatch(server_pid, database) as watch:
            time.sleep(0.5)
        calm = watch.server_cores < 0.05 and watch.other_share <= busy
        if calm or time.monotonic() >= deadline:
            return watch.other_share
