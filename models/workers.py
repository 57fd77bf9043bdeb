"""Worker scaling: throughput over env runners (processes that each step their own envs), for
RLlib and any kind that scales by adding workers. Pure: no I/O.

A section that this fits has ``ok_points`` (each with ``key`` = (runners, envs per runner),
``label``, ``env_steps_per_s`` and its samples, optional ``startup_s``) and ``points``.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from models.scaling import RunnerScalingModel
from profiler.contention import fit_notes


@dataclass(frozen=True)
class WorkerCurves:
    """The fitted scaling model of one worker-scaling section; ``model`` is ``None`` when the data cannot
    support it and ``notes`` then says why. ``startup_s`` is the median seconds from process
    start to a built algorithm (``None`` when not measured)."""

    section: Any
    model: RunnerScalingModel | None
    startup_s: float | None
    notes: tuple[str, ...]


def fit_workers(section: Any) -> WorkerCurves:
    """Fit the runner-scaling model to the section's successful points."""
    ok = section.ok_points
    notes: list[str] = []
    model = None
    if ok:
        try:
            model = RunnerScalingModel().fit([p.key for p in ok], [p.env_steps_per_s for p in ok],
                                             y_samples=[p.env_steps_per_s_samples for p in ok])
        except ValueError as exc:
            notes.append(f"{exc} (this profile has {', '.join(p.label for p in ok)})")
    else:
        notes.append("no point of this profile measured successfully")
    failed = [p for p in section.points if not p.ok]
    if failed:
        notes.append("not measured: " + ", ".join(f"{p.label} ({p.status})" for p in failed))
    if model is not None and model.baseline_env_steps_per_s_ is None:
        notes.append("speedup and efficiency need a point at 1 env per runner")
    records = [(p.label, getattr(p, "contention", None)) for p in ok]
    if model is not None:
        notes.extend(fit_notes(records))
    startups = [p.startup_s for p in ok if p.startup_s is not None]
    return WorkerCurves(section, model, statistics.median(startups) if startups else None, tuple(notes))
