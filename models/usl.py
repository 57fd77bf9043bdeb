"""The Universal Scalability Law (N. Gunther) over env runners, fitted in log space.

``X(N) = lambda * N / (1 + sigma * (N - 1) + kappa * N * (N - 1))``

``N`` is the number of env runners and ``X`` env steps per second. ``lambda`` is the throughput
of one runner, ``sigma`` the contention (the serial fraction: with ``kappa = 0`` this is Amdahl's
law, whose ceiling is ``lambda / sigma``) and ``kappa`` the coherency cost (crosstalk between
runners, which makes throughput fall past a peak at ``N* = sqrt((1 - sigma) / kappa)``).

``sigma`` is kept in [0, 1] and ``kappa`` non-negative: the fit is the best of the free fit and
of fits with terms held at a bound (zero, or one for ``sigma``: an active-set solution), among
the forms that the number of distinct runner counts can identify (three for all of USL, two for
one term). A contention above one is not a fraction of serial work: throughput that falls as
runners are added is the coherency term's, or with ``sigma = 1`` and ``kappa = 0`` it stays flat. Residuals are in
log space, so a 5% miss costs the same at 1 runner as at 15; intervals are delta-method ones
from :mod:`models.curves`, widened outside the measured runner counts.
"""

from __future__ import annotations

import math

import numpy as np

from models.base import Estimator, as_1d, check_is_fitted, distinct
from models.curves import Form, LogFit, fit_log
from models.stats import pooled_log_noise, t_quantile

TERMS = ("sigma", "kappa")


def usl_throughput(n, lambda_: float, sigma: float, kappa: float) -> np.ndarray:
    """``X(N)`` in env steps/s for runner counts ``n``."""
    n = np.asarray(n, dtype=float)
    return lambda_ * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))


def usl_peak(sigma: float, kappa: float) -> float | None:
    """The runner count of peak throughput, ``sqrt((1 - sigma) / kappa)``, at least one (with
    ``sigma >= 1`` one runner is as fast as it gets); ``None`` when throughput rises for ever
    (no coherency term and ``sigma < 1``: towards ``lambda / sigma``)."""
    if sigma >= 1:
        return 1.0
    if kappa <= 0:
        return None
    return max(math.sqrt((1.0 - sigma) / kappa), 1.0)


def _terms(theta: np.ndarray, free: tuple[str, ...], fixed: dict[str, float] | None = None) -> tuple[float, float]:
    values = {**(fixed or {}), **dict(zip(free, theta[1:]))}
    return values.get("sigma", 0.0), values.get("kappa", 0.0)


