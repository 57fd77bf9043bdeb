"""RLlib env-runner scaling: speedup and parallel efficiency, a USL curve over runners, and the
effect of envs per runner.

Definitions (the source write-up's): with a fixed train batch per iteration,
``speedup(r, e) = T(1, 1) / T(r, e) = X(r, e) / X(1, 1)`` and
``efficiency(r, e) = speedup / (r * e)`` (total envs stepping in parallel), where ``X`` is env
steps per second, ``T`` seconds per training iteration, ``r`` env runners and ``e`` envs per
runner. Ratings: above 70% excellent, 60-70% good, 50-60% acceptable, below 50% poor.

:class:`RunnerScalingModel` fits a USL curve (:mod:`models.usl`) at the envs-per-runner value
measured at the most runner counts, and carries every other envs-per-runner value as a
multiplier on that curve, measured at each runner count and interpolated in log runners
between them (held constant beyond).
"""

from __future__ import annotations

import numpy as np

from models.base import Estimator, check_is_fitted
from models.stats import leave_one_out as _leave_one_out
from models.usl import USLModel

#: (lower bound of efficiency, rating), best first.
RATING_BANDS = ((0.70, "excellent"), (0.60, "good"), (0.50, "acceptable"), (0.0, "poor"))


def rating(efficiency: float) -> str:
    """The source's band for a parallel efficiency given as a fraction (0.862 -> excellent).
    A value exactly on a boundary takes the lower band (the source: '>70% excellent')."""
    if efficiency > RATING_BANDS[0][0]:
        return RATING_BANDS[0][1]
    for low, name in RATING_BANDS[1:]:
        if efficiency >= low:
            return name
    return RATING_BANDS[-1][1]


def speedup(baseline_env_steps_per_s: float, env_steps_per_s) -> np.ndarray:
    """Speedup over the 1 runner x 1 env baseline (baseline iteration time / iteration time)."""
    return np.asarray(env_steps_per_s, dtype=float) / float(baseline_env_steps_per_s)


def efficiency(speedup_, total_envs) -> np.ndarray:
    """Parallel efficiency as a fraction: speedup / total envs (runners x envs per runner)."""
    return np.asarray(speedup_, dtype=float) / np.asarray(total_envs, dtype=float)


def scaling_figures(env_steps_per_s: float, baseline_env_steps_per_s: float,
                    total_envs: int) -> tuple[float, float, str]:
    """``(speedup, efficiency, rating)`` of one setting over the 1 runner x 1 env baseline: the one
    function every table, report and page rates with, measured or predicted."""
    s = float(speedup(baseline_env_steps_per_s, env_steps_per_s))
    e = float(efficiency(s, total_envs))
    return s, e, rating(e)


def as_grid(X) -> np.ndarray:
    """``(n, 2)`` array of (num_env_runners, num_envs_per_env_runner), each at least 1; envs per
    runner whole (runner counts may be fractional, to draw a continuous curve)."""
    arr = np.asarray(X, dtype=float)
    if arr.ndim == 1 and arr.size == 2:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2): num_env_runners, num_envs_per_env_runner; got {arr.shape}")
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr < 1) or np.any(arr[:, 1] != np.round(arr[:, 1]))):
        raise ValueError("num_env_runners must be at least 1 and num_envs_per_env_runner a whole number of at least 1")
    return arr


