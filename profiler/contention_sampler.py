"""Sample what other processes do while a sweep measures, to fill each point's :class:`Contention`.

A background thread in the sweep's process takes a snapshot every :data:`INTERVAL_S`: every
process's cumulative CPU time (psutil), the 1-minute load average, the thread CPU time of one pass
of the fixed reference loop (the CPU's own speed, :mod:`profiler.cpu_reference`) and, with a GPU,
NVML's compute processes and utilisation of the sweep's device. Processes of advisor's own tree are
left out: the sweep process, its descendants, and anything still in the session of one of its
measuring children (each child runs in a session of its own, and Ray's helpers stay in it). Each
snapshot adds the others' CPU seconds since the last one to a running total, so the others' mean
use over any window is a difference of two totals, however short the window or many the
processes. A process that starts and ends between two snapshots is missed (the load average
still counts it).

A measuring child reports its timed phase as ``timed_unix_s`` (wall-clock start and end) in its
result; :meth:`ContentionSampler.judge` turns that into the point's record: the window from the
last snapshot before the start to the first after the end, and the :data:`BEFORE_S` seconds
before it.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from profiler.contention import BusyProcess, Contention
from profiler.cpu_reference import median_ms, reference_pass

INTERVAL_S = 0.5
BEFORE_S = 3.0
#: Other processes named in a point's record, busiest first.
BUSIEST = 8
#: Snapshots kept (at INTERVAL_S, about an hour and a half): enough for the longest timed phase.
KEEP = 12000


@dataclass(frozen=True)
class Snapshot:
    at: float  # time.time()
    others_cpu_s: float  # running total of other processes' CPU seconds since sampling began
    deltas: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid -> (name, CPU s since last snapshot)
    load_avg_1m: float | None = None
    gpu_others: int | None = None
    gpu_util_percent: float | None = None
    reference_s: float | None = None  # thread CPU time of one reference pass (profiler.cpu_reference)


class ContentionSampler:
    """Snapshots of other processes' activity; ``root_pid`` is advisor's own tree (default: this
    process), ``gpu_index`` the NVML index of the sweep's GPU (``None``: no GPU sampling);
    processes whose name starts with one of ``ours_by_name`` count as ours too (a Ray cluster's
    workers on this machine, which run the sweep's env runners outside its tree)."""

    def __init__(self, root_pid: int | None = None, gpu_index: int | None = None, interval_s: float = INTERVAL_S,
                 ours_by_name: tuple[str, ...] = ()):
        self.root_pid = root_pid or os.getpid()
        self.ours_by_name = ours_by_name  # name prefixes that count as ours wherever they run
        self.interval_s = interval_s
        self.snapshots: deque[Snapshot] = deque(maxlen=KEEP)
        self.sessions: set[int] = set()  # sessions of processes that were ever ours
        self.previous: dict[int, tuple[float, float]] = {}  # pid -> (create_time, cpu_s)
        self.total = 0.0
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.gpu = _Gpu(gpu_index) if gpu_index is not None else None

    def start(self) -> "ContentionSampler":
        self.snapshot()
        self.thread = threading.Thread(target=self._run, name="advisor-contention", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        if self.gpu is not None:
            self.gpu.close()

    def _run(self) -> None:
        while not self.stop_event.wait(self.interval_s):
            try:
                self.snapshot()
            except Exception:  # sampling must never stop a sweep; a missed snapshot widens a window
                continue

    def snapshot(self) -> Snapshot:
        """Take one snapshot now (thread-safe) and return it."""
        import psutil

        reference = reference_pass()
        with self.lock:
            now = time.time()
            table: dict[int, tuple[int, float, float, str]] = {}
            for proc in psutil.process_iter(["ppid", "name", "cpu_times", "create_time"]):
                info = proc.info
                times = info.get("cpu_times")
                if times is None or info.get("create_time") is None:
                    continue
                table[proc.pid] = (info["ppid"] or 0, info["create_time"], times.user + times.system,
                                   info.get("name") or "?")
            ours = self._ours(table)
            last_at = self.snapshots[-1].at if self.snapshots else None
            deltas: dict[int, tuple[str, float]] = {}
            current: dict[int, tuple[float, float]] = {}
            for pid, (_, created, cpu_s, name) in table.items():
                current[pid] = (created, cpu_s)
                if pid in ours or last_at is None:
                    continue
                before = self.previous.get(pid)
                if before is not None and abs(before[0] - created) < 1e-3:
                    delta = cpu_s - before[1]
                elif created >= last_at - 1.0:  # started since the last snapshot: all its CPU is new
                    delta = cpu_s
                else:
                    delta = 0.0
                if delta > 0:
                    deltas[pid] = (name, delta)
            self.previous = current
            self.total += sum(d for _, d in deltas.values())
            gpu_others, gpu_util = self.gpu.sample(set(table), ours) if self.gpu is not None else (None, None)
            try:
                load = os.getloadavg()[0]
            except OSError:
                load = None
            snap = Snapshot(now, self.total, {p: d for p, d in deltas.items() if d[1] >= 0.005}, load, gpu_others,
                            gpu_util, reference)
            self.snapshots.append(snap)
            return snap

    def _ours(self, table: dict[int, tuple[int, float, float, str]]) -> set[int]:
        children: dict[int, list[int]] = {}
        for pid, (ppid, *_rest) in table.items():
            children.setdefault(ppid, []).append(pid)
        ours, stack = set(), [self.root_pid]
        while stack:
            pid = stack.pop()
            if pid in ours:
                continue
            ours.add(pid)
            stack.extend(children.get(pid, ()))
        self.sessions |= ours - {self.root_pid}
        for pid, (_ppid, _created, _cpu, name) in table.items():
            if pid in ours:
                continue
            if self.ours_by_name and name.startswith(self.ours_by_name):
                ours.add(pid)
                continue
            try:
                if os.getsid(pid) in self.sessions:
                    ours.add(pid)
            except OSError:
                continue
        return ours

    def recent_ms(self, window_s: float = 2.0) -> float | None:
        """The median reference pass (ms) of the last ``window_s`` seconds' snapshots, or ``None``
        with fewer than two of them."""
        since = time.time() - window_s
        with self.lock:
            passes = [s.reference_s for s in self.snapshots if s.at >= since and s.reference_s]
        return median_ms(passes) if len(passes) >= 2 else None

    def window(self, start: float, end: float) -> tuple[Snapshot, Snapshot] | None:
        """The snapshots that bracket ``[start, end]`` (wall-clock seconds), or ``None``."""
        with self.lock:
            snaps = list(self.snapshots)
        before = [s for s in snaps if s.at <= start]
        after = [s for s in snaps if s.at >= end]
        if not before or not after or after[0].at <= before[-1].at:
            return None
        return before[-1], after[0]

    def rate(self, start: float, end: float) -> float | None:
        """Other processes' mean CPU use (cores) over ``[start, end]``."""
        pair = self.window(start, end)
        if pair is None:
            return None
        first, last = pair
        return max(last.others_cpu_s - first.others_cpu_s, 0.0) / (last.at - first.at)

    def judge(self, result: dict | None) -> Contention | None:
        """The record of a point whose child reported ``timed_unix_s`` (``None`` without it)."""
        timed = (result or {}).get("timed_unix_s")
        if not timed or len(timed) != 2:
            return None
        start, end = float(timed[0]), float(timed[1])
        if not self.snapshots or self.snapshots[-1].at < end:
            self.snapshot()  # the child has ended; close the window now
        pair = self.window(start, end)
        if pair is None:
            return None
        first, last = pair
        span = last.at - first.at
        with self.lock:
            inside = [s for s in self.snapshots if first.at < s.at <= last.at]
        busy: dict[int, list] = {}
        for snap in inside:
            for pid, (name, delta) in snap.deltas.items():
                busy.setdefault(pid, [name, 0.0])[1] += delta
        busiest = tuple(BusyProcess(pid, name, round(cpu / span, 3))
                        for pid, (name, cpu) in sorted(busy.items(), key=lambda kv: -kv[1][1])[:BUSIEST] if cpu / span >= 0.01)
        gpu_counts = [s.gpu_others for s in inside if s.gpu_others is not None]
        gpu_utils = [s.gpu_util_percent for s in inside if s.gpu_util_percent is not None]
        passes = [s.reference_s for s in inside if s.reference_s]
        return Contention(
            other_cpu_cores=round(max(last.others_cpu_s - first.others_cpu_s, 0.0) / span, 3),
            other_cpu_cores_before=_round(self.rate(start - BEFORE_S, start)),
            window_s=round(span, 3), load_avg_1m=last.load_avg_1m, cpu_count=os.cpu_count(), busiest=busiest,
            gpu_other_processes=max(gpu_counts) if gpu_counts else None,
            gpu_util_percent=round(sum(gpu_utils) / len(gpu_utils), 1) if gpu_utils else None,
            reference_ms=median_ms(passes))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


class _Gpu:
    """NVML's view of one GPU: compute processes that are not ours, and its utilisation."""

    def __init__(self, index: int):
        import pynvml

        self.nvml = pynvml
        pynvml.nvmlInit()
        self.handle = pynvml.nvmlDeviceGetHandleByIndex(index)

    def sample(self, visible: set[int], ours: set[int]) -> tuple[int | None, float | None]:
        """``(other compute processes, utilisation %)``. A pid this process cannot see (another
        container's) counts as another's; one of ours never does."""
        try:
            procs = self.nvml.nvmlDeviceGetComputeRunningProcesses(self.handle)
            others = sum(1 for p in procs if p.pid not in ours)
        except Exception:
            others = None
        try:
            util = float(self.nvml.nvmlDeviceGetUtilizationRates(self.handle).gpu)
        except Exception:
            util = None
        return others, util

    def close(self) -> None:
        try:
            self.nvml.nvmlShutdown()
        except Exception:
            pass
