"""Peak memory as a function of ``num_envs``: ``peak(n) = c + d * n``.

The constant is the runtime, network parameters and optimizer state; the slope is what one
more environment costs (its MJX state, the rollout buffer of ``num_steps`` transitions and the
update's temporaries). The fit weighs relative errors; :meth:`PeakMemoryModel.predict_upper`
is a one-sided bound meant never to be below the real peak.
"""

from __future__ import annotations

import math

import numpy as np

from models.base import Estimator, as_1d, check_is_fitted, distinct
from models.stats import t_quantile


def _paired(X, y, x_name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(x, peak bytes)`` as 1-D arrays of one length, with two or more distinct x."""
    x, peak = as_1d(X, x_name), as_1d(y, "peak_bytes")
    if x.size != peak.size:
        raise ValueError("X and y must have the same length")
    if distinct(x).size < 2:
        raise ValueError(f"need measured peaks at two or more distinct {x_name} to fit memory")
    return x, peak


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
        n, peak = _paired(X, y, "num_envs")
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
    """Peak allocator bytes from XLA's memory analysis: ``peak = overhead + slope * xla_bytes``,
    fitted by least squares in bytes.

    On a GPU with preallocation off, the allocator holds the executable's buffers (what XLA's
    memory analysis counts, slope near 1) plus a runtime overhead that does not grow with the batch
    (library workspaces, RNG keys, small stray buffers). Fitting absolute bytes rather than
    relative errors keeps the scatter of the smallest points (tens of MiB of overhead noise) from
    widening the bound where memory matters, at large batches.

    Parameters
    ----------
    confidence : one-sided coverage of :meth:`predict_upper`.
    prior_sigma_bytes : residual scatter assumed before data is seen (weighs as one observation).
    floor : smallest relative margin of the upper bound over the prediction.

    Learned attributes: ``overhead_bytes_``, ``slope_``, ``sigma_bytes_`` (residual spread),
    ``xla_range_``.
    """

    def __init__(self, confidence: float = 0.95, prior_sigma_bytes: float = 16 * 2**20, floor: float = 0.005):
        self.confidence = confidence
        self.prior_sigma_bytes = prior_sigma_bytes
        self.floor = floor

    def fit(self, X, y) -> XlaOverheadModel:
        xla, peak = _paired(X, y, "xla_bytes")
        self._mean = float(xla.mean())
        self._sxx = float(np.sum((xla - self._mean) ** 2))
        slope = float(np.sum((xla - self._mean) * (peak - peak.mean())) / self._sxx)
        if slope <= 0:  # unphysical: XLA's buffers are held, so fall back to a fixed overhead over them
            slope = 1.0
        self.slope_ = slope
        self.overhead_bytes_ = float(peak.mean() - slope * self._mean)
        residuals = peak - (self.overhead_bytes_ + slope * xla)
        dof = xla.size - 2
        self.sigma_bytes_ = math.sqrt((float(residuals @ residuals) + self.prior_sigma_bytes**2) / (dof + 1))
        self.dof_ = dof + 1
        self.n_ = xla.size
        self.xla_range_ = (float(xla.min()), float(xla.max()))
        return self

    def predict(self, X) -> np.ndarray:
        """Predicted peak bytes for each XLA byte count."""
        check_is_fitted(self, "slope_")
        return self.overhead_bytes_ + self.slope_ * as_1d(X, "xla_bytes")

    def predict_upper(self, X) -> np.ndarray:
        """One-sided upper bound on peak bytes at ``confidence``: a Student-t margin for a new
        point (growing with the distance from the measured XLA bytes), at least ``floor``."""
        xla = as_1d(X, "xla_bytes")
        pred = self.predict(xla)
        leverage = 1.0 / self.n_ + (xla - self._mean) ** 2 / self._sxx
        margin = t_quantile(self.confidence, self.dof_) * self.sigma_bytes_ * np.sqrt(1.0 + leverage)
        return np.maximum(pred + margin, pred * (1.0 + self.floor))
