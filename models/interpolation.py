"""When a fitted form cannot describe what was measured, read between the measurements instead.

A throughput curve is fitted with a physical form (:mod:`models.curves`). Most programs follow one
closely, but some change regime between two measured sizes (a script whose throughput rises
slowly, jumps by half between two sizes, then stays flat): no two- or three-parameter form goes
through all of that, and between the measured sizes the form then misses by more than the
measurements' own scatter. Two pieces decide and handle that case:

- :func:`lack_of_fit`: the chi-square test of the form's residuals against the timing noise
  (the larger of the repeats' pooled scatter and a prior floor); the form is rejected when its
  residuals are larger than that noise explains at a small false-alarm rate.
- :func:`pchip`: the monotone piecewise-cubic Hermite interpolant (Fritsch and Carlson, 1980):
  through every knot, monotone wherever the data are, no overshoot between knots. Used on
  ``log(num_envs)`` against ``log(env steps/s)``, so a curve that saturates stays saturating.

Pure numpy; no scipy import on the fast path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.stats import normal_quantile


def chi2_quantile(p: float, dof: int) -> float:
    """Inverse chi-square CDF: exact for 1 and 2 degrees of freedom (a squared normal, an
    exponential), otherwise the Wilson-Hilferty cube-root approximation (within 2% of the tables
    from 3 degrees of freedom at the tails used here; enough for a decision rule)."""
    if dof <= 0:
        raise ValueError("dof must be positive")
    if dof == 1:  # the square of a standard normal: exact
        z = normal_quantile(0.5 + p / 2)
        return z * z
    if dof == 2:
        return -2.0 * math.log1p(-p)
    k = float(dof)
    z = normal_quantile(p)
    return k * (1 - 2 / (9 * k) + z * math.sqrt(2 / (9 * k))) ** 3


@dataclass(frozen=True)
class LackOfFit:
    """The test of a fitted form's residuals against the timing noise.

    ``statistic`` is ``sum(residual^2) / sigma^2`` over ``dof = points - parameters``;
    ``critical`` its chi-square quantile at ``1 - false_alarm``; ``rejected`` whether the form
    misses the measurements by more than noise explains. ``worst`` is the largest relative miss
    of the form at a measured point (``|exp(residual) - 1|``)."""

    statistic: float
    dof: int
    sigma: float
    critical: float
    rejected: bool
    worst: float


def lack_of_fit(log_residuals, n_params: int, noise_sigma: float, false_alarm: float = 0.001) -> LackOfFit | None:
    """Test the form's log residuals (one per distinct measured size) against ``noise_sigma``,
    the timing noise of one measured point in logs. ``None`` when the form has no spare degree
    of freedom (as many points as parameters: it goes through them all)."""
    res = np.asarray(log_residuals, dtype=float)
    dof = res.size - n_params
    if dof < 1 or not noise_sigma > 0:
        return None
    statistic = float(res @ res) / noise_sigma**2
    critical = chi2_quantile(1 - false_alarm, dof)
    worst = float(np.max(np.abs(np.expm1(res)))) if res.size else 0.0
    return LackOfFit(statistic, dof, float(noise_sigma), critical, statistic > critical, worst)


def _end_slope(h0: float, h1: float, d0: float, d1: float) -> float:
    """The slope at an end knot: the three-point estimate, kept monotone (Fritsch-Carlson)."""
    slope = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1)
    if np.sign(slope) != np.sign(d0):
        return 0.0
    if np.sign(d0) != np.sign(d1) and abs(slope) > abs(3 * d0):
        return 3 * d0
    return slope


def pchip(x, y, at) -> np.ndarray:
    """The monotone cubic Hermite interpolant through ``(x, y)`` (``x`` strictly increasing,
    two or more knots) evaluated at ``at``; beyond the knots the end cubic is continued, so
    callers use it between the knots only."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    at = np.asarray(at, dtype=float)
    if x.size < 2 or x.size != y.size or np.any(np.diff(x) <= 0):
        raise ValueError("pchip needs two or more knots with strictly increasing x")
    h = np.diff(x)
    d = np.diff(y) / h
    m = np.empty_like(x)
    if x.size == 2:
        m[:] = d[0]
    else:
        for k in range(1, x.size - 1):
            if d[k - 1] * d[k] > 0:  # weighted harmonic mean of the neighbouring secants
                w1, w2 = 2 * h[k] + h[k - 1], h[k] + 2 * h[k - 1]
                m[k] = (w1 + w2) / (w1 / d[k - 1] + w2 / d[k])
            else:  # a local extremum (or a flat secant): flat here, so nothing overshoots
                m[k] = 0.0
        m[0] = _end_slope(h[0], h[1], d[0], d[1])
        m[-1] = _end_slope(h[-1], h[-2], d[-1], d[-2])
    i = np.clip(np.searchsorted(x, at, side="right") - 1, 0, x.size - 2)
    t = (at - x[i]) / h[i]
    return ((2 * t**3 - 3 * t**2 + 1) * y[i] + (t**3 - 2 * t**2 + t) * h[i] * m[i]
            + (3 * t**2 - 2 * t**3) * y[i + 1] + (t**3 - t**2) * h[i] * m[i + 1])
