"""The configs ``advisor recommend --kind mjx`` and the explorer weigh: each an exact
``(num_envs, num_steps, num_minibatches, update_epochs)``, predicted by
:func:`advisor.kinds.mjx.config_prediction.predict_configs`, with its peak memory, time to the
target, PPO updates and gradient steps, and why it may not be recommended. Pure: no I/O.

Configs with fewer than ``min_updates`` PPO updates are excluded, with the reason
(:mod:`advisor.kinds.mjx.sample_efficiency`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.kinds.mjx.config_prediction import predict_configs
from advisor.kinds.mjx.sample_efficiency import DEFAULT_MIN_UPDATES, LOCOMUJOCO_BATCH, min_rollout_steps
from advisor.vectorised import NumEnvsOption
from profiler.minibatch import choose_num_minibatches, divisors


@dataclass(frozen=True)
class MjxOption(NumEnvsOption):
    """One evaluated config: predicted throughput (env steps/s) with its interval, peak memory
    (bytes; ``None`` when unknown) with its upper bound, time to the target (s), the PPO updates
    it runs (``target // num_steps // num_envs``), its gradient steps per update
    (``update_epochs * num_minibatches``) and per env step collected (that over ``num_envs *
    num_steps``), and ``excluded``: why it is not recommended (``None`` when it may be)."""

    num_minibatches: int
    minibatch_size: int
    num_updates: int
    env_steps: int
    num_steps: int = 50
    update_epochs: int = 4
    gradient_steps_per_update: int = 0
    gradient_steps_per_sample: float = 0.0
    basis: str = "fused"
    extrapolated_axes: tuple[str, ...] = ()
    excluded: str | None = None
    notes: tuple[str, ...] = ()


def batch_splits(batch: int, measured: tuple[int, ...], min_steps: int) -> list[tuple[int, int]]:
    """``(num_envs, num_steps)`` with ``num_envs * num_steps == batch`` exactly, num_envs within
    the measured range and num_steps at least ``min_steps``."""
    low, high = min(measured), max(measured)
    return [(n, batch // n) for n in divisors(batch) if low <= n <= high and batch // n >= min_steps]


def evaluate(curves, shapes: list[tuple[int, int, int | None, int]], *, target_steps: int, minibatch_size: int,
             budget_bytes: int | None, min_updates: int = 0) -> list[MjxOption]:
    """Predict every ``(num_envs, num_steps, num_minibatches or None, update_epochs)``; ``None``
    minibatches: the count nearest ``minibatch_size`` samples that divides the batch."""
    rows = [(n, s, k if k is not None else choose_num_minibatches(n, s, minibatch_size), e) for n, s, k, e in shapes]
    predictions = predict_configs(curves, rows)
    largest_ok = max(curves.measured_num_envs)
    oom = curves.section.oom_num_envs
    compile_s = curves.compile_s or 0.0
    compile_low, compile_high = curves.compile_range_s or (compile_s, compile_s)
    options = []
    for p in predictions:
        envs = p.num_envs
        peak, upper, _basis, memory_note = curves.peak_bytes_at(envs, p.num_steps, p.num_minibatches)
        if upper is not None and budget_bytes is not None:
            fits = upper <= budget_bytes
        else:  # memory unknown: only sizes that ran on the device are known to fit
            fits = envs <= largest_ok
        if oom is not None and envs >= oom:
            fits = False
        updates = p.num_updates(target_steps)
        steps = updates * p.batch_size
        excluded = None
        if updates < 1:
            excluded = "the target is smaller than one iteration"
        elif not fits:
            excluded = "does not fit the memory budget"
        elif updates < min_updates:
            excluded = f"{updates} PPO updates, fewer than --min-updates {min_updates}"
        options.append(MjxOption(
            num_envs=envs, num_minibatches=p.num_minibatches, minibatch_size=p.minibatch_size,
            train_sps=p.train_sps, train_sps_low=p.train_sps_low, train_sps_high=p.train_sps_high,
            peak_bytes=None if peak is None else round(peak), peak_bytes_upper=None if upper is None else math.ceil(upper),
            fits=bool(fits), extrapolated=bool(p.extrapolated), num_updates=int(updates), env_steps=int(steps),
            time_s=compile_s + steps / p.train_sps, time_low_s=compile_low + steps / p.train_sps_high,
            time_high_s=compile_high + steps / p.train_sps_low, num_steps=p.num_steps, update_epochs=p.update_epochs,
            gradient_steps_per_update=p.gradient_steps_per_update, gradient_steps_per_sample=p.gradient_steps_per_sample,
            basis=p.basis, extrapolated_axes=p.extrapolated, excluded=excluded,
            notes=tuple(p.notes) + ((memory_note,) if memory_note else ()), measured=p.measured,
            fit_train_sps=p.fit_train_sps,
        ))
    return options


__all__ = ["DEFAULT_MIN_UPDATES", "LOCOMUJOCO_BATCH", "MjxOption", "batch_splits", "evaluate", "min_rollout_steps"]
