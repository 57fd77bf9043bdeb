"""Training throughput as a function of ``num_envs``: ``train_sps(n) = n * num_steps / T(n)``.

``T(n)``, the seconds per PPO iteration, is modelled physically: a fixed latency (kernel
launches, the sequential scan over ``num_steps``, minibatch updates) plus a per-env cost once the
device is busy. Candidate forms live in :mod:`models.curves`; with ``form="auto"`` the one with
the smallest leave-one-out error is chosen, preferring fewer parameters unless a richer form
cuts the error by more than a tenth.

A form that misses the measured points by more than their timing noise explains (a program that
changes regime between two measured sizes; :func:`models.interpolation.lack_of_fit`) is not
trusted between them: with ``anchor="auto"`` the model then goes through the measurements,
monotone in log-log between them (:func:`models.interpolation.pchip`), carries the form beyond
them shifted onto the end measurements, and its interval spans both the interpolation and the
form's own interval.
"""

from __future__ import annotations

import math

import numpy as np

from models.base import Estimator, as_1d, check_is_fitted, distinct
from models.curves import ITERATION_TIME_FORMS, LogFit, fit_log
from models.interpolation import LackOfFit, lack_of_fit, pchip
from models.stats import leave_one_out, pooled_log_noise, rms


def loo_log_errors(form_name: str, x: np.ndarray, y: np.ndarray, prior_sigma: float) -> np.ndarray:
    """Leave-one-out errors ``log(y_pred / y_true)`` of ``form_name`` at each point."""
    form = ITERATION_TIME_FORMS[form_name]
    full = fit_log(form, x, y, prior_sigma)

    def held_out(keep: np.ndarray, i: int) -> float:
        fit = fit_log(form, x[keep], y[keep], prior_sigma, starts=[full.theta, *form.starts(x[keep], y[keep])[:1]])
        return float(fit.predict_log(x[i : i + 1])[0] - math.log(y[i]))

    return np.array(leave_one_out(x.size, held_out))


