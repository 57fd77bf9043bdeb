"""Choosing ``num_minibatches`` the way LocoMuJoCo needs it, with the user's errors.

LocoMuJoCo computes ``minibatch_size = num_envs * num_steps // num_minibatches`` and asserts
exact divisibility. We pick the divisor of the batch whose minibatch size is closest (in ratio)
to a target, 3,200 by default: the official conf's 2048 * 50 / 32 (the rule itself lives in
:mod:`profiler.minibatch`, which calibration shares).
"""

from __future__ import annotations

from advisor.errors import BadInput
from profiler.minibatch import divisors, nearest_num_minibatches

DEFAULT_MINIBATCH_SIZE = 3200


def choose_num_minibatches(num_envs: int, num_steps: int, target_minibatch_size: int = DEFAULT_MINIBATCH_SIZE) -> int:
    """The ``num_minibatches`` dividing ``num_envs * num_steps`` exactly whose minibatch size is
    nearest ``target_minibatch_size`` in ratio (ties go to larger minibatches)."""
    if num_envs < 1 or num_steps < 1:
        raise BadInput("num_envs and num_steps must be positive")
    if target_minibatch_size < 1:
        raise BadInput("--minibatch-size must be a positive number of samples, e.g. 3200")
    return nearest_num_minibatches(num_envs, num_steps, target_minibatch_size)


def check_minibatches(num_envs: int, num_steps: int, num_minibatches: int) -> int:
    """Return the minibatch size, or raise naming the fix when it does not divide exactly."""
    batch = num_envs * num_steps
    if num_minibatches < 1 or batch % num_minibatches:
        nearest = min(divisors(batch), key=lambda k: abs(k - num_minibatches))
        raise BadInput(
            f"num_envs*num_steps = {num_envs}*{num_steps} = {batch} is not divisible by "
            f"num_minibatches={num_minibatches} (LocoMuJoCo asserts it); use {nearest}"
        )
    return batch // num_minibatches
