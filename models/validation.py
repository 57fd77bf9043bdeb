"""Leave-one-out validation of an MJX profile's curves (what ``advisor validate`` reports).

For each measured num_envs, the curve is refitted without it (model selection included) and
predicts it. Interior points (neither the smallest nor the largest num_envs) measure
interpolation; the end points measure one step of extrapolation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.memory import PeakMemoryModel, XlaOverheadModel
from models.mjx import xla_memory_model
from models.throughput import TrainThroughputModel
from profiler.kinds.mjx.schema import MjxSection


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
    curve: str  # train_sps | peak_bytes | peak_from_xla
    form: str
    rows: tuple[LooRow, ...]

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
    def bound_held(self) -> bool | None:
        """For memory curves: the upper bound was never below the held-out measurement."""
        ratios = [r.upper_ratio for r in self.rows if r.upper_ratio is not None]
        return all(r >= 1.0 for r in ratios) if ratios else None


def _loo(x: np.ndarray, y: np.ndarray, envs: np.ndarray, fit_predict) -> tuple[LooRow, ...]:
    rows = []
    for i in range(x.size):
        keep = x != x[i]
        if np.unique(x[keep]).size < 2:
            continue
        predicted, upper = fit_predict(x[keep], y[keep], i)
        rows.append(LooRow(int(envs[i]), float(x[i]), float(y[i]), predicted, predicted / float(y[i]) - 1.0,
                           bool(x.min() < x[i] < x.max()), None if upper is None else upper / float(y[i])))
    return tuple(rows)


def validate_mjx(section: MjxSection) -> list[CurveValidation]:
    """Leave-one-out tables for train_sps, peak memory vs num_envs and peak memory vs XLA bytes."""
    ok = section.ok_points
    results = []
    n = np.array([p.num_envs for p in ok], dtype=float)
    if np.unique(n).size >= 3:
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
    for curve, xs in (("peak_bytes", [p.num_envs for p in mem]), ("peak_from_xla", [p.xla_bytes for p in mem])):
        pairs = [(x, p.peak_bytes, p.num_envs) for x, p in zip(xs, mem) if x]
        if len({x for x, _, _ in pairs}) < 3:
            continue
        x = np.array([a for a, _, _ in pairs], dtype=float)
        y = np.array([b for _, b, _ in pairs], dtype=float)
        envs = np.array([c for _, _, c in pairs])

        def make(curve=curve):
            return PeakMemoryModel() if curve == "peak_bytes" else xla_memory_model(section.memory_source)

        def fit_mem(xk, yk, i, x=x, make=make):
            model = make().fit(xk, yk)
            return float(model.predict([x[i]])[0]), float(model.predict_upper([x[i]])[0])

        form = "xla+overhead" if isinstance(make(), XlaOverheadModel) else "linear"
        results.append(CurveValidation(curve, form, _loo(x, y, envs, fit_mem)))
    return results
