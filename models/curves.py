"""Parametric curve forms fitted in log space, with delta-method prediction intervals.

A :class:`Form` maps positive inputs ``x`` to a positive output with parameters ``theta`` that
are unconstrained (positivity is built in through ``exp``). Fitting minimises squared log
residuals, so errors are relative: a 5% miss costs the same at 64 envs as at 65536.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from models.stats import coverage_scale, levenberg_marquardt, t_quantile


@dataclass(frozen=True)
class Form:
    name: str
    description: str
    n_params: int
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
    starts: Callable[[np.ndarray, np.ndarray], list[np.ndarray]]


def _sigmoid(z: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def _linear_starts(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    slope = max((y[-1] - y[0]) / max(x[-1] - x[0], 1e-12), y[-1] / x[-1] * 1e-3, 1e-30)
    intercept = max(y[0] - slope * x[0], y[0] * 0.05)
    return [np.array([math.log(intercept), math.log(slope)]),
            np.array([math.log(y[0] * 0.5), math.log(y[-1] / x[-1])])]


def _linear(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.exp(theta[0]) + np.exp(theta[1]) * x


def _power(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    exponent = 0.2 + 1.8 * _sigmoid(theta[2])
    return np.exp(theta[0]) + np.exp(theta[1]) * x**exponent


def _power_starts(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    starts = []
    for base in _linear_starts(x, y):
        for c in (0.5, 1.0, 1.5):
            z = math.log((c - 0.2) / 1.8 / (1 - (c - 0.2) / 1.8))
            b = base[1] + math.log(max(x[-1], 1.0)) * (1 - c)
            starts.append(np.array([base[0], b, z]))
    return starts


def _depth(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.exp(theta[0]) + np.exp(theta[1]) * x + np.exp(theta[2]) * np.log(np.maximum(x, 1.0))


def _depth_starts(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    starts = []
    for base in _linear_starts(x, y):
        for share in (0.1, 0.5, 0.9):  # part of the smallest point's time put on the log term
            c = max(y[0] * share / max(math.log(max(x[0], 2.0)), 1e-12), 1e-30)
            starts.append(np.array([math.log(max(math.exp(base[0]) * (1 - share), 1e-30)), base[1], math.log(c)]))
    return starts


def _roofline(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    p = 1.0 + np.exp(theta[2])
    # (a^p + (b x)^p)^(1/p) with a = e^theta0, b = e^theta1, computed stably in log space
    la, lb = p * theta[0], p * (theta[1] + np.log(x))
    m = np.maximum(la, lb)
    return np.exp((m + np.log(np.exp(la - m) + np.exp(lb - m))) / p)


def _roofline_starts(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    return [np.array([s[0], s[1], math.log(p - 1)]) for s in _linear_starts(x, y) for p in (1.5, 3.0, 8.0)]


#: Iteration time T(num_envs) in seconds.
ITERATION_TIME_FORMS: dict[str, Form] = {
    "linear": Form("linear", "fixed latency + per-env cost: T = a + b*n", 2, _linear, _linear_starts),
    "occupancy": Form("occupancy", "latency-bound until the device is full, then per-env cost: "
                      "T = (a^p + (b*n)^p)^(1/p)", 3, _roofline, _roofline_starts),
    "power": Form("power", "fixed latency + growing per-env cost: T = a + b*n^c", 3, _power, _power_starts),
    "depth": Form("depth", "fixed latency + per-env cost + a cost growing with log n (reductions and the "
                  "minibatch shuffle get deeper as the batch grows): T = a + b*n + c*ln(n)", 3, _depth, _depth_starts),
}


@dataclass(frozen=True)
class LogFit:
    """A form fitted in log space: parameters, their covariance scale and the residual spread."""

    form: Form
    theta: np.ndarray
    cov_unscaled: np.ndarray  # (J^T J)^-1
    sigma: float  # residual standard deviation of log y (shrunk toward a prior when dof is small)
    dof: int
    x_min: float
    x_max: float
    #: the fitted points (x) and their log residuals (log predicted - log measured), which the
    #: interval is widened to hold at its confidence (:func:`models.stats.coverage_scale`)
    x_fit: np.ndarray | None = None
    residuals: np.ndarray | None = None

    def predict_log(self, x: np.ndarray) -> np.ndarray:
        return np.log(self.form.fn(self.theta, x))

    def log_gradient(self, x: np.ndarray) -> np.ndarray:
        """d log y / d theta at each ``x`` (forward differences), shape ``(len(x), params)``."""
        base = self.predict_log(x)
        cols = []
        for i in range(self.theta.size):
            step = 1e-6 * max(1.0, abs(self.theta[i]))
            shifted = self.theta.copy()
            shifted[i] += step
            cols.append((np.log(self.form.fn(shifted, x)) - base) / step)
        return np.stack(cols, axis=1)

    def _delta_halfwidth(self, x: np.ndarray, t: float) -> np.ndarray:
        """The delta-method half-width of log y at ``x`` (parameter uncertainty plus one run's
        scatter), before any widening."""
        g = self.log_gradient(x)
        leverage = np.einsum("ij,jk,ik->i", g, self.cov_unscaled, g)
        return t * self.sigma * np.sqrt(1.0 + np.maximum(leverage, 0.0))

    def coverage_scale(self, confidence: float) -> float:
        """How much the delta-method interval is widened so that it holds the fitted points at
        ``confidence`` (1 when it already does)."""
        if self.x_fit is None or self.residuals is None:
            return 1.0
        t = t_quantile(0.5 + confidence / 2, max(self.dof, 1))
        return coverage_scale(self.residuals, self._delta_halfwidth(self.x_fit, t), confidence)

    def log_halfwidth(self, x: np.ndarray, confidence: float, extrapolation_widening: float) -> np.ndarray:
        """Half-width of the prediction interval of log y at ``x``, widened outside the data. It
        holds the fitted points at ``confidence`` (:meth:`coverage_scale`)."""
        t = t_quantile(0.5 + confidence / 2, max(self.dof, 1))
        outside = np.maximum(np.log(self.x_min / x), 0) + np.maximum(np.log(x / self.x_max), 0)
        widen = 1.0 + extrapolation_widening * outside / math.log(2)
        return self._delta_halfwidth(x, t) * widen * self.coverage_scale(confidence)


def fit_log(form: Form, x: np.ndarray, y: np.ndarray, prior_sigma: float, prior_weight: float = 1.0,
            starts: list[np.ndarray] | None = None, noise_ss: float = 0.0, noise_dof: int = 0) -> LogFit:
    """Fit ``form`` to ``(x, y)`` minimising squared log residuals from several starts (the
    form's own, or ``starts``: a refit on a subset starts from the full fit).

    The spread is pooled: ``sqrt((SSR + noise_ss + w*prior^2) / (dof + noise_dof + w))``, where
    ``noise_ss``/``noise_dof`` come from repeated timings at each point and ``w`` weighs a prior
    guess; with few points this keeps the interval honest instead of collapsing or exploding.
    """
    order = np.argsort(x)
    x, y = x[order], y[order]
    ly = np.log(y)

    def residuals(theta: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            pred = form.fn(theta, x)
        if (pred > 0).all():  # the usual case, without the masking (this runs thousands of times a fit)
            return np.log(pred) - ly
        return np.where(pred > 0, np.log(np.where(pred > 0, pred, 1.0)) - ly, 1e6)

    best = None
    for start in starts if starts is not None else form.starts(x, y):
        theta, jac, cost = levenberg_marquardt(residuals, start)
        if best is None or cost < best[2]:
            best = (theta, jac, cost)
    theta, jac, cost = best
    dof = max(x.size - form.n_params, 0) + noise_dof
    cov = np.linalg.pinv(jac.T @ jac)
    sigma = math.sqrt((cost + noise_ss + prior_weight * prior_sigma**2) / (dof + prior_weight))
    with np.errstate(all="ignore"):
        fitted = residuals(theta)
    return LogFit(form, theta, cov, sigma, int(dof + prior_weight), float(x[0]), float(x[-1]), x_fit=x.copy(),
                  residuals=fitted)
