"""Peak memory along ``num_envs`` from XLA's memory analysis: XLA's bytes predicted between and
beyond the compiled sizes, then the allocator peak over those bytes.

For fixed shapes (num_steps, num_minibatches, network), the buffers XLA assigns to the training
step are, between two compiled sizes, close to the affine function the two pin down: each
segment between neighbouring compiled num_envs is that chord. Where the per-env bytes change
from one segment to the next (XLA packs small and large batches differently), the chord can miss
the bytes in between; :class:`XlaAlongEnvs` bounds that miss by how much the chord missed at the
neighbouring compiled sizes when they were left out (in units of the chord's own curvature room,
zero at compiled sizes). The allocator peak over XLA's bytes is a separate, measured calibration
(:class:`models.memory.XlaOverheadModel` on a GPU, a linear one for host RSS); the composed bound
is that calibration's upper bound at XLA's upper bound, made non-decreasing in num_envs.
"""

from __future__ import annotations

import numpy as np

from models.base import Estimator, as_1d, check_is_fitted


def _chord(n: np.ndarray, knots_n: np.ndarray, knots_x: np.ndarray) -> np.ndarray:
    """XLA bytes on the piecewise-affine curve through the knots, the end segments continued
    (below the smallest knot no lower than proportional to num_envs)."""
    if knots_n.size == 1:
        return knots_x[0] * n / knots_n[0]
    out = np.interp(n, knots_n, knots_x)
    lo, hi = n < knots_n[0], n > knots_n[-1]
    s_first = (knots_x[1] - knots_x[0]) / (knots_n[1] - knots_n[0])
    s_last = (knots_x[-1] - knots_x[-2]) / (knots_n[-1] - knots_n[-2])
    out[lo] = np.maximum(knots_x[0] + s_first * (n[lo] - knots_n[0]), knots_x[0] * n[lo] / knots_n[0])
    out[hi] = knots_x[-1] + s_last * (n[hi] - knots_n[-1])
    return out


def _room(n: float, a: float, b: float, slope: float) -> float:
    """Bytes the curve may bend away from the chord of ``[a, b]`` at ``n``, per unit of miss
    rate: ``slope * (n - a)(b - n) / (b - a)`` (zero at both ends)."""
    return slope * (n - a) * (b - n) / (b - a)


