"""The one home of LocoMuJoCo's minibatch rule: ``minibatch_size = num_envs * num_steps //
num_minibatches``, with exact divisibility (LocoMuJoCo asserts it).

A sweep may fix ``num_minibatches`` (LocoMuJoCo's conf: 32) or a target minibatch size, in which
case each point gets the divisor of its batch whose minibatch size is nearest the target, the
same rule ``advisor recommend`` uses, so that what is measured is what gets recommended. Errors
are :class:`~profiler.errors.BadInput` and name the fix.
"""

from __future__ import annotations

import math
from typing import Iterable

from profiler.errors import BadInput, WorkloadSpecError

#: Samples per minibatch advisor aims for by default: LocoMuJoCo's official conf, 2048 * 50 / 32.
DEFAULT_MINIBATCH_SIZE = 3200


def divisors(value: int) -> list[int]:
    """Every divisor of ``value``, ascending."""
    small, large = [], []
    for d in range(1, math.isqrt(value) + 1):
        if value % d == 0:
            small.append(d)
            if d != value // d:
                large.append(value // d)
    return small + large[::-1]


def nearest_num_minibatches(num_envs: int, num_steps: int, target_minibatch_size: int) -> int:
    """The ``num_minibatches`` dividing ``num_envs * num_steps`` exactly whose minibatch size is
    nearest ``target_minibatch_size`` in ratio (ties go to larger minibatches)."""
    if num_envs < 1 or num_steps < 1 or target_minibatch_size < 1:
        raise ValueError("num_envs, num_steps and the target minibatch size must be positive")
    batch = num_envs * num_steps
    return min(divisors(batch), key=lambda k: (abs(math.log(batch / k / target_minibatch_size)), k))


def choose_num_minibatches(num_envs: int, num_steps: int, target_minibatch_size: int = DEFAULT_MINIBATCH_SIZE) -> int:
    """:func:`nearest_num_minibatches`, with the user's errors (exit 2)."""
    if num_envs < 1 or num_steps < 1:
        raise BadInput("num_envs and num_steps must be positive")
    if target_minibatch_size < 1:
        raise BadInput("--minibatch-size must be a positive number of samples, e.g. 3200")
    return nearest_num_minibatches(num_envs, num_steps, target_minibatch_size)


def check_minibatches(num_envs: int, num_steps: int, num_minibatches: int) -> int:
    """Return the minibatch size, or raise naming the nearest count that divides exactly."""
    batch = num_envs * num_steps
    if num_minibatches < 1 or batch % num_minibatches:
        nearest = min(divisors(batch), key=lambda k: abs(k - num_minibatches))
        raise BadInput(
            f"num_envs*num_steps = {num_envs}*{num_steps} = {batch} is not divisible by "
            f"num_minibatches={num_minibatches} (LocoMuJoCo asserts it); use {nearest}"
        )
    return batch // num_minibatches


def num_envs_step(num_steps: int, num_minibatches: int | None) -> int:
    """num_envs must be a multiple of this for ``num_minibatches`` to divide every batch exactly
    (1 when the count is chosen per point, ``num_minibatches`` is ``None``)."""
    if num_minibatches is None:
        return 1
    return num_minibatches // math.gcd(num_steps, num_minibatches)


def check_divisible(num_envs: Iterable[int], num_steps: int, num_minibatches: int | None) -> None:
    """A sweep's grid, checked up front: every ``num_envs * num_steps`` must divide by a fixed
    ``num_minibatches`` (``None``: chosen per point, so always divides)."""
    if num_minibatches is None:
        return
    bad = [n for n in num_envs if (n * num_steps) % num_minibatches]
    if bad:
        raise WorkloadSpecError(
            f"num_envs*num_steps must be divisible by num_minibatches={num_minibatches}, "
            f"which fails for num_envs {', '.join(map(str, bad))} with num_steps={num_steps}; "
            "pick num_envs that are multiples of num_minibatches or change --num-minibatches"
        )


class LocoBatch:
    """LocoMuJoCo's sizes derived from a PPO config, for any config class (a dataclass) with
    ``num_envs``, ``num_steps``, ``num_minibatches`` and ``total_timesteps``: the measuring child's
    :class:`~profiler.kinds.mjx.workload.PPOConfig` and the jax-free configs the CLI predicts."""

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps

    @property
    def minibatch_size(self) -> int:
        return self.batch_size // self.num_minibatches

    @property
    def num_updates(self) -> int:
        """LocoMuJoCo's ``total_timesteps // num_steps // num_envs``."""
        return self.total_timesteps // self.num_steps // self.num_envs

    @property
    def env_steps(self) -> int:
        """Env steps the run trains: whole iterations only, as LocoMuJoCo runs them."""
        return self.num_updates * self.batch_size
