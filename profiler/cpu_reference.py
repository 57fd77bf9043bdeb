"""The CPU's own speed while a point is timed, as a fixed reference loop sees it.

On a shared host (a cloud VM, a container on a busy node) or a power- or heat-limited CPU, the
CPU runs slower at times for reasons that no process list inside the machine shows: the host's
other tenants, its frequency limits. A calibration point timed in such a spell is slower than the
same point timed a minute later, and no count of other processes' CPU use
(:mod:`profiler.contention`) explains it.

So while a sweep runs, the contention sampler's thread times one pass of a fixed pure-Python loop
(:data:`REFERENCE_LOOP` additions, about 2 ms on a current x86 core) every 0.5 s, and takes the
pass's *thread CPU time* (``time.thread_time``): the measured program keeping every core busy
makes the pass wait for a core, which thread CPU time leaves out, while a CPU that runs slower
lengthens it. The median pass over a point's timed phase is kept in the point's
:class:`~profiler.contention.Contention` record as ``reference_ms``; the loop costs about 0.4% of
one core.

Where the points of one fit (or the repeats of one point) have reference passes more than
:data:`STEADY_SPREAD` apart, the CPU's speed changed under them, and the fit says so
(:func:`cpu_speed_note`). The threshold sits above what the pass moves with the machine's own
load: on advisor's 2-vCPU development VM the median pass was within about 4% idle, with one core
busy and with both busy, while the VM's slow spells lengthened it by a quarter to a third
(benchmarks/results/cpu_reference.md, command_trainers.md). The loop runs in the core's own
cache: it sees the core's speed, not what a shared cache or memory bus does to a program that
streams memory, so a steady pass does not prove a steady machine.

Every judged run's median pass is also kept per machine (:class:`MachineSpeed`, in
``<advisor home>/cpu_speed.json`` or ``$ADVISOR_CPU_RECORD``: one list per CPU model, host name,
core count and Python, whose interpreter sets the loop's cost, of the last :data:`WINDOW_DAYS`).
Its fastest tenth is the machine's *steady* pass; a sweep that allows it waits, before each run, while the CPU's recent
passes are more than :data:`STEADY_SPREAD` slower than that (:func:`wait_steady`), so that a slow
spell of the host is waited out instead of measured, up to a limit after which it measures anyway.
Each judged point keeps the steady pass it was judged against, so a sweep measured wholly in a slow
spell, whose points agree with each other, is still said to be slow (:func:`slow_spell_note`).
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Callable

#: Additions in one reference pass: about 2 ms of one current x86 core in CPython.
REFERENCE_LOOP = 40_000
#: Reference passes further apart than this share of the fastest were timed on a CPU whose
#: speed changed under them (twice what the machine's own load moves a pass).
STEADY_SPREAD = 0.10
#: How long one run waits, at most, for the CPU to come back to its steady speed (s): the slow
#: spells of advisor's development VM lasted one to a few minutes.
STEADY_WAIT_S = 60.0
#: Median passes kept per machine, newest last: those of the last :data:`WINDOW_DAYS` ...
WINDOW_DAYS = 30.0
#: ... at most this many (a few calibrations a day for the whole window) ...
HISTORY = 2000
#: ... and the share of them, fastest first, whose slowest is the steady pass (robust to the odd
#: fast outlier; reachable as long as a tenth of the window's runs met a steady CPU). A window of
#: days and not of runs, since a night of benchmarks on advisor's development VM, all in one slow
#: spell, filled a record of the newest 200 runs and moved its steady pass from about 1.48 to 1.68 ms.
STEADY_QUANTILE = 0.1


def reference_pass() -> float:
    """The thread CPU time (s) of one pass of the fixed reference loop."""
    start = time.thread_time()
    total = 0
    for i in range(REFERENCE_LOOP):
        total += i * i
    return time.thread_time() - start


def median_ms(passes: list[float]) -> float | None:
    """The median pass (ms) of ``passes`` (s), or ``None`` without any."""
    return round(1000.0 * statistics.median(passes), 4) if passes else None


def slowdown(reference_ms: list[float]) -> float:
    """How much longer the slowest of ``reference_ms`` was than the fastest: 0.25 is a CPU that
    ran 25% slower at one point than at another (0 with fewer than two)."""
    return max(reference_ms) / min(reference_ms) - 1.0 if len(reference_ms) >= 2 else 0.0


def cpu_speed_note(points: list[tuple[str, float | None]]) -> str | None:
    """One note line when the points of a fit (``points``: label and ``reference_ms`` of each)
    were timed on a CPU whose own speed changed by more than :data:`STEADY_SPREAD`, else ``None``."""
    timed = [(label, ms) for label, ms in points if ms]
    if len(timed) < 2:
        return None
    values = [ms for _label, ms in timed]
    change = slowdown(values)
    if change <= STEADY_SPREAD:
        return None
    fast = min(timed, key=lambda lm: lm[1])
    slow = max(timed, key=lambda lm: lm[1])
    return (f"the CPU itself ran up to {change:.0%} slower while some points were timed ({slow[0]}: "
            f"{slow[1]:.2f} ms per pass of a fixed reference loop timed beside each run, against {fast[1]:.2f} ms at "
            f"{fast[0]}), which no other process here explains: a shared, virtual or power-limited host; where the "
            "program's speed rests on this CPU, figures measured here repeat to about that and not better, so "
            "calibrate again when it is steady (advisor doctor times the loop) or on a dedicated machine")


def slow_spell_note(points: list[tuple[str, float | None, float | None]]) -> str | None:
    """One note line when the points of a fit (``points``: label, ``reference_ms`` and the
    machine's steady pass when it was timed, ``steady_ms``, of each) were timed, at their median,
    on a CPU more than :data:`STEADY_SPREAD` slower than this machine's steady pass, else ``None``.

    A calibration that falls wholly in a slow spell of the host has no faster point among its own
    to compare with, so :func:`cpu_speed_note` stays silent; this machine's record of past runs
    (:class:`MachineSpeed`) still shows the CPU's usual speed."""
    timed = [(ms, steady) for _label, ms, steady in points if ms and steady]
    if not timed:
        return None
    change = statistics.median(ms / steady for ms, steady in timed) - 1.0
    if change <= STEADY_SPREAD:
        return None
    ms = statistics.median(ms for ms, _steady in timed)
    steady = statistics.median(steady for _ms, steady in timed)
    return (f"the CPU itself ran {change:.0%} slower than its steady speed here while this was measured "
            f"({ms:.2f} ms per pass of a fixed reference loop timed beside each run at the median point, against "
            f"{steady:.2f} ms, the fastest tenth of this machine's past runs): a slow spell of the host, shared by "
            "the points, so the curve keeps its shape but its figures are this hour's, and a program that rests on "
            "the CPU may run faster once the spell passes, by more than the loop's change (docs/measuring.md); "
            "calibrate again when it is steady (advisor doctor times the loop) before trusting times to target")


def steadiness(seconds: float = 2.0, chunk_s: float = 0.25) -> list[float]:
    """The mean reference pass (ms) of each ``chunk_s`` of ``seconds`` of back-to-back passes,
    after one chunk of warm-up."""
    chunks: list[float] = []
    end = time.perf_counter() + seconds + chunk_s
    while time.perf_counter() < end:
        passes, until = [], time.perf_counter() + chunk_s
        while time.perf_counter() < until:
            passes.append(reference_pass())
        chunks.append(1000.0 * statistics.mean(passes))
    return chunks[1:]


def at_steady_speed(pass_ms: float, steady_ms: float) -> bool:
    """Whether a pass of ``pass_ms`` is within :data:`STEADY_SPREAD` of the steady ``steady_ms``."""
    return pass_ms <= steady_ms * (1.0 + STEADY_SPREAD)


def machine_key() -> str:
    """Which machine and interpreter a pass belongs to: CPU model, host name, logical cores, Python."""
    from profiler.hardware import cpu_model

    return f"{cpu_model() or 'CPU'} | {platform.node()} | {os.cpu_count()} cores | Python {platform.python_version()}"


class MachineSpeed:
    """This machine's median reference passes (ms) as its past runs saw them, oldest first, and its
    steady pass (:meth:`steady_ms`); :meth:`add` keeps a new one, :meth:`save` merges the new ones
    into the file (other sweeps may have added theirs meanwhile).

    The file keeps each pass with the time it was taken (``[ms, unix seconds]``); a pass older than
    :data:`WINDOW_DAYS` is dropped, one kept without a time (a record of an older advisor) is kept
    until :data:`HISTORY` newer ones push it out."""

    def __init__(self, path: Path, key: str, passes: list[float], times: list[float | None] | None = None):
        self.path, self.key, self.passes = path, key, list(passes)
        self.times = list(times) if times is not None else [None] * len(self.passes)
        self.new: list[tuple[float, float]] = []

    @classmethod
    def load(cls, home: Path | None = None) -> "MachineSpeed":
        """The record in ``home`` (else ``$ADVISOR_CPU_RECORD``, a file several advisor homes on one
        machine may share, else the advisor home's ``cpu_speed.json``)."""
        from profiler.store import advisor_home

        shared = os.environ.get("ADVISOR_CPU_RECORD")
        path = home / "cpu_speed.json" if home else Path(shared) if shared else advisor_home() / "cpu_speed.json"
        key = machine_key()
        entries = _read(path).get(key, [])
        return cls(path, key, [ms for ms, _ in entries], [at for _, at in entries])

    def steady_ms(self) -> float | None:
        """The steady pass (ms): the :data:`STEADY_QUANTILE` of the kept passes, fastest first
        (the fastest while fewer than ten are kept); ``None`` without any."""
        passes = sorted(self.passes + [ms for ms, _ in self.new])
        return passes[int(STEADY_QUANTILE * (len(passes) - 1))] if passes else None

    def add(self, ms: float, at: float | None = None) -> None:
        """Keep a pass of ``ms`` taken at ``at`` (unix seconds; now if not given)."""
        if ms > 0 and ms == ms:  # a real, positive pass only
            self.new.append((float(ms), time.time() if at is None else float(at)))

    def save(self) -> None:
        """Add the new passes to the file's list for this machine (those of the last
        :data:`WINDOW_DAYS`, the newest :data:`HISTORY` of them)."""
        if not self.new:
            return
        data = _read(self.path)
        kept = _recent(data.get(self.key, []) + self.new)
        data[self.key] = kept
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({k: [[ms, at] if at is not None else ms for ms, at in v] for k, v in data.items()},
                                  indent=None, separators=(",", ":")))
        os.replace(tmp, self.path)
        self.passes, self.times, self.new = [ms for ms, _ in kept], [at for _, at in kept], []