class XlaAlongEnvs(Estimator):
    """XLA's bytes (temp + arguments + outputs - aliases) as a function of ``num_envs``.

    Parameters
    ----------
    extrapolation_widening : smallest miss rate assumed beyond the largest compiled num_envs (a fraction
        of the last segment's bytes per env, per env added).
    prior_miss_rate : the miss rate assumed everywhere when fewer than three compiled sizes leave
        no chord to check (0.3: the largest seen on the shipped H100 sweep, at 1024 envs).

    Learned attributes: ``knots_`` (num_envs, XLA bytes), non-decreasing; ``miss_rates_`` (one per
    knot: how far the chord of its neighbours fell below it, in units of :func:`_room`, 0 at the
    ends and where the chord was above), ``num_envs_range_``.
    """

    def __init__(self, extrapolation_widening: float = 0.01, prior_miss_rate: float = 0.3):
        self.extrapolation_widening = extrapolation_widening
        self.prior_miss_rate = prior_miss_rate

    def fit(self, X, y) -> XlaAlongEnvs:
        n, xla = as_1d(X, "num_envs"), as_1d(y, "xla_bytes")
        if n.size != xla.size:
            raise ValueError("X and y must have the same length")
        if n.size == 0:
            raise ValueError("need XLA bytes at one or more num_envs")
        order = np.argsort(n, kind="stable")
        n, xla = n[order], xla[order]
        keep = np.append(n[1:] != n[:-1], True)  # one value per num_envs: the last given
        n, xla = n[keep], np.maximum.accumulate(xla[keep])  # buffers never shrink as envs are added
        rates = np.zeros(n.size)
        for j in range(1, n.size - 1):
            slope = (xla[j + 1] - xla[j - 1]) / (n[j + 1] - n[j - 1])
            room = _room(n[j], n[j - 1], n[j + 1], slope)
            chord = xla[j - 1] + slope * (n[j] - n[j - 1])
            if room > 0:
                rates[j] = min(max((xla[j] - chord) / room, 0.0), 1.0)
        if n.size > 2:  # the end knots take their neighbour's rate
            rates[0], rates[-1] = rates[1], rates[-2]
        else:  # no chord could be checked
            rates[:] = self.prior_miss_rate
        self.knots_ = (n, xla)
        self.miss_rates_ = rates
        self.num_envs_range_ = (float(n[0]), float(n[-1]))
        return self

    def predict(self, X) -> np.ndarray:
        """Predicted XLA bytes at each num_envs (exact at compiled sizes)."""
        check_is_fitted(self, "knots_")
        return _chord(as_1d(X, "num_envs"), *self.knots_)

    def predict_upper(self, X) -> np.ndarray:
        """XLA bytes the training step is not expected to exceed: between compiled sizes the
        chord plus its room times the largest miss rate around that segment (:meth:`_rate`; at
        most 1, so the bound still rises across the segment); below the smallest compiled size
        that size's bytes (buffers do not grow as envs are removed); beyond the largest, the
        last chord continued plus that rate (at least ``extrapolation_widening``) times the
        bytes it adds. Exact at compiled sizes; non-decreasing in num_envs."""
        n = as_1d(X, "num_envs")
        pred = self.predict(n)
        knots_n, knots_x = self.knots_
        out = pred.copy()
        for i, v in enumerate(n):
            if v <= knots_n[0]:
                out[i] = knots_x[0]
            elif v < knots_n[-1]:
                k = int(np.searchsorted(knots_n, v, side="right"))
                a, b = knots_n[k - 1], knots_n[k]
                slope = (knots_x[k] - knots_x[k - 1]) / (b - a)
                out[i] = pred[i] + self._rate(k - 1, k) * _room(v, a, b, slope)
            else:
                last = knots_n.size - 1
                slope = pred[i] / v if last == 0 else (knots_x[-1] - knots_x[-2]) / (knots_n[-1] - knots_n[-2])
                rate = max(self._rate(last, last), self.extrapolation_widening)
                out[i] = pred[i] + rate * slope * (v - knots_n[-1])
        return out

    def _rate(self, lo: int, hi: int) -> float:
        """The largest miss rate among knots ``lo - 1 .. hi + 1`` (a segment's ends and their
        outer neighbours): how badly chords bent around here."""
        rates = self.miss_rates_
        return float(rates[max(lo - 1, 0): hi + 2].max())

    def is_extrapolation(self, X) -> np.ndarray:
        check_is_fitted(self, "knots_")
        n = as_1d(X, "num_envs")
        return (n < self.num_envs_range_[0]) | (n > self.num_envs_range_[1])


class EnvsPeakBound:
    """Peak bytes along ``num_envs``: ``calibration`` (peak over XLA bytes) composed with
    ``along`` (XLA bytes over num_envs), both fitted.

    ``predict_upper`` is the calibration's upper bound at XLA's upper bound, and never less than
    the calibration's bound with no buffers at all: the calibration's bound is convex in XLA
    bytes, so this makes it non-decreasing without lowering it anywhere.
    """

    def __init__(self, along: XlaAlongEnvs, calibration):
        check_is_fitted(along, "knots_")
        self.along = along
        self.calibration = calibration

    def predict(self, X) -> np.ndarray:
        """Predicted peak bytes at each num_envs."""
        return self.calibration.predict(self.along.predict(X))

    def predict_upper(self, X) -> np.ndarray:
        """Upper bound on peak bytes at each num_envs; non-decreasing, at least :meth:`predict`."""
        xla_upper = self.along.predict_upper(X)
        upper = self.calibration.predict_upper(xla_upper)
        floor = float(self.calibration.predict_upper([1.0])[0])
        return np.maximum(np.maximum(upper, floor), self.predict(X))

    def is_compiled(self, num_envs: int) -> bool:
        """Whether XLA's bytes at ``num_envs`` were measured (a knot), not predicted."""
        return bool(np.any(self.along.knots_[0] == num_envs))
