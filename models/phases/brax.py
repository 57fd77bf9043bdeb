"""Seconds per Brax PPO training step as the sum of its phases, so that batch shapes that were not
run (another ``batch_size``, ``num_minibatches``, ``unroll_length``) are predicted from the ones
that were. Pure: numpy only.

One training step collects ``E = batch_size * unroll_length * num_minibatches * action_repeat``
env steps in ``E / num_envs`` sequential steps of ``num_envs`` envs, then runs
``num_updates_per_batch * num_minibatches`` SGD steps over minibatches of ``batch_size *
unroll_length`` samples. Its time is modelled as

    T = c_seq * E / num_envs  +  c_env * E  +  c_sgd * K * M  [+ c_sample * K * E]

a latency per sequential env step (dispatch, the policy's forward pass at small sizes), a cost
per env step (physics and policy), a cost per SGD step, and a cost per sample through SGD. The
last column is used only when the data vary ``K = num_updates_per_batch``; otherwise it is part
of ``c_env`` and predictions at another K say so (:meth:`BraxPhaseModel.same_updates`). The
coefficients are non-negative least squares on relative errors; the 90% interval pools the fit's
residuals, the epochs' scatter and a prior guess of timing noise, and widens outside the measured
ranges of num_envs, E, SGD steps and minibatch size like the num_envs curves do.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from models.base import Estimator, check_is_fitted
from models.stats import coverage_scale, pooled_log_noise, t_quantile

#: Columns of ``X``: one row per config.
COLUMNS = ("num_envs", "batch_size", "num_minibatches", "unroll_length", "num_updates_per_batch", "action_repeat")
TERMS = ("per sequential env step", "per env step", "per SGD step", "per sample through SGD")


def as_configs(X) -> np.ndarray:
    x = np.asarray(X, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != len(COLUMNS):
        raise ValueError(f"X must have one row per config with columns {COLUMNS}")
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise ValueError("every config value must be a positive number")
    return x


def env_steps(x: np.ndarray) -> np.ndarray:
    return x[:, 1] * x[:, 2] * x[:, 3] * x[:, 5]


def features(x: np.ndarray) -> np.ndarray:
    e = env_steps(x)
    return np.stack([e / x[:, 0], e, x[:, 4] * x[:, 2], x[:, 4] * e], axis=1)


def ranges(x: np.ndarray) -> np.ndarray:
    """What the interval widens along: num_envs, E, SGD steps, minibatch size."""
    return np.stack([x[:, 0], env_steps(x), x[:, 4] * x[:, 2], x[:, 1] * x[:, 3]], axis=1)


def nnls_relative(a: np.ndarray, t: np.ndarray, columns: list[int]) -> tuple[np.ndarray, list[int]]:
    """Non-negative coefficients over ``columns`` minimising squared relative error; tries every
    subset (there are at most four columns). Returns the full-length coefficient vector and the
    columns it uses."""
    rows = a / t[:, None]
    best: tuple[float, np.ndarray, list[int]] | None = None
    for size in range(1, len(columns) + 1):
        for subset in itertools.combinations(columns, size):
            cols = list(subset)
            coef, *_ = np.linalg.lstsq(rows[:, cols], np.ones(t.size), rcond=None)
            if np.any(coef < 0):
                continue
            ssr = float(np.sum((rows[:, cols] @ coef - 1.0) ** 2))
            if best is None or ssr < best[0] - 1e-15:
                best = (ssr, coef, cols)
    full = np.zeros(a.shape[1])
    if best is None:
        return full, []
    full[best[2]] = best[1]
    return full, best[2]


class BraxPhaseModel(Estimator):
    """Fit seconds per training step over configs (module docstring).

    Parameters
    ----------
    confidence : coverage of :meth:`predict_interval`.
    prior_sigma : relative timing noise assumed before data is seen.
    extrapolation_widening : growth of the interval half-width per doubling outside the data
        (summed over num_envs, env steps per update, SGD steps and minibatch size).

    Learned: ``coef_`` (seconds per unit of each of :data:`TERMS`), ``active_`` (columns used),
    ``sigma_``, ``dof_``, ``cov_`` (unscaled covariance of the active coefficients, relative
    rows), ``low_``/``high_`` (measured ranges), ``updates_`` (the K values seen), ``coverage_`` (how
    much the interval is widened to hold the fitted configs at ``confidence``:
    :func:`models.stats.coverage_scale`).
    """

    def __init__(self, confidence: float = 0.9, prior_sigma: float = 0.05, extrapolation_widening: float = 0.5):
        self.confidence = confidence
        self.prior_sigma = prior_sigma
        self.extrapolation_widening = extrapolation_widening

    def fit(self, X, y, y_samples=None) -> BraxPhaseModel:
        """``y``: seconds per training step of each config; ``y_samples``: per-epoch seconds per
        step of each (their scatter joins the interval)."""
        x = as_configs(X)
        t = np.asarray(y, dtype=float)
        if t.shape != (x.shape[0],) or np.any(~np.isfinite(t)) or np.any(t <= 0):
            raise ValueError("y must hold one positive seconds-per-step value per config")
        if x.shape[0] < 2:
            raise ValueError("need two or more measured configs to fit the phases")
        self.updates_ = tuple(sorted(set(x[:, 4].astype(int).tolist())))
        columns = [0, 1, 2] + ([3] if len(self.updates_) > 1 else [])
        a = features(x)
        self.coef_, self.active_ = nnls_relative(a, t, columns)
        if not self.active_:
            raise ValueError("no non-negative phase costs fit these timings")
        rows = (a / t[:, None])[:, self.active_]
        residuals = rows @ self.coef_[self.active_] - 1.0
        self.dof_ = x.shape[0] - len(self.active_)
        noise_ss, noise_dof = pooled_log_noise(y_samples, x.shape[0])
        weight = 1.0
        self.sigma_ = math.sqrt((float(np.sum(residuals ** 2)) + noise_ss + weight * self.prior_sigma ** 2)
                                / (max(self.dof_, 0) + noise_dof + weight))
        self.cov_ = np.linalg.pinv(rows.T @ rows)
        spans = ranges(x)
        self.low_, self.high_ = spans.min(axis=0), spans.max(axis=0)
        self.residuals_ = residuals
        self.coverage_ = 1.0
        low, high = self.predict_interval(x)
        predicted = self.predict(x)
        measured = env_steps(x) / t
        half = np.where(measured < predicted, np.log(predicted / low), np.log(high / predicted))
        self.coverage_ = coverage_scale(np.log(measured / predicted), half, self.confidence)
        return self

    def predict_update_s(self, X) -> np.ndarray:
        """Seconds per training step."""
        check_is_fitted(self, "coef_")
        return features(as_configs(X)) @ self.coef_

    def phases_s(self, X) -> np.ndarray:
        """Seconds per training step of each term (rows: configs, columns: :data:`TERMS`)."""
        check_is_fitted(self, "coef_")
        return features(as_configs(X)) * self.coef_

    def predict(self, X) -> np.ndarray:
        """Env steps/s of each config."""
        x = as_configs(X)
        return env_steps(x) / self.predict_update_s(x)

    def outside_doublings(self, X) -> np.ndarray:
        """How many doublings each config lies outside the measured ranges (summed)."""
        check_is_fitted(self, "coef_")
        spans = ranges(as_configs(X))
        outside = np.maximum(np.log(self.low_ / spans), 0) + np.maximum(np.log(spans / self.high_), 0)
        return outside.sum(axis=1) / math.log(2)

    def is_extrapolation(self, X) -> np.ndarray:
        return self.outside_doublings(X) > 1e-9

    def same_updates(self, X) -> np.ndarray:
        """Whether each config's num_updates_per_batch is one the fit can tell apart (measured, or
        the data varied it)."""
        check_is_fitted(self, "coef_")
        k = as_configs(X)[:, 4]
        return np.array([3 in self.active_ or len(self.updates_) > 1 or int(v) in self.updates_ for v in k])

    def predict_interval(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)`` env steps/s at ``confidence``."""
        x = as_configs(X)
        t = self.predict_update_s(x)
        g = (features(x) / t[:, None])[:, self.active_]
        leverage = np.einsum("ij,jk,ik->i", g, self.cov_, g)
        q = t_quantile(0.5 + self.confidence / 2, max(self.dof_, 1))
        widen = 1.0 + self.extrapolation_widening * self.outside_doublings(x)
        widen = widen * np.where(self.same_updates(x), 1.0, 2.0)
        half = q * self.sigma_ * np.sqrt(1.0 + np.maximum(leverage, 0.0)) * widen * getattr(self, "coverage_", 1.0)
        sps = env_steps(x) / t
        return sps * np.exp(-half), sps * np.exp(half)
