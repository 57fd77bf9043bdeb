"""Small statistics helpers in plain numpy/math (no scipy import on the fast path)."""

from __future__ import annotations

import math

import numpy as np


def normal_quantile(p: float) -> float:
    """Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
         1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
         6.680131188771972e01, -1.328068155288572e01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
         -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    low = 0.02425
    if p < low:
        q = math.sqrt(-2 * math.log(p))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if p > 1 - low:
        return -normal_quantile(1 - p)
    q = p - 0.5
    r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)


def t_quantile(p: float, dof: float) -> float:
    """Inverse Student-t CDF: exact for 1 and 2 degrees of freedom, otherwise the
    Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5; within 1% of exact from 3 dof)."""
    if dof <= 0:
        raise ValueError("dof must be positive")
    if dof == 1:
        return math.tan(math.pi * (p - 0.5))
    if dof == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = normal_quantile(p)
    n = float(dof)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4


def levenberg_marquardt(residuals, theta0: np.ndarray, max_iter: int = 200, tol: float = 1e-10):
    """Minimise ``sum(residuals(theta)**2)``; returns ``(theta, jacobian_at_theta, cost)``.

    Forward-difference Jacobian; meant for curve fits with two to four parameters.
    """
    theta = np.asarray(theta0, dtype=float)
    lam = 1e-3

    def jac(th: np.ndarray, r0: np.ndarray) -> np.ndarray:
        cols = []
        for i in range(th.size):
            step = 1e-6 * max(1.0, abs(th[i]))
            shifted = th.copy()
            shifted[i] += step
            cols.append((residuals(shifted) - r0) / step)
        return np.stack(cols, axis=1)

    r = residuals(theta)
    cost = float(r @ r)
    for _ in range(max_iter):
        J = jac(theta, r)
        A = J.T @ J
        g = J.T @ r
        improved = False
        for _ in range(30):
            try:
                delta = np.linalg.solve(A + lam * np.diag(np.diag(A) + 1e-12), -g)
            except np.linalg.LinAlgError:
                lam *= 10
                continue
            candidate = theta + delta
            r_new = residuals(candidate)
            cost_new = float(r_new @ r_new) if np.all(np.isfinite(r_new)) else math.inf
            if cost_new < cost:
                converged = cost - cost_new <= tol * max(cost, 1e-30) or np.max(np.abs(delta)) < 1e-12
                theta, r, cost = candidate, r_new, cost_new
                lam = max(lam / 10, 1e-12)
                improved = True
                break
            lam *= 10
        if not improved or converged:
            break
    return theta, jac(theta, r), cost


def rms(values) -> float:
    """Root mean square of the finite values (``nan`` when there are none)."""
    finite = [float(v) for v in np.ravel(np.asarray(values, dtype=float)) if math.isfinite(v)] if len(values) else []
    return math.sqrt(sum(v * v for v in finite) / len(finite)) if finite else float("nan")


def pooled_log_noise(y_samples, size: int) -> tuple[float, int]:
    """Pooled run-to-run scatter of repeated timings, in logs: ``(sum of squares, degrees of
    freedom)`` over every point's samples. A point's median of r timings has the per-timing
    variance / r, so each point's sum of squares is divided by its r. ``y_samples`` is one
    sequence per point (``None``: no repeats known, no noise)."""
    if y_samples is None:
        return 0.0, 0
    if len(y_samples) != size:
        raise ValueError("y_samples needs one sequence per point")
    total, dof = 0.0, 0
    for samples in y_samples:
        values = np.asarray(samples, dtype=float)
        if values.size and (not np.all(np.isfinite(values)) or np.any(values <= 0)):
            raise ValueError("y_samples must hold positive finite values")
        logs = np.log(values) if values.size else np.empty(0)
        if logs.size > 1:
            total += float(np.sum((logs - logs.mean()) ** 2)) / logs.size
            dof += logs.size - 1
    return total, dof


def leave_one_out(size: int, predict_held_out):
    """``[predict_held_out(keep, i) for each point i]``: ``keep`` is the boolean mask of the other
    points, which the caller refits on before predicting point ``i``."""
    results = []
    for i in range(size):
        keep = np.arange(size) != i
        results.append(predict_held_out(keep, i))
    return results


def coverage_scale(abs_residuals, half_widths, confidence: float) -> float:
    """The factor (at least 1) that widens prediction intervals so that they hold the fitted
    points themselves at ``confidence``: the ``ceil(confidence * n)``-th smallest ratio of a
    point's absolute residual to its interval's half-width (both in the same units, e.g. logs).
    With ten or fewer points at 90% that is the largest ratio, so every point is inside; this is
    the split-conformal quantile with the fitted points as their own calibration set, a floor
    under a delta-method interval that a few points can make too narrow."""
    res = np.abs(np.asarray(abs_residuals, dtype=float))
    half = np.asarray(half_widths, dtype=float)
    if res.size == 0:
        return 1.0
    ratios = np.sort(np.where(half > 0, res / np.where(half > 0, half, 1.0), np.where(res > 0, np.inf, 0.0)))
    k = min(max(math.ceil(confidence * res.size - 1e-9), 1), res.size)
    # a hair over the ratio, so that the point lands inside the interval after rounding, not on its edge
    return max(1.0, float(ratios[k - 1]) * (1.0 + 1e-9) + 1e-12)


def at_measurement(predicted: float, low: float, high: float, measured: float,
                   samples=()) -> tuple[float, float, float]:
    """``(value, low, high)`` of a config that was measured: the measurement itself, with the fit's
    interval moved to centre on it (the same relative widths: what another run would read) and
    stretched to hold every timed sample of the measurement. A prediction at a measured config
    never contradicts its own measurement this way; the fit's own value is reported beside it."""
    ratio = measured / predicted
    values = [float(v) for v in samples if v and math.isfinite(v)]
    lo = min([low * ratio, measured, *values])
    hi = max([high * ratio, measured, *values])
    return float(measured), float(lo), float(hi)
