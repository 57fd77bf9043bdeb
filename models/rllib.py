"""Fit everything the RLlib recommender and report need from a profile section (pure: no I/O)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from models.scaling import RunnerScalingModel
from profiler.kinds.rllib.schema import RllibSection


@dataclass(frozen=True)
class RllibCurves:
    """The fitted scaling model of one RLlib section; ``model`` is ``None`` when the data cannot
    support it and ``notes`` then says why. ``startup_s`` is the median seconds from process
    start to a built algorithm (``None`` when not measured)."""

    section: RllibSection
    model: RunnerScalingModel | None
    startup_s: float | None
    notes: tuple[str, ...]

    @property
    def measured_keys(self) -> tuple[tuple[int, int], ...]:
        return tuple(p.key for p in self.section.ok_points)


def fit_rllib(section: RllibSection) -> RllibCurves:
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
    startups = [p.startup_s for p in ok if p.startup_s is not None]
    return RllibCurves(section, model, statistics.median(startups) if startups else None, tuple(notes))
