"""Peak memory as a function of ``num_envs``: ``peak(n) = c + d * n``.

The constant is the runtime, network parameters and optimizer state; the slope is what one
more environment costs (its MJX state, the rollout buffer of ``num_steps`` transitions and the
update's temporaries). The fit weighs relative errors; :meth:`PeakMemoryModel.predict_upper`
is a one-sided bound meant never to be below the real peak.
"""

from __future__ import annotations

import math

import numpy as np

from models.base import Estimator, as_1d, check_is_fitted
from models.stats import t_quantile


class PeakMemoryModel(Estimator):
    """Fit peak bytes against ``num_envs``.

    Parameters
    ----------
    confidence : one-sided coverage of :meth:`predict_upper`.
    prior_sigma : relative scatter assumed before data is seen.
    floor : smallest relative margin of the upper bound over the prediction.
    extrapolation_widening : extra margin per doubling beyond the largest measured num_envs.

    Learned attributes: ``intercept_bytes_``, ``bytes_per_env_``, ``sigma_`` (relative residual
    spread), ``num_envs_range_``.
    """

    def __init__(self, confidence: float = 0.95, prior_sigma: float = 0.02, floor: float = 0.02,
                 extrapolation_widening: float = 0.05):
        self.confidence = confidence
        self.prior_sigma = prior_sigma
        self.floor = floor
        self.extrapolation_widening = extrapolation_widening

    def fit(self, X, y) -> PeakMemoryModel:
        n = as_1d(X, "num_envs")
        peak = as_1d(y, "peak_bytes")
        if n.size != peak.size:
            raise ValueError("X and y must have the same length")
        if np.unique(n).size < 2:
            raise ValueError("need measurements at two or more distinct num_envs to fit memory")
        design = np.stack([1.0 / peak, n / peak], axis=1)  # relative residuals: (c + d n)/y - 1
        coef, *_ = np.linalg.lstsq(design, np.ones_like(peak), rcond=None)
        if coef[0] < 0 or coef[1] < 0:  # unphysical: fall back to the better single-term form
            prop = np.array([0.0, np.sum(n / peak) / np.sum((n / peak) ** 2)])
            const = np.array([np.sum(1 / peak) / np.sum((1 / peak) ** 2), 0.0])
            coef = min((prop, const), key=lambda c: float(np.sum((design @ c - 1) ** 2)))
        residuals = design @ coef - 1.0
        dof = n.size - 2
        self.intercept_bytes_, self.bytes_per_env_ = float(coef[0]), float(coef[1])
        self.sigma_ = math.sqrt((float(residuals @ residuals) + self.prior_sigma**2) / (max(dof, 0) + 1))
        self.dof_ = max(dof, 1)
        self._cov = np.linalg.pinv(design.T @ design)
        self._scale = peak
        self.num_envs_range_ = (float(n.min()), float(n.max()))
        return self

    def predict(self, X) -> np.ndarray:
        """Predicted peak bytes at each num_envs."""
        check_is_fitted(self, "bytes_per_env_")
        n = as_1d(X, "num_envs")
        return self.intercept_bytes_ + self.bytes_per_env_ * n

    def predict_upper(self, X) -> np.ndarray:
        """One-sided upper bound on peak bytes at ``confidence`` (relative margin, at least
        ``floor``, widened beyond the largest measured num_envs)."""
        n = as_1d(X, "num_envs")
        pred = self.predict(n)
        # leverage of a relative prediction at n, in the design's (1/y, n/y) coordinates
        g = np.stack([1.0 / pred, n / pred], axis=1)
        leverage = np.maximum(np.einsum("ij,jk,ik->i", g, self._cov, g), 0.0)
        t = t_quantile(self.confidence, self.dof_)
        beyond = np.maximum(np.log2(n / self.num_envs_range_[1]), 0.0)
        margin = np.maximum(t * self.sigma_ * np.sqrt(1.0 + leverage), self.floor)
        return pred * (1.0 + margin + self.extrapolation_widening * beyond)

    def is_extrapolation(self, X) -> np.ndarray:
        check_is_fitted(self, "bytes_per_env_")
        n = as_1d(X, "num_envs")
        return (n < self.num_envs_range_[0]) | (n > self.num_envs_range_[1])


class XlaOverheadModel(Estimator):
    """Peak allocator bytes from XLA's memory analysis: ``peak = xla_bytes + overhead``.

    On a GPU with preallocation off, the allocator holds the executable's buffers (what XLA's
    memory analysis counts) plus a runtime overhead that does not grow with the batch (library
    workspaces, RNG keys, small stray buffers). The overhead is estimated from the measured points
    and bounded from their scatter, so the bound is tight in relative terms where memory matters
    (large batches) instead of inheriting the relative noise of the smallest points.

    Parameters
    ----------
    confidence : one-sided coverage of :meth:`predict_upper`.
    prior_sigma_bytes : overhead scatter assumed before data is seen (weighs as one observation).
    floor : smallest relative margin of the upper bound over the prediction.

    Learned attributes: ``overhead_bytes_`` (mean), ``overhead_sigma_bytes_``, ``xla_range_``.
    """

    def __init__(self, confidence: float = 0.95, prior_sigma_bytes: float = 16 * 2**20, floor: float = 0.005):
        self.confidence = confidence
        self.prior_sigma_bytes = prior_sigma_bytes
        self.floor = floor

    def fit(self, X, y) -> XlaOverheadModel:
        xla = as_1d(X, "xla_bytes")
        peak = as_1d(y, "peak_bytes")
        if xla.size != peak.size:
            raise ValueError("X and y must have the same length")
        if xla.size < 2:
            raise ValueError("need two or more points with both XLA bytes and a measured peak")
        overhead = peak - xla
        self.overhead_bytes_ = float(overhead.mean())
        ss = float(np.sum((overhead - overhead.mean()) ** 2))
        self.overhead_sigma_bytes_ = math.sqrt((ss + self.prior_sigma_bytes**2) / xla.size)
        self.dof_ = xla.size  # (n - 1) from the data + 1 for the prior
        self.n_ = xla.size
        self.xla_range_ = (float(xla.min()), float(xla.max()))
        return self

    def predict(self, X) -> np.ndarray:
        """Predicted peak bytes for each XLA byte count."""
        check_is_fitted(self, "overhead_bytes_")
        return as_1d(X, "xla_bytes") + self.overhead_bytes_

    def predict_upper(self, X) -> np.ndarray:
        """One-sided upper bound on peak bytes at ``confidence``: the mean overhead plus a
        Student-t margin for a new point, and at least ``floor`` of the prediction."""
        xla = as_1d(X, "xla_bytes")
        pred = self.predict(xla)
        t = t_quantile(self.confidence, self.dof_)
        margin = t * self.overhead_sigma_bytes_ * math.sqrt(1.0 + 1.0 / self.n_)
        return np.maximum(pred + margin, pred * (1.0 + self.floor))