def _make_form(name: str, free: tuple[str, ...], description: str, fixed: dict[str, float] | None = None) -> Form:
    def fn(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        sigma, kappa = _terms(theta, free, fixed)
        return usl_throughput(x, math.exp(theta[0]), sigma, kappa)

    def starts(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
        lam = y[0] / x[0]  # one runner's share at the smallest count
        base = []
        if free:  # linearised USL: N / C(N) - 1 = sigma (N - 1) + kappa N (N - 1), C = X / lambda
            more = x > 1
            columns = {"sigma": x[more] - 1, "kappa": x[more] * (x[more] - 1)}
            if more.any():
                design = np.stack([columns[t] for t in free], axis=1)
                target = x[more] * lam / y[more] - 1 - sum(v * columns[t] for t, v in (fixed or {}).items())
                coef, *_ = np.linalg.lstsq(design, target, rcond=None)
                base.append(np.maximum(coef, 0.0))
            base += [np.full(len(free), 0.05), np.full(len(free), 0.002)]
        else:
            base = [np.empty(0)]
        return [np.concatenate([[math.log(lam)], b]) for b in base]

    return Form(name, description, 1 + len(free), fn, starts)


#: Candidate forms, richest first: name -> (form, free terms, terms held at a bound).
USL_FORMS: dict[str, tuple[Form, tuple[str, ...], dict[str, float]]] = {
    "usl": (_make_form("usl", TERMS, "contention and coherency: X = l N / (1 + s (N-1) + k N (N-1))"), TERMS, {}),
    "amdahl": (_make_form("amdahl", ("sigma",), "contention only (Amdahl): X = l N / (1 + s (N-1))"), ("sigma",), {}),
    "coherency": (_make_form("coherency", ("kappa",), "coherency only: X = l N / (1 + k N (N-1))"), ("kappa",), {}),
    "serial+coherency": (_make_form("serial+coherency", ("kappa",), "all serial, with crosstalk: throughput falls "
                                    "as runners are added, X = l / (1 + k (N-1))", {"sigma": 1.0}),
                         ("kappa",), {"sigma": 1.0}),
    "linear": (_make_form("linear", (), "ideal scaling: X = l N"), (), {}),
    "serial": (_make_form("serial", (), "all serial: more runners do not help, X = l", {"sigma": 1.0}), (), {"sigma": 1.0}),
}


class USLModel(Estimator):
    """Fit env steps/s against the number of env runners with the Universal Scalability Law.

    Parameters
    ----------
    confidence : coverage of :meth:`predict_interval` and of the parameter intervals.
    prior_sigma : relative run-to-run noise assumed before data is seen.
    extrapolation_widening : growth of the interval half-width per doubling outside the data.

    Learned attributes: ``form_`` (a key of :data:`USL_FORMS`), ``fit_`` (LogFit), ``lambda_``
    (env steps/s of one runner), ``sigma_``, ``kappa_``, ``intervals_`` (name -> (low, high) at
    ``confidence``), ``peak_runners_`` and ``peak_runners_interval_`` (``None`` without a
    coherency term), ``runners_range_``.
    """

    def __init__(self, confidence: float = 0.9, prior_sigma: float = 0.03, extrapolation_widening: float = 0.5):
        self.confidence = confidence
        self.prior_sigma = prior_sigma
        self.extrapolation_widening = extrapolation_widening

    def fit(self, X, y, y_samples=None) -> USLModel:
        """Fit per-point throughputs ``y`` (env steps/s, medians) at ``X`` runner counts;
        ``y_samples`` (one sequence of timed iterations per point) adds their scatter."""
        n, sps = as_1d(X, "num_env_runners"), as_1d(y, "env_steps_per_s")
        if n.size != sps.size:
            raise ValueError("X and y must have the same length")
        n_distinct = distinct(n).size
        if n_distinct < 2:
            raise ValueError("need measurements at two or more runner counts to fit scaling")
        noise_ss, noise_dof = pooled_log_noise(y_samples, n.size)
        best = None
        for name, (form, free, _fixed) in USL_FORMS.items():
            if form.n_params > n_distinct:
                continue
            fit = fit_log(form, n, sps, self.prior_sigma, noise_ss=noise_ss, noise_dof=noise_dof)
            if any(v < -1e-9 for v in fit.theta[1:]):
                continue  # infeasible: a negative contention or coherency term
            if "sigma" in free and fit.theta[1 + free.index("sigma")] > 1 + 1e-9:
                continue  # infeasible: more than all of the work serial
            cost = float(np.sum((fit.predict_log(n) - np.log(sps)) ** 2))
            # the smallest cost; on a tie (within rounding) the form with fewer parameters
            if best is None or cost < best[0] - 1e-12 - 1e-9 * best[0] or (
                    cost <= best[0] + 1e-12 + 1e-9 * best[0] and form.n_params < best[2].form.n_params):
                best = (cost, name, fit)
        _, self.form_, fit = best
        self.fit_: LogFit = fit
        _form, free, fixed = USL_FORMS[self.form_]
        self.lambda_ = math.exp(fit.theta[0])
        self.sigma_, self.kappa_ = (float(max(v, 0.0)) for v in _terms(fit.theta, free, fixed))
        self._set_intervals(free, fixed)
        self.runners_range_ = (float(n.min()), float(n.max()))
        return self

    def _set_intervals(self, free: tuple[str, ...], fixed: dict[str, float]) -> None:
        cov = self.fit_.cov_unscaled * self.fit_.sigma**2
        t = t_quantile(0.5 + self.confidence / 2, max(self.fit_.dof, 1))
        se = np.sqrt(np.maximum(np.diag(cov), 0.0))
        spread = min(t * se[0], 700.0)  # an unidentified lambda (far from the data) is a huge interval, not an overflow
        self.intervals_ = {"lambda": (self.lambda_ * math.exp(-spread), self.lambda_ * math.exp(spread))}
        for i, name in enumerate(free, start=1):
            value = getattr(self, f"{name}_")
            self.intervals_[name] = (float(max(value - t * se[i], 0.0)), float(value + t * se[i]))
        for name in TERMS:
            held = fixed.get(name, 0.0)
            self.intervals_.setdefault(name, (held, held))  # held at a bound by the chosen form
        self.peak_runners_ = usl_peak(self.sigma_, self.kappa_)
        self.peak_runners_interval_ = None
        if self.peak_runners_ is not None and "kappa" in free and self.sigma_ < 1 and self.peak_runners_ > 1:
            # log N* = (log(1 - sigma) - log kappa) / 2; gradient over the free terms
            grad = np.zeros(self.fit_.theta.size)
            for i, name in enumerate(free, start=1):
                grad[i] = -0.5 / (1.0 - self.sigma_) if name == "sigma" else -0.5 / self.kappa_
            half = t * math.sqrt(max(float(grad @ cov @ grad), 0.0))
            # an unbounded upper end (kappa indistinguishable from 0) is infinity
            high = self.peak_runners_ * math.exp(half) if half < 700 else math.inf
            self.peak_runners_interval_ = (self.peak_runners_ * math.exp(-min(half, 700)), high)

    @property
    def ceiling_env_steps_per_s(self) -> float | None:
        """The most this curve ever gives: ``X(N*)`` with coherency, ``lambda / sigma`` without;
        ``None`` for ideal scaling."""
        check_is_fitted(self, "fit_")
        if self.peak_runners_ is not None:
            return float(usl_throughput(max(self.peak_runners_, 1.0), self.lambda_, self.sigma_, self.kappa_))
        return self.lambda_ / self.sigma_ if self.sigma_ > 0 else None

    def predict(self, X) -> np.ndarray:
        """Predicted env steps/s at each runner count."""
        check_is_fitted(self, "fit_")
        return np.exp(self.fit_.predict_log(as_1d(X, "num_env_runners")))

    def predict_interval(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)`` env steps/s at ``confidence``; wider outside the measured runner counts."""
        check_is_fitted(self, "fit_")
        n = as_1d(X, "num_env_runners")
        log_x = self.fit_.predict_log(n)
        half = self.fit_.log_halfwidth(n, self.confidence, self.extrapolation_widening)
        return np.exp(log_x - half), np.exp(log_x + half)

    def is_extrapolation(self, X) -> np.ndarray:
        check_is_fitted(self, "fit_")
        n = as_1d(X, "num_env_runners")
        return (n < self.runners_range_[0]) | (n > self.runners_range_[1])
