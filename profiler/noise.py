"""The gradient noise scale as a profile stores it (measured by the built-in PPO's calibration,
:mod:`profiler.kinds.mjx.noise_probe`): the two-batch estimates of ``|G|^2`` and ``tr(Sigma)`` for
the policy and for the value function apart (:mod:`models.noise_scale`)."""

from __future__ import annotations

from dataclasses import dataclass


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