def _recent(entries: list[tuple[float, float | None]], now: float | None = None) -> list[tuple[float, float | None]]:
    """``entries`` (oldest first) less those older than :data:`WINDOW_DAYS`, the newest :data:`HISTORY`."""
    since = (time.time() if now is None else now) - WINDOW_DAYS * 86400.0
    return [(ms, at) for ms, at in entries if at is None or at >= since][-HISTORY:]


def _read(path: Path) -> dict[str, list[tuple[float, float | None]]]:
    """The file's lists of ``(ms, unix seconds or None)``, the window's only (an unreadable or
    foreign file, or entry, counts as empty: it is only a record)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: _recent([e for e in map(_entry, v) if e is not None])
            for k, v in data.items() if isinstance(k, str) and isinstance(v, list)}


def _entry(item: object) -> tuple[float, float | None] | None:
    """One kept pass: ``ms`` (an older advisor's record) or ``[ms, unix seconds]``."""
    def finite(x: object) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

    if finite(item) and item > 0:
        return float(item), None
    if isinstance(item, list) and len(item) == 2 and all(map(finite, item)) and item[0] > 0:
        return float(item[0]), float(item[1])
    return None


def wait_steady(recent: Callable[[], float | None], steady_ms: float, limit_s: float, *, poll_s: float = 1.0,
                clock: Callable[[], float] = time.monotonic,
                sleep: Callable[[float], None] = time.sleep) -> tuple[float, float | None, bool]:
    """Wait while the CPU's recent pass (``recent()``, ms; ``None`` when not known) is more than
    :data:`STEADY_SPREAD` slower than ``steady_ms``, at most ``limit_s`` seconds, looking every
    ``poll_s``: ``(seconds waited, the last pass seen, whether the CPU was steady at the end)``."""
    start = clock()
    while True:
        now = recent()
        if now is None or at_steady_speed(now, steady_ms):
            return clock() - start, now, True
        if clock() - start >= limit_s:
            return clock() - start, now, False
        sleep(min(poll_s, limit_s - (clock() - start)))
