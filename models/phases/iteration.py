"""Iteration time over the phases of a PPO iteration, so train_sps is predicted for any
``(num_envs, num_steps, num_minibatches, update_epochs)``, not only the shape that was measured.

One iteration is a rollout of ``num_steps`` vmapped env steps (with GAE) and an update of
``update_epochs * num_minibatches`` minibatch steps of ``minibatch_size = num_envs * num_steps /
num_minibatches`` samples each::

    T = rho * (num_steps * r(num_envs) + update_epochs * num_minibatches * u(minibatch_size))

``r`` (seconds per rollout step) and ``u`` (seconds per minibatch step) are each a latency plus a
per-sample cost that saturates, the forms of :mod:`models.curves` chosen by leave-one-out as in
:class:`models.throughput.TrainThroughputModel`; ``rho`` is the ratio of the fused iteration's
time to the sum of its phases timed apart (XLA fuses across the phase boundary; near 1), taken
at each num_envs from the points there and interpolated along log num_envs between them. Pure: no
I/O; the scikit-learn estimator conventions of :mod:`models.base`.

Intervals: the bounds of ``r``, ``u`` and ``rho`` are combined conservatively (all low or all
high together), and widen outside what was measured on each axis: ``num_envs`` and the minibatch
size through ``r`` and ``u`` themselves, and by :data:`AXIS_WIDENING` per doubling for a
``num_minibatches`` outside the measured counts, a ``num_steps`` or ``update_epochs`` that was
not measured.
"""

from __future__ import annotations

import math

import numpy as np

from models.base import Estimator, check_is_fitted, distinct
from models.stats import coverage_scale, t_quantile
from models.throughput import TrainThroughputModel

#: Candidate forms of ``r`` and ``u``: latency plus per-sample cost, plain (``linear``) or latency-bound
#: until the device is busy (``occupancy``); chosen per phase by leave-one-out.
PHASE_FORMS = ("linear", "occupancy")
#: Half-width added to log(T) per doubling away from the measured values of an axis the model
#: extrapolates along. num_minibatches: 0.2, about the slowdown per doubling seen on an H100
#: (32 -> 128 minibatches at 4096 envs cut train_sps 31%, log 0.37 over two doublings), so a
#: count never measured carries at least that much doubt. num_steps and update_epochs: 0.1, since
#: the rollout and the update are linear in them by construction and only per-iteration overheads
#: are not.
AXIS_WIDENING = {"num_minibatches": 0.2, "num_steps": 0.1, "update_epochs": 0.1}


def doublings(value: float, measured: np.ndarray) -> float:
    """How many doublings ``value`` lies outside the range of ``measured`` (0 inside it)."""
    low, high = float(np.min(measured)), float(np.max(measured))
    return max(math.log2(low / value), 0.0) + max(math.log2(value / high), 0.0)