class RunnerScalingModel(Estimator):
    """Fit env steps/s over (num_env_runners, num_envs_per_env_runner).

    Parameters are those of :class:`models.usl.USLModel`. Learned attributes: ``primary_envs_``
    (envs per runner of the USL curve), ``usl_`` (the fitted :class:`USLModel`),
    ``envs_effect_`` (envs per runner -> ((runners, multiplier over the primary curve), ...)),
    ``measured_`` ((r, e) -> env steps/s), ``baseline_env_steps_per_s_`` (the fitted 1 runner x
    1 env throughput that predicted speedups divide by; ``None`` when no point has 1 env per
    runner) and ``baseline_source_`` (how it relates to the measured one).
    """

    def __init__(self, confidence: float = 0.9, prior_sigma: float = 0.03, extrapolation_widening: float = 0.5):
        self.confidence = confidence
        self.prior_sigma = prior_sigma
        self.extrapolation_widening = extrapolation_widening

    def fit(self, X, y, y_samples=None) -> RunnerScalingModel:
        grid = as_grid(X)
        sps = np.asarray(y, dtype=float)
        if sps.shape != (grid.shape[0],) or not np.all(np.isfinite(sps)) or np.any(sps <= 0):
            raise ValueError("y must hold one positive env steps/s value per row of X")
        if np.any(grid[:, 0] != np.round(grid[:, 0])):
            raise ValueError("measured num_env_runners must be whole numbers")
        keys = [(int(r), int(e)) for r, e in grid]
        if len(set(keys)) != len(keys):
            raise ValueError("each (num_env_runners, num_envs_per_env_runner) may appear once")
        self.measured_ = dict(zip(keys, map(float, sps)))
        groups: dict[int, list[int]] = {}
        for r, e in keys:
            groups.setdefault(e, []).append(r)
        ranked = sorted(groups, key=lambda e: (-len(groups[e]), e))
        self.primary_envs_ = ranked[0]
        if len(groups[self.primary_envs_]) < 2:
            raise ValueError("need two or more runner counts at the same envs per runner to fit scaling")
        rows = [i for i, k in enumerate(keys) if k[1] == self.primary_envs_]
        samples = None if y_samples is None else [y_samples[i] for i in rows]
        self.usl_ = USLModel(self.confidence, self.prior_sigma, self.extrapolation_widening).fit(
            grid[rows, 0], sps[rows], y_samples=samples)
        self.envs_effect_ = {}
        for e, runners in groups.items():
            if e != self.primary_envs_:
                self.envs_effect_[e] = tuple((r, self.measured_[(r, e)] / self._primary(r)) for r in sorted(runners))
        # predictions compare with the model's own 1r x 1e, so a predicted speedup at 1r x 1e is exactly 1
        self.baseline_env_steps_per_s_ = float(self.predict([[1, 1]])[0]) if 1 in groups else None
        self.baseline_source_ = None if 1 not in groups else (
            "fitted; 1r x 1e measured {:,.1f} env steps/s".format(self.measured_[(1, 1)]) if (1, 1) in self.measured_
            else "fitted; 1r x 1e was not measured")
        return self

    def _primary(self, runners: int) -> float:
        measured = self.measured_.get((runners, self.primary_envs_))
        return measured if measured is not None else float(self.usl_.predict([runners])[0])

    @property
    def envs_per_runner_(self) -> tuple[int, ...]:
        check_is_fitted(self, "usl_")
        return tuple(sorted({self.primary_envs_, *self.envs_effect_}))

    def envs_multiplier(self, runners, envs_per_runner: int) -> np.ndarray:
        """Throughput at ``envs_per_runner`` over the primary curve's, at each runner count."""
        check_is_fitted(self, "usl_")
        r = np.asarray(runners, dtype=float)
        if envs_per_runner == self.primary_envs_:
            return np.ones_like(r)
        if envs_per_runner not in self.envs_effect_:
            measured = ", ".join(map(str, self.envs_per_runner_))
            raise ValueError(f"no measurements at {envs_per_runner} envs per runner (measured: {measured})")
        at = self.envs_effect_[envs_per_runner]
        xs = np.log([a for a, _ in at])
        ys = np.log([m for _, m in at])
        return np.exp(np.interp(np.log(r), xs, ys))

    def predict(self, X) -> np.ndarray:
        """Predicted env steps/s at each (num_env_runners, num_envs_per_env_runner) row."""
        grid = as_grid(X)
        out = np.empty(grid.shape[0])
        for i, (r, e) in enumerate(grid):
            out[i] = self.usl_.predict([r])[0] * self.envs_multiplier([r], int(e))[0]
        return out

    def predict_interval(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)`` env steps/s: the USL curve's relative interval at that runner count,
        scaled by the envs-per-runner multiplier (whose own scatter is not included)."""
        grid = as_grid(X)
        mult = np.array([self.envs_multiplier([r], int(e))[0] for r, e in grid])
        low, high = self.usl_.predict_interval(grid[:, 0])
        return low * mult, high * mult

    def is_extrapolation(self, X) -> np.ndarray:
        """True where the runner count lies outside those measured at that envs per runner."""
        grid = as_grid(X)
        flags = []
        for r, e in grid:
            e = int(e)
            runners = ([a for a, _ in self.envs_effect_[e]] if e in self.envs_effect_
                       else self.usl_.runners_range_)
            flags.append(bool(r < min(runners) or r > max(runners)))
        return np.array(flags)

    def speedup(self, X) -> np.ndarray:
        """Predicted speedup over the 1 runner x 1 env baseline."""
        check_is_fitted(self, "usl_")
        if self.baseline_env_steps_per_s_ is None:
            raise ValueError("speedup and efficiency need measurements at 1 env per runner")
        return speedup(self.baseline_env_steps_per_s_, self.predict(X))

    def efficiency(self, X) -> np.ndarray:
        """Predicted parallel efficiency (fraction) = speedup / (runners x envs per runner)."""
        grid = as_grid(X)
        return efficiency(self.speedup(grid), grid[:, 0] * grid[:, 1])


def leave_one_out(keys: list[tuple[int, int]], env_steps_per_s: list[float], **params) -> list[dict]:
    """Refit without each point in turn and predict it: one dict per point with ``key``,
    ``measured``, ``predicted`` (``None`` when the rest cannot predict it), ``error`` (relative:
    predicted / measured - 1) and ``form`` (the USL form the rest chose) or ``reason``."""
    def held_out(keep, i: int) -> dict:
        key = keys[i]
        row = {"key": key, "measured": float(env_steps_per_s[i]), "predicted": None, "error": None}
        try:
            model = RunnerScalingModel(**params).fit([k for k, kept in zip(keys, keep) if kept],
                                                     [v for v, kept in zip(env_steps_per_s, keep) if kept])
            predicted = float(model.predict([key])[0])
        except ValueError as exc:
            row["reason"] = str(exc)
        else:
            row.update(predicted=predicted, error=predicted / env_steps_per_s[i] - 1, form=model.usl_.form_)
        return row

    return _leave_one_out(len(keys), held_out)