class TrainThroughputModel(Estimator):
    """Fit ``train_sps`` (env steps/s) against ``num_envs``.

    Parameters
    ----------
    num_steps : rollout length per iteration (env steps per env).
    form : ``"auto"`` or a key of :data:`models.curves.ITERATION_TIME_FORMS`.
    confidence : coverage of :meth:`predict_interval` (0.9 = 5th to 95th percentile).
    prior_sigma : relative run-to-run noise assumed before data is seen (shrinks intervals
        less when there are few points).
    extrapolation_widening : growth of the interval half-width per doubling outside the data.
    forms : the candidate forms of ``"auto"`` (default: all of them).
    anchor : ``"auto"`` (go through the measurements where the form fails the lack-of-fit test),
        ``"never"`` (always the form) or ``"always"``.
    false_alarm : the lack-of-fit test's false-alarm rate (a form that fits is rejected this often).

    Learned attributes: ``form_`` (chosen form name), ``fit_`` (:class:`models.curves.LogFit`),
    ``loo_errors_`` (form -> relative leave-one-out errors of train_sps), ``num_envs_range_``,
    ``lack_of_fit_`` (:class:`models.interpolation.LackOfFit`, ``None`` when the form has no spare
    degree of freedom), ``anchored_`` (whether predictions go through the measurements) and
    ``knots_`` (``(num_envs, env steps/s)`` measured, one per distinct num_envs: a repeated size's
    geometric mean).
    """

    def __init__(self, num_steps: int = 50, form: str = "auto", confidence: float = 0.9,
                 prior_sigma: float = 0.03, extrapolation_widening: float = 0.5, forms: tuple[str, ...] | None = None,
                 anchor: str = "auto", false_alarm: float = 0.001):
        self.anchor = anchor
        self.false_alarm = false_alarm
        self.num_steps = num_steps
        self.forms = forms
        self.form = form
        self.confidence = confidence
        self.prior_sigma = prior_sigma
        self.extrapolation_widening = extrapolation_widening

    def _times(self, n: np.ndarray, sps: np.ndarray) -> np.ndarray:
        return n * self.num_steps / sps

    def fit(self, X, y, y_samples=None) -> TrainThroughputModel:
        """Fit to per-point throughputs ``y`` (medians) at ``X`` num_envs; ``y_samples``, one
        sequence of timed-iteration throughputs per point, adds their scatter to the interval."""
        n = as_1d(X, "num_envs")
        sps = as_1d(y, "train_sps")
        if n.size != sps.size:
            raise ValueError("X and y must have the same length")
        noise_ss, noise_dof = pooled_log_noise(y_samples, n.size)
        if distinct(n).size < 2:
            raise ValueError("need measurements at two or more distinct num_envs to fit throughput")
        times = self._times(n, sps)
        candidates = list(self.forms or ITERATION_TIME_FORMS) if self.form == "auto" else [self.form]
        if self.form != "auto" and self.form not in ITERATION_TIME_FORMS:
            raise ValueError(f"unknown form {self.form!r}; use auto or one of {list(ITERATION_TIME_FORMS)}")
        self.loo_errors_ = {}
        for name in candidates:
            if n.size >= ITERATION_TIME_FORMS[name].n_params + 2:
                # sps error = T_true / T_pred - 1
                self.loo_errors_[name] = np.exp(-loo_log_errors(name, n, times, self.prior_sigma)) - 1
        if self.form == "auto":
            self.form_ = self._select()
        else:
            self.form_ = self.form
        self.fit_: LogFit = fit_log(ITERATION_TIME_FORMS[self.form_], n, times, self.prior_sigma,
                                    noise_ss=noise_ss, noise_dof=noise_dof)
        self.num_envs_range_ = (float(n.min()), float(n.max()))
        if self.anchor not in ("auto", "never", "always"):
            raise ValueError(f"unknown anchor {self.anchor!r}; use auto, never or always")
        sizes = distinct(n)
        log_sps = np.array([np.log(sps[n == size]).mean() for size in sizes])
        self.knots_ = (sizes, np.exp(log_sps))
        # the form's miss at each distinct size, log(form / measured) of env steps/s
        misses = np.log(self._form_sps(sizes)) - log_sps
        noise = math.sqrt(noise_ss / noise_dof) if noise_dof else 0.0
        self.lack_of_fit_: LackOfFit | None = lack_of_fit(misses, ITERATION_TIME_FORMS[self.form_].n_params,
                                                          max(noise, self.prior_sigma), self.false_alarm)
        self.anchored_ = sizes.size >= 2 and (self.anchor == "always" or (
            self.anchor == "auto" and self.lack_of_fit_ is not None and self.lack_of_fit_.rejected))
        self.end_misses_ = (float(misses[0]), float(misses[-1]))
        return self

    def _form_sps(self, n: np.ndarray) -> np.ndarray:
        """The fitted form's env steps/s at ``n``, never anchored."""
        return n * self.num_steps / np.exp(self.fit_.predict_log(n))

    def _shift(self, n: np.ndarray) -> np.ndarray:
        """log(form / anchored) at ``n``: beyond the measured sizes the form is moved onto the
        nearest end measurement; between them the interpolation replaces it (see :meth:`predict`)."""
        low, high = self.num_envs_range_
        return np.where(n < low, self.end_misses_[0], np.where(n > high, self.end_misses_[1], 0.0))

    def _select(self) -> str:
        """The form with the smallest leave-one-out RMS error, where each extra parameter must
        earn its place: a form with more parameters replaces a simpler one only when it cuts the
        error by a tenth and by more than timing noise (0.5%). Among forms with as many
        parameters, the smaller error wins outright."""
        if not self.loo_errors_:
            return "linear"
        scored = sorted(((ITERATION_TIME_FORMS[name].n_params, rms(errors), name)
                         for name, errors in self.loo_errors_.items()))
        best_params, best_err, best_name = scored[0]
        for n_params, err, name in scored[1:]:
            if n_params > best_params and err < 0.9 * best_err and best_err - err > 0.005:
                best_params, best_err, best_name = n_params, err, name
        return best_name

    def predict_iteration_s(self, X) -> np.ndarray:
        n = as_1d(X, "num_envs")
        return n * self.num_steps / self.predict(n)

    def predict(self, X) -> np.ndarray:
        """Predicted train_sps (env steps/s) at each num_envs: the form's, or where the model is
        anchored, the interpolated measurements between the measured sizes and the form moved
        onto the end measurements beyond them."""
        check_is_fitted(self, "fit_")
        n = as_1d(X, "num_envs")
        form = self._form_sps(n)
        if not self.anchored_:
            return form
        low, high = self.num_envs_range_
        inside = (n >= low) & (n <= high)
        sizes, measured = self.knots_
        between = np.exp(pchip(np.log(sizes), np.log(measured), np.log(np.clip(n, low, high))))
        return np.where(inside, between, form * np.exp(-self._shift(n)))

    def predict_interval(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)`` train_sps bounds at ``confidence``; wider outside the measured range.
        Anchored, the bounds hold both the anchored prediction give or take the form's
        half-width, and the form's own interval."""
        check_is_fitted(self, "fit_")
        n = as_1d(X, "num_envs")
        log_t = self.fit_.predict_log(n)
        half = self.fit_.log_halfwidth(n, self.confidence, self.extrapolation_widening)
        low, high = n * self.num_steps / np.exp(log_t + half), n * self.num_steps / np.exp(log_t - half)
        if not self.anchored_:
            return low, high
        centre = self.predict(n)
        return np.minimum(low, centre * np.exp(-half)), np.maximum(high, centre * np.exp(half))

    def is_extrapolation(self, X) -> np.ndarray:
        check_is_fitted(self, "fit_")
        n = as_1d(X, "num_envs")
        low, high = self.num_envs_range_
        return (n < low) | (n > high)
