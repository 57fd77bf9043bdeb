"""Prediction intervals for RLlib env steps/s, speedup and parallel efficiency.

Each interval is for what a new measurement would read, in log space at the model's
``confidence``: the USL parameters' uncertainty (delta method, through the fit's covariance)
plus the run-to-run spread of one measurement (the fit's pooled scatter, which includes the
repeated timings of every point). A speedup is a ratio of two measurements (the setting and the
1 runner x 1 env baseline), so it carries both runs' spread, and its parameter part is that of
the ratio (the two predictions share their lambda, which cancels). A setting at another envs per
runner also carries the spread of the measured multiplier it rests on (a ratio of two measured
points). Outside the measured runner counts every half-width grows by the model's
``extrapolation_widening`` per doubling, as the throughput interval does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.scaling import RunnerScalingModel, as_grid
from models.stats import coverage_scale, t_quantile

#: Largest log half-width: far from the data an interval is huge (a factor of e^50) but finite and positive.
_MAX_LOG_HALF = 50.0


@dataclass(frozen=True)
class ScalingIntervals:
    """``(low, high)`` arrays, one entry per requested (runners, envs per runner) row; the
    speedup and efficiency ones are ``None`` without a 1-env-per-runner baseline."""

    env_steps_per_s: tuple[np.ndarray, np.ndarray]
    speedup: tuple[np.ndarray, np.ndarray] | None
    efficiency: tuple[np.ndarray, np.ndarray] | None


def _gradient(model: RunnerScalingModel, runners: np.ndarray) -> np.ndarray:
    """d log X / d theta of the USL curve at each runner count, shape ``(n, params)``."""
    return model.usl_.fit_.log_gradient(runners)


def _widen(model: RunnerScalingModel, runners: np.ndarray, envs: np.ndarray) -> np.ndarray:
    """1 + widening x doublings outside the runner counts measured at that envs per runner."""
    out = np.ones(runners.size)
    for i, (r, e) in enumerate(zip(runners, envs)):
        e = int(e)
        measured = ([a for a, _ in model.envs_effect_[e]] if e in model.envs_effect_ else model.usl_.runners_range_)
        outside = max(math.log(min(measured) / r), 0.0) + max(math.log(r / max(measured)), 0.0)
        out[i] = 1.0 + model.extrapolation_widening * outside / math.log(2)
    return out


def scaling_intervals(model: RunnerScalingModel, X) -> ScalingIntervals:
    """Intervals at ``model.confidence`` for each (num_env_runners, num_envs_per_env_runner) row.
    Each kind of interval (env steps/s, speedup) is widened to hold the measured settings the
    model was fitted on at that confidence (:func:`models.stats.coverage_scale`)."""
    scale_sps, scale_s = _coverage(model)
    return _intervals(model, X, scale_sps, scale_s)


def _coverage(model: RunnerScalingModel) -> tuple[float, float]:
    """The widening of the env steps/s and the speedup half-widths that holds the measured settings."""
    keys = list(model.measured_)
    grid = np.asarray(keys, dtype=float)
    raw = _intervals(model, grid, 1.0, 1.0)
    pred = model.predict(grid)
    measured = np.array([model.measured_[k] for k in keys])
    sps = coverage_scale(np.log(measured / pred), np.log(raw.env_steps_per_s[1] / pred), model.confidence)
    if raw.speedup is None or (1, 1) not in model.measured_:
        return sps, sps
    speed = model.speedup(grid)
    measured_speed = measured / model.measured_[(1, 1)]
    return sps, coverage_scale(np.log(measured_speed / speed), np.log(raw.speedup[1] / speed), model.confidence)


def _intervals(model: RunnerScalingModel, X, scale_sps: float, scale_s: float) -> ScalingIntervals:
    grid = as_grid(X)
    runners, envs = grid[:, 0], grid[:, 1]
    fit = model.usl_.fit_
    sigma2 = fit.sigma**2
    t = t_quantile(0.5 + model.confidence / 2, max(fit.dof, 1))
    cov = fit.cov_unscaled
    g = _gradient(model, runners)
    params = np.maximum(np.einsum("ij,jk,ik->i", g, cov, g), 0.0)
    # a multiplier at another envs per runner is a ratio of two measured points
    multiplier = np.where(envs == model.primary_envs_, 0.0, 2.0)
    widen = _widen(model, runners, envs)
    pred = model.predict(grid)
    half = np.minimum(t * np.sqrt(sigma2 * (1.0 + params + multiplier)) * widen * scale_sps, _MAX_LOG_HALF)
    sps = (pred * np.exp(-half), pred * np.exp(half))
    if model.baseline_env_steps_per_s_ is None:
        return ScalingIntervals(sps, None, None)
    g1 = _gradient(model, np.array([1.0]))[0]
    diff = g - g1
    ratio_params = np.maximum(np.einsum("ij,jk,ik->i", diff, cov, diff), 0.0)
    base_multiplier = 0.0 if model.primary_envs_ == 1 else 2.0
    half_s = np.minimum(t * np.sqrt(sigma2 * (2.0 + ratio_params + multiplier + base_multiplier)) * widen * scale_s,
                        _MAX_LOG_HALF)
    half_s = np.where((runners == 1) & (envs == 1), 0.0, half_s)  # 1r x 1e over itself is 1, exactly
    s = model.speedup(grid)
    speed = (s * np.exp(-half_s), s * np.exp(half_s))
    total = runners * envs
    return ScalingIntervals(sps, speed, (speed[0] / total, speed[1] / total))
