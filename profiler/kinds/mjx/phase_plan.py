"""Which minibatch counts a sweep times the update phase at, beside each point's own: enough
variation along num_minibatches to identify the update phase's cost per minibatch step
(:mod:`models.phases.iteration`) at little cost, since an extra count re-times only the update
phase, on the batch the point already collected.

The default plan: at every point, the count ``advisor recommend`` would choose there (minibatches
nearest :data:`~profiler.minibatch.DEFAULT_MINIBATCH_SIZE` samples); at the smallest and the
largest point, also the count nearest LocoMuJoCo's 32 (and, where that is already timed there,
the one nearest 4x the point's own), so two sizes span the minibatch axis at a fixed batch.
"""

from __future__ import annotations

import math

from profiler.kinds.mjx.schema import MjxWorkload
from profiler.minibatch import DEFAULT_MINIBATCH_SIZE, divisors, nearest_num_minibatches

#: LocoMuJoCo's official conf: 32 minibatches per epoch.
LOCOMUJOCO_MINIBATCHES = 32


def divisor_near(batch: int, wanted: float) -> int:
    """The divisor of ``batch`` nearest ``wanted`` in ratio (ties to the smaller count)."""
    return min(divisors(batch), key=lambda d: (abs(math.log(d / wanted)), d))


def default_phase_minibatches(grid: tuple[int, ...], workload: MjxWorkload,
                              minibatch_size: int = DEFAULT_MINIBATCH_SIZE) -> dict[int, tuple[int, ...]]:
    """num_envs -> the extra counts its update phase is timed at (see the module docstring)."""
    plan: dict[int, list[int]] = {}
    for n in grid:
        batch = n * workload.num_steps
        own = workload.minibatches_at(n)
        plan[n] = [k for k in (nearest_num_minibatches(n, workload.num_steps, minibatch_size),) if k != own]
    ends = sorted(set(grid))
    for n in (ends[0], ends[-1]) if len(ends) > 1 else ends:
        batch = n * workload.num_steps
        own = workload.minibatches_at(n)
        timed = {own, *plan[n]}
        for wanted in (LOCOMUJOCO_MINIBATCHES, 4 * own):
            k = divisor_near(batch, wanted)
            if k not in timed:
                plan[n].append(k)
                break
    return {n: tuple(sorted(counts)) for n, counts in plan.items() if counts}


def plan_lines(grid: tuple[int, ...], workload: MjxWorkload, extra: dict[int, tuple[int, ...]],
               phases: bool) -> list[str]:
    """The sweep's plan, one line per point: its fused iteration and the update phases timed."""
    lines = []
    for n in grid:
        own = workload.minibatches_at(n)
        batch = n * workload.num_steps
        text = f"num_envs={n}: iteration of {batch:,} env steps, {own} minibatches of {batch // own:,}"
        if phases:
            counts = ", ".join(f"{k} ({batch // k:,})" for k in extra.get(n, ()))
            text += "; rollout and update phases timed apart" + (f", the update also at {counts}" if counts else "")
        lines.append(text)
    return lines
