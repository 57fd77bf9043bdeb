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

The estimate is made where the gradients are measured (the built-in PPO's calibration,
:mod:`profiler.kinds.mjx.noise_probe`) and stored per point, the policy's and the value
function's apart; :mod:`models.noise_scale` combines estimates and checks them against
per-sample gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NoiseEstimate:
    """``g2`` estimates ``|G|^2``, ``trace_sigma`` the per-sample ``tr(Sigma)``, from ``measurements``
    gradients of ``b_small`` samples and their mean over ``b_big``; ``b_simple`` their ratio in
    samples (``None`` when ``g2`` came out at or below zero)."""

    g2: float
    trace_sigma: float
    b_small: int
    b_big: int
    measurements: int

    def __post_init__(self) -> None:
        if not 0 < self.b_small < self.b_big or self.measurements < 1:
            raise ValueError("a noise estimate needs 0 < b_small < b_big and at least one measurement")

    @property
    def b_simple(self) -> float | None:
        return self.trace_sigma / self.g2 if self.g2 > 0 and self.trace_sigma > 0 else None


@dataclass(frozen=True)
class GradientNoise:
    """The policy's and the value function's noise estimates at one point, in samples per gradient
    step (a minibatch); at the start of training (a calibration's few iterations)."""

    policy: NoiseEstimate
    value: NoiseEstimate


def unbiased(sq_small: float, sq_big: float, b_small: int, b_big: int) -> tuple[float, float]:
    """``(|G|^2, tr(Sigma))`` from one pair of squared gradient norms (module docstring)."""
    if not 0 < b_small < b_big:
        raise ValueError(f"need 0 < b_small < b_big, got {b_small} and {b_big}")
    g2 = (b_big * sq_big - b_small * sq_small) / (b_big - b_small)
    trace = (sq_small - sq_big) / (1.0 / b_small - 1.0 / b_big)
    return g2, trace


def noise_scale(sq_small, sq_big, b_small: int, b_big: int) -> NoiseEstimate:
    """Average the per-pair estimates of ``|G|^2`` and ``tr(Sigma)`` over all pairs (arrays of
    squared norms of the small and large batches' gradients), then take the ratio."""
    small, big = np.atleast_1d(np.asarray(sq_small, dtype=float)), np.atleast_1d(np.asarray(sq_big, dtype=float))
    if small.shape != big.shape or small.size == 0:
        raise ValueError("give one small-batch and one large-batch squared norm per measurement")
    if not (np.all(np.isfinite(small)) and np.all(np.isfinite(big))):
        raise ValueError("squared gradient norms must be finite")
    g2, trace = unbiased(float(small.mean()), float(big.mean()), b_small, b_big)
    return NoiseEstimate(g2=g2, trace_sigma=trace, b_small=int(b_small), b_big=int(b_big), measurements=int(small.size))
