"""Leave-one-out validation of a profile section's curves (what ``advisor validate`` reports),
for each scaling family.

Vectorised curves: for each measured num_envs, the curve is refitted without it (model selection
included) and predicts it. Worker scaling: each measured (runners, envs per runner) point is
predicted by the scaling model fitted to the others. Interior points (neither the smallest nor
the largest num_envs or runner count) measure interpolation; the end points measure one step of
extrapolation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from models.base import distinct
from models.memory import PeakMemoryModel, XlaOverheadModel
from models.num_envs_curves import xla_memory_model
from models.stats import leave_one_out
from models.throughput import TrainThroughputModel


@dataclass(frozen=True)
class LooRow:
    """One held-out point: ``x`` is num_envs (or XLA bytes for the calibration), ``error`` is
    predicted/measured - 1; ``upper_ratio`` is upper bound/measured (memory curves only)."""

    num_envs: int
    x: float
    measured: float
    predicted: float
    error: float
    interior: bool
    upper_ratio: float | None = None


@dataclass(frozen=True)
class CurveValidation:
    curve: str  # train_sps | peak_bytes | peak_from_xla | peak_along_envs | env_steps_per_s
    form: str
    rows: tuple[Any, ...]  # LooRow, or models.validation_rllib.RllibLooRow for worker scaling
    confidence: float = 0.9  # of the intervals worker rows carry

    @property
    def interval_coverage(self) -> float | None:
        """For worker scaling: the fraction of held-out points inside their interval."""
        inside = [r.inside for r in self.rows if getattr(r, "inside", None) is not None]
        return sum(inside) / len(inside) if inside else None

    @property
    def efficiency_coverage(self) -> float | None:
        inside = [r.efficiency_inside for r in self.rows if getattr(r, "efficiency_inside", None) is not None]
        return sum(inside) / len(inside) if inside else None

    def _interior(self) -> np.ndarray:
        return np.array([abs(r.error) for r in self.rows if r.interior])

    @property
    def median_abs_error(self) -> float | None:
        errors = self._interior()
        return float(np.median(errors)) if errors.size else None

    @property
    def worst_abs_error(self) -> float | None:
        errors = self._interior()
        return float(errors.max()) if errors.size else None

    @property
    def median_abs_error_all(self) -> float | None:
        """Median |error| over every held-out point, extrapolations included."""
        errors = np.array([abs(r.error) for r in self.rows])
        return float(np.median(errors)) if errors.size else None

    @property
    def worst_abs_error_all(self) -> float | None:
        errors = np.array([abs(r.error) for r in self.rows])
        return float(errors.max()) if errors.size else None

    @property
    def bound_coverage(self) -> float | None:
        """For memory curves: the fraction of held-out points at or under the upper bound."""
        ratios = [r.upper_ratio for r in self.rows if r.upper_ratio is not None]
        return sum(r >= 1.0 for r in ratios) / len(ratios) if ratios else None

    def largest_overshoot(self, from_num_envs: int = 4096) -> float | None:
        """For memory curves: the largest upper bound/measured - 1 at ``from_num_envs`` or more."""
        ratios = [r.upper_ratio for r in self.rows if r.upper_ratio is not None and r.num_envs >= from_num_envs]
        return max(ratios) - 1.0 if ratios else None

    @property
    def bound_held(self) -> bool | None:
        """For memory curves: the upper bound was never below the held-out measurement."""
        ratios = [r.upper_ratio for r in self.rows if r.upper_ratio is not None]
        return all(r >= 1.0 for r in ratios) if ratios else None


def _loo(x: np.ndarray, y: np.ndarray, envs: np.ndarray, fit_predict) -> tuple[LooRow, ...]:
    def held_out(_keep: np.ndarray, i: int) -> LooRow | None:
        keep = x != x[i]  # repeats of the same x are held out together
        if distinct(x[keep]).size < 2:
            return None
        predicted, upper = fit_predict(x[keep], y[keep], i)
        return LooRow(int(envs[i]), float(x[i]), float(y[i]), predicted, predicted / float(y[i]) - 1.0,
                      bool(x.min() < x[i] < x.max()), None if upper is None else upper / float(y[i]))

    return tuple(row for row in leave_one_out(x.size, held_out) if row is not None)


def validate_vectorised(section: Any) -> list[CurveValidation]:
    """Leave-one-out tables for train_sps, peak memory vs num_envs and peak memory vs XLA bytes."""
    ok = section.ok_points
    results = []
    n = np.array([p.num_envs for p in ok], dtype=float)
    if distinct(n).size >= 3:
        sps = np.array([p.train_sps for p in ok])
        samples = [p.train_sps_samples for p in ok]
        steps = section.workload.num_steps

        def fit_sps(xk, yk, i):
            keep = [j for j in range(n.size) if n[j] != n[i]]
            model = TrainThroughputModel(num_steps=steps).fit(xk, yk, y_samples=[samples[j] for j in keep])
            return float(model.predict([n[i]])[0]), None

        form = TrainThroughputModel(num_steps=steps).fit(n, sps, y_samples=samples).form_
        results.append(CurveValidation("train_sps", form, _loo(n, sps, n, fit_sps)))
    mem = [p for p in ok if p.peak_bytes]
    for curve, xs in (("peak_bytes", [p.num_envs for p in mem]),
                      ("peak_from_xla", [getattr(p, "xla_bytes", None) for p in mem])):
        pairs = [(x, p.peak_bytes, p.num_envs) for x, p in zip(xs, mem) if x]
        if len({x for x, _, _ in pairs}) < 3:
            continue
        x = np.array([a for a, _, _ in pairs], dtype=float)
        y = np.array([b for _, b, _ in pairs], dtype=float)
        envs = np.array([c for _, _, c in pairs])

        def make(curve=curve):
            return PeakMemoryModel() if curve == "peak_bytes" else xla_memory_model(section.memory_source,
                                                                                    section.accelerator.platform)

        def fit_mem(xk, yk, i, x=x, make=make):
            model = make().fit(xk, yk)
            return float(model.predict([x[i]])[0]), float(model.predict_upper([x[i]])[0])

        form = "xla+overhead" if isinstance(make(), XlaOverheadModel) else "linear"
        results.append(CurveValidation(curve, form, _loo(x, y, envs, fit_mem)))
    along = validate_envs_memory(section)
    return results + ([along] if along is not None else [])


def validate_envs_memory(section: Any) -> CurveValidation | None:
    """Leave-one-out of the bound ``predict`` and ``recommend`` use along num_envs: each measured
    num_envs is dropped entirely (its XLA bytes and its peak), and XLA's bytes along num_envs and
    the allocator calibration are refitted without it. ``None`` with fewer than three measured
    num_envs that have both XLA bytes and a peak."""
    from models.num_envs_curves import envs_bound

    measured = [p for p in section.ok_points if p.peak_bytes and p.xla_bytes]
    n = np.array([p.num_envs for p in measured], dtype=float)
    if distinct(n).size < 3:
        return None
    y = np.array([p.peak_bytes for p in measured], dtype=float)

    def fit_along(nk, yk, i):
        rest = replace(section, points=tuple(p for p in section.points if p.num_envs != n[i]))
        pairs = [(p.xla_bytes, p.peak_bytes) for p in rest.ok_points if p.xla_bytes and p.peak_bytes]
        calibration = xla_memory_model(section.memory_source, section.accelerator.platform).fit(
            [a for a, _ in pairs], [b for _, b in pairs])
        bound = envs_bound(rest, calibration)
        return float(bound.predict([n[i]])[0]), float(bound.predict_upper([n[i]])[0])

    form = "xla along num_envs + " + ("xla+overhead" if isinstance(
        xla_memory_model(section.memory_source, section.accelerator.platform), XlaOverheadModel) else "linear")
    return CurveValidation("peak_along_envs", form, _loo(n, y, n, fit_along))


def validate_workers(section: Any) -> list[CurveValidation]:
    """Leave-one-out table for env steps/s over runners, with each held-out point's interval
    (empty with fewer than three points or when no held-out point can be predicted by the rest)."""
    from models.scaling import RunnerScalingModel
    from models.validation_rllib import validate_rllib

    ok = section.ok_points
    if len(ok) < 3:
        return []
    keys = [p.key for p in ok]
    runners = [k[0] for k in keys]
    result = validate_rllib(keys, [p.env_steps_per_s for p in ok], [p.env_steps_per_s_samples for p in ok])
    # interior over runner counts of the whole sweep (the rows' own is within one envs per runner)
    rows = [replace(r, interior=min(runners) < r.num_env_runners < max(runners))
            for r in result.rows if r.predicted is not None]
    if not rows:
        return []
    form = RunnerScalingModel().fit(keys, [p.env_steps_per_s for p in ok]).usl_.form_
    return [CurveValidation("env_steps_per_s", form, tuple(rows), result.confidence)]
