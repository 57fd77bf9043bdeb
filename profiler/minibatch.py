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


#: The largest number advisor factorises: every product of two bounded settings (a batch of
#: num_envs x num_steps, of batch_size x num_minibatches) is far below it.
MAX_FACTORISED = 2**64
_SMALL_PRIMES = tuple(p for p in range(2, 1000) if all(p % q for q in range(2, math.isqrt(p) + 1)))
#: Witnesses that make Miller-Rabin exact below 3.3e24 (Sorenson and Webster 2015).
_WITNESSES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    for p in _SMALL_PRIMES[:13]:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in _WITNESSES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _a_factor(n: int) -> int:
    """A non-trivial factor of the odd composite ``n`` (Pollard's rho, Brent's variant: about
    n**(1/4) steps, milliseconds below 2**64)."""
    for c in range(1, n):
        y, m, g, r, q = 2, 128, 1, 1, 1
        x = ys = y
        while g == 1:
            x = y
            for _ in range(r):
                y = (y * y + c) % n
            k = 0
            while k < r and g == 1:
                ys = y
                for _ in range(min(m, r - k)):
                    y = (y * y + c) % n
                    q = q * abs(x - y) % n
                g = math.gcd(q, n)
                k += m
            r *= 2
        if g == n:
            g = 1
            while g == 1:
                ys = (ys * ys + c) % n
                g = math.gcd(abs(x - ys), n)
        if g != n:
            return g
    raise AssertionError(f"no factor found for {n}")  # unreachable for a composite n


def factorise(value: int) -> dict[int, int]:
    """Prime -> exponent of a whole number from 1 to :data:`MAX_FACTORISED` (trial division by
    the primes below 1000, then Pollard's rho: bounded work whatever the number)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_FACTORISED:
        raise ValueError(f"factorise needs a whole number from 1 to 2**64, got {value!r}")
    found: dict[int, int] = {}
    for p in _SMALL_PRIMES:
        while value % p == 0:
            found[p] = found.get(p, 0) + 1
            value //= p
    pending = [value] if value > 1 else []
    while pending:
        n = pending.pop()
        if _is_prime(n):
            found[n] = found.get(n, 0) + 1
        else:
            f = _a_factor(n)
            pending += [f, n // f]
    return dict(sorted(found.items()))


def divisors(value: int) -> list[int]:
    """Every divisor of ``value`` (1 to 2**64), ascending, built from its prime factorisation, so
    the work follows the number of divisors (thousands at most), never the size of ``value``."""
    found = [1]
    for prime, exponent in factorise(value).items():
        found = [d * prime**k for d in found for k in range(exponent + 1)]
    return sorted(found)


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
