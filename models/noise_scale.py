"""The simple gradient noise scale ``B_simple = tr(Sigma) / |G|^2`` from gradients of a small and a
large batch taken at the same parameters (McCandlish et al. 2018, appendix A).

A batch of ``B`` samples gives the gradient estimate ``G_B``, with ``E[|G_B|^2] = |G|^2 +
tr(Sigma) / B`` (``G`` the true gradient, ``Sigma`` the per-sample gradients' covariance). Two
batch sizes ``B_small < B_big`` therefore give unbiased estimates

    |G|^2     = (B_big |G_big|^2 - B_small |G_small|^2) / (B_big - B_small)
    tr(Sigma) = (|G_small|^2 - |G_big|^2) / (1 / B_small - 1 / B_big)

Each is noisy, so both are averaged over repeated measurements before the ratio is taken (the
ratio of averages, as the paper does; an average of ratios is biased). The critical batch of
the sample-efficiency model is near ``B_simple``. In PPO the policy and value heads have their
own losses and noise scales (they can differ tenfold): estimate them apart, one call each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NoiseScale:
    """``g2``: the estimate of ``|G|^2``; ``trace_sigma``: of ``tr(Sigma)`` (per sample); ``b_simple``
    their ratio in samples (``None`` when ``g2`` came out at or below zero: the true gradient is
    too small against its noise to be seen at these batch sizes); ``measurements``: pairs averaged."""

    g2: float
    trace_sigma: float
    b_small: int
    b_big: int
    measurements: int

    @property
    def b_simple(self) -> float | None:
        return self.trace_sigma / self.g2 if self.g2 > 0 and self.trace_sigma > 0 else None


def unbiased(sq_small: float, sq_big: float, b_small: int, b_big: int) -> tuple[float, float]:
    """``(|G|^2, tr(Sigma))`` from one pair of squared gradient norms (module docstring)."""
    if not 0 < b_small < b_big:
        raise ValueError(f"need 0 < b_small < b_big, got {b_small} and {b_big}")
    g2 = (b_big * sq_big - b_small * sq_small) / (b_big - b_small)
    trace = (sq_small - sq_big) / (1.0 / b_small - 1.0 / b_big)
    return g2, trace


def noise_scale(sq_small, sq_big, b_small: int, b_big: int) -> NoiseScale:
    """Average the per-pair estimates of ``|G|^2`` and ``tr(Sigma)`` over all pairs (arrays of
    squared norms of the small and large batches' gradients), then take the ratio."""
    small, big = np.atleast_1d(np.asarray(sq_small, dtype=float)), np.atleast_1d(np.asarray(sq_big, dtype=float))
    if small.shape != big.shape or small.size == 0:
        raise ValueError("give one small-batch and one large-batch squared norm per measurement")
    if not (np.all(np.isfinite(small)) and np.all(np.isfinite(big))):
        raise ValueError("squared gradient norms must be finite")
    g2, trace = unbiased(float(small.mean()), float(big.mean()), b_small, b_big)
    return NoiseScale(g2=g2, trace_sigma=trace, b_small=int(b_small), b_big=int(b_big), measurements=int(small.size))


def from_per_sample(gradients: np.ndarray, b_small: int, rng: np.random.Generator, repeats: int = 1) -> NoiseScale:
    """The estimate from per-sample gradients ``(n, d)``: each repeat takes a random batch of
    ``b_small`` of them and the mean of all ``n`` as the large batch (both at the same parameters)."""
    grads = np.asarray(gradients, dtype=float)
    n = grads.shape[0]
    big = grads.mean(axis=0)
    sq_big = float(big @ big)
    smalls = []
    for _ in range(repeats):
        pick = rng.choice(n, size=b_small, replace=False)
        mean = grads[pick].mean(axis=0)
        smalls.append(float(mean @ mean))
    return noise_scale(smalls, [sq_big] * repeats, b_small, n)


def combine(scales: list[NoiseScale]) -> NoiseScale:
    """Several estimates at one pair of batch sizes (e.g. from several points), averaged as pairs."""
    if not scales:
        raise ValueError("nothing to combine")
    total = sum(s.measurements for s in scales)
    g2 = sum(s.g2 * s.measurements for s in scales) / total
    trace = sum(s.trace_sigma * s.measurements for s in scales) / total
    first = scales[0]
    return NoiseScale(g2=g2, trace_sigma=trace, b_small=first.b_small, b_big=first.b_big, measurements=total)


def is_finite_positive(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0
