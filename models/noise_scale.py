"""Gradient noise scales beyond one measurement (McCandlish et al. 2018, appendix A): estimates
combined over points, and the estimator (:mod:`profiler.noise`, where gradients are measured)
checked against per-sample gradients. ``B_simple = tr(Sigma) / |G|^2``: the critical batch of the
sample-efficiency model is near it."""

from __future__ import annotations

import math

import numpy as np

from profiler.noise import NoiseEstimate as NoiseScale
from profiler.noise import noise_scale, unbiased

__all__ = ["NoiseScale", "combine", "from_per_sample", "is_finite_positive", "noise_scale", "unbiased"]


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
