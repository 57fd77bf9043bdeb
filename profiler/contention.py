"""What else ran while a point was timed: the :class:`Contention` record kept with every point.

A calibration point is only this machine's number if the machine was not busy with something
else. The sweep samples the other processes' CPU use (everything outside advisor's own process
tree), the load average and, on a GPU, the compute processes that are not advisor's (see
:mod:`profiler.contention_sampler`), and stores what it saw with the point. A point is
*contended* when other processes used more than :data:`CONTENDED_CPU_CORES` of one core on
average while it was timed, or held a compute context on its GPU; it is kept, marked, and every
fit that rests on it says so.

The threshold: an idle Linux machine's daemons use a few hundredths of a core; a quarter core
is a background job stealing about a quarter of one core's time slices, enough to move a
CPU-bound point on a small machine by several percent, and far above sampling noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from profiler.cpu_reference import cpu_speed_note, slow_spell_note

#: Other processes' mean CPU use (cores) above which a point counts as contended.
CONTENDED_CPU_CORES = 0.25


@dataclass(frozen=True)
class BusyProcess:
    """One other process seen while a point was timed: its pid, name and mean CPU use (cores)."""

    pid: int
    name: str
    cpu_cores: float


@dataclass(frozen=True)
class Contention:
    """What other processes did while one point was timed.

    ``other_cpu_cores`` is the mean CPU use (cores: 1.0 is one core fully busy) of every process
    outside advisor's own tree over the timed phase, ``other_cpu_cores_before`` the same over the
    seconds just before it; ``window_s`` is how long the timed phase's samples span.
    ``load_avg_1m`` is the machine's 1-minute load average at the end (advisor's processes
    included), of ``cpu_count`` logical CPUs. ``busiest`` names the other processes that used the
    most CPU. On a GPU, ``gpu_other_processes`` counts compute processes on the point's GPU that
    are not advisor's and ``gpu_util_percent`` is the device's mean utilisation (advisor's work
    included); both are ``None`` off a GPU. ``threshold_cpu_cores`` is the threshold the point
    was judged by. ``reference_ms`` is the median thread CPU time (ms) of the fixed reference
    loop's passes timed over the window (:mod:`profiler.cpu_reference`): the CPU's own speed,
    longer when it ran slower; ``None`` in records from before advisor timed it. ``steady_ms`` is
    this machine's steady pass when the point was timed (the fastest tenth of its past runs'
    passes, :class:`~profiler.cpu_reference.MachineSpeed`), ``None`` without a record or before
    advisor kept it."""

    other_cpu_cores: float
    other_cpu_cores_before: float | None = None
    window_s: float = 0.0
    load_avg_1m: float | None = None
    cpu_count: int | None = None
    busiest: tuple[BusyProcess, ...] = ()
    gpu_other_processes: int | None = None
    gpu_util_percent: float | None = None
    threshold_cpu_cores: float = CONTENDED_CPU_CORES
    reference_ms: float | None = None
    steady_ms: float | None = None

    def __post_init__(self) -> None:
        for name in ("other_cpu_cores", "other_cpu_cores_before", "window_s", "load_avg_1m", "gpu_util_percent",
                     "threshold_cpu_cores", "reference_ms", "steady_ms"):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value < 0 or value > 1e6):
                raise ValueError(f"{name} must be a non-negative number, got {value!r}")
        if self.gpu_other_processes is not None and self.gpu_other_processes < 0:
            raise ValueError("gpu_other_processes must not be negative")

    @property
    def contended(self) -> bool:
        """Whether other processes used enough of the CPU or the GPU to disturb the timing."""
        return self.other_cpu_cores > self.threshold_cpu_cores or bool(self.gpu_other_processes)

    @property
    def summary(self) -> str:
        """E.g. ``other processes used 1.02 cores (python3 pid 4242 0.98)``."""
        parts = [f"other processes used {self.other_cpu_cores:.2f} core{'s' if self.other_cpu_cores != 1 else ''}"]
        if self.busiest:
            parts[0] += " (" + ", ".join(f"{p.name} pid {p.pid} {p.cpu_cores:.2f}" for p in self.busiest[:3]) + ")"
        if self.gpu_other_processes:
            parts.append(f"{self.gpu_other_processes} other compute process(es) on the GPU")
        return "; ".join(parts)


def contended_labels(points: list[tuple[str, Contention | None]]) -> list[str]:
    """Labels of the points whose contention record marks them."""
    return [label for label, contention in points if contention is not None and contention.contended]


def contention_note(points: list[tuple[str, Contention | None]]) -> str | None:
    """One note line when a fit rests on contended points (``points``: label and record of each
    point the fit used), or ``None``."""
    marked = contended_labels(points)
    if not marked:
        return None
    worst = max(c.other_cpu_cores for _, c in points if c is not None and c.contended)
    return (f"this fit rests on {len(marked)} of {len(points)} points timed while other processes were busy "
            f"({', '.join(marked[:6])}{', ...' if len(marked) > 6 else ''}; up to {worst:.2f} cores of others' CPU use), "
            "so it may understate this machine; re-measure them on a quiet machine with the same 'advisor calibrate' "
            "command and --strict")


def speed_note(points: list[tuple[str, Contention | None]]) -> str | None:
    """One note line when the CPU's own speed changed between the points of a fit (``points``:
    label and record of each point the fit used; :func:`profiler.cpu_reference.cpu_speed_note`)."""
    return cpu_speed_note([(label, c.reference_ms if c is not None else None) for label, c in points])


def slow_spell(points: list[tuple[str, Contention | None]]) -> str | None:
    """One note line when the points of a fit were timed, at their median, in a slow spell of the
    CPU against this machine's steady pass (:func:`profiler.cpu_reference.slow_spell_note`)."""
    return slow_spell_note([(label, c.reference_ms, c.steady_ms) if c is not None else (label, None, None)
                            for label, c in points])


def section_records(section) -> list[tuple[str, Contention | None]]:
    """Label and contention record of each measured point of a profile section."""
    return [(getattr(p, "label", None) or f"num_envs {p.key}", getattr(p, "contention", None))
            for p in section.ok_points]


def cpu_speed_notes(points: list[tuple[str, Contention | None]]) -> list[str]:
    """The CPU-speed notes of a fit's points: its speed changed between them (:func:`speed_note`),
    and they fell in a slow spell together (:func:`slow_spell`)."""
    return [note for note in (speed_note(points), slow_spell(points)) if note]


def fit_notes(points: list[tuple[str, Contention | None]]) -> list[str]:
    """Every note a throughput fit carries about how its points were timed: other processes
    (:func:`contention_note`) and the CPU's own speed (:func:`cpu_speed_notes`)."""
    busy = contention_note(points)
    return ([busy] if busy else []) + cpu_speed_notes(points)


def section_speed_notes(section) -> list[str]:
    """:func:`cpu_speed_notes` over a profile section's measured points."""
    return cpu_speed_notes(section_records(section))