class PhaseModel(Estimator):
    """Fit the phases of PPO iterations; predict iteration time and train_sps for any shape.

    ``fit(X, y)``: ``X`` rows are ``(num_envs, num_steps, num_minibatches, update_epochs)`` of
    timed update phases and ``y`` their seconds; ``rollouts`` is ``(num_envs, num_steps,
    seconds)`` rows of timed rollout phases; ``fused`` is ``(rollout seconds + update seconds,
    fused iteration seconds)`` pairs of the same points; ``y_samples``/``rollout_samples`` (one
    sequence of timed calls per row) add their scatter to the intervals.

    Learned attributes: ``rollout_`` and ``update_`` (the fitted :class:`TrainThroughputModel`
    of ``r`` over num_envs and of ``u`` over minibatch size), ``rho_`` and ``rho_log_sigma_`` (the
    ratio over all pairs and its spread), ``rho_envs_`` and ``rho_log_by_envs_`` (its log per num_envs),
    ``num_steps_``, ``update_epochs_`` and ``num_minibatches_`` (measured values of each axis),
    ``coverage_`` (how much the interval is widened, in log, to hold the fused iterations of
    ``fused_rows``, their configs, at ``confidence``: :func:`models.stats.coverage_scale`).
    """

    def __init__(self, confidence: float = 0.9, prior_sigma: float = 0.03, axis_widening: dict | None = None):
        self.confidence = confidence
        self.prior_sigma = prior_sigma
        self.axis_widening = axis_widening

    def fit(self, X, y, *, rollouts, fused=(), fused_envs=None, y_samples=None, rollout_samples=None,
            fused_rows=None) -> PhaseModel:
        x = np.asarray(X, dtype=float).reshape(-1, 4)
        update_s = np.asarray(y, dtype=float)
        rolls = np.asarray(rollouts, dtype=float).reshape(-1, 3)
        if x.shape[0] != update_s.size or x.shape[0] == 0:
            raise ValueError("X and y must have the same, non-zero length")
        if np.any(x <= 0) or np.any(update_s <= 0) or np.any(rolls <= 0):
            raise ValueError("shapes and seconds must be positive")
        n, steps, k, epochs = x.T
        minibatch = n * steps / k
        per_step = update_s / (epochs * k)  # seconds per minibatch step
        samples = None
        if y_samples is not None:
            samples = [[m / (float(s) / (e * kk)) for s in row] for m, row, e, kk in zip(minibatch, y_samples, epochs, k)]
        # the phase curves stay on their forms (anchor="never"): their timings come from one process,
        # and the model is validated as a whole (rho, the fused iteration, corrects the two phases);
        # reading between the measurements is validated for whole-iteration throughput only
        self.update_ = TrainThroughputModel(num_steps=1, prior_sigma=self.prior_sigma, confidence=self.confidence,
                                            forms=PHASE_FORMS, anchor="never").fit(
            minibatch, minibatch / per_step, y_samples=samples)
        rn, rsteps, rsec = rolls.T
        rsamples = None
        if rollout_samples is not None:
            rsamples = [[envs / (float(s) / st) for s in row] for envs, st, row in zip(rn, rsteps, rollout_samples)]
        self.rollout_ = TrainThroughputModel(num_steps=1, prior_sigma=self.prior_sigma, confidence=self.confidence,
                                             forms=PHASE_FORMS, anchor="never").fit(
            rn, rn / (rsec / rsteps), y_samples=rsamples)
        pairs = np.asarray(fused, dtype=float).reshape(-1, 2)
        self.rho_envs_ = self.rho_log_by_envs_ = None
        if pairs.shape[0]:
            logs = np.log(pairs[:, 1] / pairs[:, 0])
            self.rho_ = float(math.exp(logs.mean()))
            ss = float(((logs - logs.mean()) ** 2).sum())
            self.rho_log_sigma_ = math.sqrt((ss + self.prior_sigma**2) / (logs.size - 1 + 1))
            self.rho_dof_ = logs.size
            if fused_envs is not None:
                owners = np.asarray(fused_envs, dtype=float).reshape(-1)
                if owners.size != logs.size:
                    raise ValueError("fused_envs must name the num_envs of every fused pair")
                self.rho_envs_ = distinct(owners)
                self.rho_log_by_envs_ = np.array([logs[owners == e].mean() for e in self.rho_envs_])
        else:
            self.rho_, self.rho_log_sigma_, self.rho_dof_ = 1.0, self.prior_sigma, 1
        self.num_steps_ = distinct(np.concatenate([steps, rsteps]))
        self.update_epochs_ = distinct(epochs)
        self.num_minibatches_ = distinct(k)
        self.minibatch_variation_ = bool(np.any([distinct(k[n == envs]).size > 1 for envs in distinct(n)]))
        self.coverage_ = 1.0
        if fused_rows is not None and pairs.shape[0]:
            # the interval holds the fused iterations it was fitted on (their whole configs in fused_rows)
            rows = self._rows(fused_rows)
            if rows.shape[0] != pairs.shape[0]:
                raise ValueError("fused_rows must give the config of every fused pair")
            measured = rows[:, 0] * rows[:, 1] / pairs[:, 1]
            predicted = self.predict(rows)
            low, high = self.predict_interval(rows)
            below = measured < predicted
            half = np.where(below, np.log(predicted / low), np.log(high / predicted))
            self.coverage_ = coverage_scale(np.log(measured / predicted), half, self.confidence)
        return self

    def _rows(self, X) -> np.ndarray:
        rows = np.asarray(X, dtype=float).reshape(-1, 4)
        if np.any(rows <= 0) or not np.all(np.isfinite(rows)):
            raise ValueError("num_envs, num_steps, num_minibatches and update_epochs must be positive")
        return rows

    def phase_seconds(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(rollout seconds, update seconds)`` per row, before the fused ratio."""
        check_is_fitted(self, "rollout_")
        n, steps, k, epochs = self._rows(X).T
        rollout = steps * self.rollout_.predict_iteration_s(n)
        update = epochs * k * self.update_.predict_iteration_s(n * steps / k)
        return rollout, update

    def rho_at(self, num_envs) -> np.ndarray:
        """The fused ratio at each ``num_envs``: where the pairs' num_envs are known, their mean log
        ratio per num_envs interpolated along log num_envs (the nearest measured one's beyond
        them), since the gap between a fused iteration and its phases timed apart changes with the
        problem size; else the one ratio of all pairs."""
        check_is_fitted(self, "rollout_")
        n = np.asarray(num_envs, dtype=float).reshape(-1)
        if self.rho_envs_ is None:
            return np.full(n.shape, self.rho_)
        return np.exp(np.interp(np.log(n), np.log(self.rho_envs_), self.rho_log_by_envs_))

    def predict_iteration_s(self, X) -> np.ndarray:
        """Seconds per fused training iteration."""
        rollout, update = self.phase_seconds(X)
        return self.rho_at(self._rows(X)[:, 0]) * (rollout + update)

    def predict(self, X) -> np.ndarray:
        """Predicted train_sps (env steps/s) per row."""
        n, steps = self._rows(X).T[:2]
        return n * steps / self.predict_iteration_s(X)

    def axis_half(self, row: np.ndarray) -> float:
        """Log half-width added for the axes ``row`` extrapolates along (see the module docstring)."""
        widening = {**AXIS_WIDENING, **(self.axis_widening or {})}
        _, steps, k, epochs = row
        return (widening["num_minibatches"] * doublings(k, self.num_minibatches_)
                + widening["num_steps"] * doublings(steps, self.num_steps_)
                + widening["update_epochs"] * doublings(epochs, self.update_epochs_))

    def predict_interval(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)`` train_sps bounds at ``confidence``."""
        rows = self._rows(X)
        n, steps, k, epochs = rows.T
        m = n * steps / k
        r_lo_sps, r_hi_sps = self.rollout_.predict_interval(n)  # env steps/s per rollout step
        u_lo_sps, u_hi_sps = self.update_.predict_interval(m)  # samples/s per minibatch step
        t = t_quantile(0.5 + self.confidence / 2, max(self.rho_dof_, 1))
        rho_half = t * self.rho_log_sigma_
        slow = steps * n / r_lo_sps + epochs * k * m / u_lo_sps
        fast = steps * n / r_hi_sps + epochs * k * m / u_hi_sps
        extra = np.array([self.axis_half(row) for row in rows])
        rho = self.rho_at(n)
        t_high = rho * slow * np.exp(rho_half + extra)
        t_low = rho * fast * np.exp(-rho_half - extra)
        low, high = n * steps / t_high, n * steps / t_low
        scale = getattr(self, "coverage_", 1.0)
        if scale != 1.0:  # widened in log space about the prediction, to hold the fitted iterations
            sps = self.predict(rows)
            low, high = sps * (low / sps) ** scale, sps * (high / sps) ** scale
        return low, high

    def extrapolated_axes(self, X) -> list[tuple[str, ...]]:
        """Per row, the axes it lies outside the measurements of."""
        check_is_fitted(self, "rollout_")
        found = []
        for n, steps, k, epochs in self._rows(X):
            axes = []
            if self.rollout_.is_extrapolation([n])[0]:
                axes.append("num_envs")
            if self.update_.is_extrapolation([n * steps / k])[0]:
                axes.append("minibatch_size")
            for name, value, measured in (("num_minibatches", k, self.num_minibatches_),
                                          ("num_steps", steps, self.num_steps_),
                                          ("update_epochs", epochs, self.update_epochs_)):
                if doublings(value, measured) > 0 or (name != "num_minibatches" and value not in measured):
                    axes.append(name)
            found.append(tuple(axes))
        return found
