"""Minibatches as LocoMuJoCo needs them: ``minibatch_size = num_envs * num_steps // num_minibatches``
with exact divisibility (LocoMuJoCo asserts it).

A sweep may fix ``num_minibatches`` (LocoMuJoCo's conf: 32) or a target minibatch size, in
which case each point gets the divisor of its batch whose minibatch size is nearest the target,
the same rule ``advisor recommend`` uses, so that what is measured is what gets recommended.
Pure functions; ``ValueError`` on bad input.
"""

from __future__ import annotations

import math


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
