"""Turn fitted MJX curves and a user's constraints into a :class:`MjxRecommendation`.

Pure: no I/O. "No recommendation" is a valid answer and carries its reason.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from advisor.errors import BadInput
from advisor.kinds.mjx.evaluated_configs import (
    DEFAULT_MIN_UPDATES,
    LOCOMUJOCO_BATCH,
    MjxOption,
    batch_splits,
    evaluate,
    min_rollout_steps,
)
from advisor.recommendation import Recommendation
from advisor.units import check_recommend_options
from advisor.vectorised import JAX_DEFAULT_POOL_FRACTION, candidate_num_envs, prediction_rows, trend_note
from models.num_envs_curves import VectorCurves
from profiler.kinds.mjx.schema import MjxWorkload
from profiler.minibatch import (
    DEFAULT_MINIBATCH_SIZE,
    check_minibatches,
    choose_num_minibatches,
    divisors,
    num_envs_step,
)
from profiler.profile import Accelerator

#: objective -> what it means
OBJECTIVES = {
    "efficient": "the smallest num_envs whose predicted train_sps is within the tolerance of the best "
    "(bigger batches cost PPO sample efficiency)",
    "max-throughput": "the num_envs with the highest predicted train_sps",
    "same-batch": "env steps per PPO update held at the base conf's num_envs x num_steps (LocoMuJoCo's 2048 x 50 "
    "without --base); the fastest num_envs x num_steps split of it, with rollouts no shorter than GAE's horizon",
}


@dataclass(frozen=True)
class MjxRecommendation(Recommendation):
    target_steps: int
    objective: str
    tolerance: float
    headroom: float
    memory_budget_bytes: int | None
    workload: MjxWorkload
    accelerator: Accelerator
    memory_source: str
    compile_s: float | None
    options: tuple[MjxOption, ...]
    chosen: MjxOption | None
    reason: str
    env: dict[str, str]
    notes: tuple[str, ...]
    min_updates: int = 0


def pool_fraction_needed(option: MjxOption, accelerator: Accelerator, cap: float) -> float | None:
    """The ``XLA_PYTHON_CLIENT_MEM_FRACTION`` a GPU config needs when its peak-memory upper bound
    is above JAX's default 75% pool (2 points of margin, at most ``cap``); ``None`` when the default
    pool is enough, the bound is unknown, or the config does not fit at all (no pool helps then)."""
    capacity = accelerator.memory_bytes
    if accelerator.platform != "gpu" or not capacity or option.peak_bytes_upper is None or not option.fits:
        return None
    share = option.peak_bytes_upper / capacity
    if share <= JAX_DEFAULT_POOL_FRACTION:
        return None
    return min(cap, math.ceil((share + 0.02) * 100) / 100)


@dataclass(frozen=True)
class MjxConstraints:
    """What a user asks of an MJX recommendation beside its target and objective.

    ``tolerance`` is the fraction of the best throughput the efficient objective may give up;
    ``headroom`` the fraction of device memory a config's peak-memory upper bound may use.
    Each config's ``num_minibatches`` is the count whose minibatches are nearest ``minibatch_size``
    samples.
    Configs with fewer than ``min_updates`` PPO updates are not recommended. ``num_steps``,
    ``update_epochs`` and ``hidden_layers`` come from a user's own conf when it sets them (``None``:
    the profile's), and ``base_batch`` is its env steps per update, which ``same-batch`` holds
    (``None``: LocoMuJoCo's 2048 x 50)."""

    tolerance: float = 0.05
    headroom: float = 0.9
    minibatch_size: int = DEFAULT_MINIBATCH_SIZE
    min_updates: int = DEFAULT_MIN_UPDATES
    num_steps: int | None = None
    update_epochs: int | None = None
    hidden_layers: tuple[int, ...] | None = None
    base_batch: int | None = None


def recommend_mjx(curves: VectorCurves, target_steps: int, *, profile: str, profile_note: str = "",
                  objective: str = "efficient", constraints: MjxConstraints = MjxConstraints()) -> MjxRecommendation:
    """Choose ``num_envs`` and ``num_minibatches`` (and, for ``same-batch``, ``num_steps``) for
    ``target_steps`` env steps within ``constraints``; every option's prediction is for its exact
    config.

    ``num_minibatches`` keeps minibatches near ``minibatch_size`` samples, so the gradient noise
    of each step stays as tuned while num_envs grows, and its cost is predicted by the phase model.
    ``same-batch`` holds env steps per update at ``base_batch`` and picks the fastest num_envs x
    num_steps split of it.
    """
    c = constraints
    check_recommend_options(objective, OBJECTIVES, c.headroom, c.tolerance)
    if c.min_updates < 0:
        raise BadInput(f"--min-updates must be 0 or more PPO updates (got {c.min_updates})")
    section = curves.section
    workload = section.workload
    steps = c.num_steps or workload.num_steps
    epochs = c.update_epochs or workload.update_epochs
    capacity = section.accelerator.memory_bytes
    budget = int(c.headroom * capacity) if capacity else None
    base = dict(profile=profile, profile_note=profile_note, target_steps=target_steps, objective=objective,
                tolerance=c.tolerance, headroom=c.headroom, memory_budget_bytes=budget,
                workload=dataclasses.replace(workload, num_steps=steps, update_epochs=epochs, minibatch_size=None),
                accelerator=section.accelerator, memory_source=section.memory_source,
                compile_s=curves.compile_s, env={}, min_updates=c.min_updates)
    notes = _layers_notes(curves, c.hidden_layers)
    if curves.throughput is None:
        return MjxRecommendation(**base, options=(), chosen=None, notes=tuple(notes),
                                 reason="no recommendation: " + "; ".join(curves.notes))
    notes += _fit_notes(curves, budget)
    shapes = _shapes(curves, objective, steps, epochs, c.base_batch)
    if isinstance(shapes, str):
        return MjxRecommendation(**base, options=(), chosen=None, notes=tuple(notes), reason=shapes)
    options = evaluate(curves, shapes, target_steps=target_steps, minibatch_size=c.minibatch_size,
                       budget_bytes=budget, min_updates=c.min_updates)
    usable = [o for o in options if o.excluded is None]
    if not usable:
        return MjxRecommendation(**base, options=tuple(options), chosen=None, notes=tuple(notes),
                                 reason=_nothing_usable(options, target_steps, c.min_updates, c.headroom, section))
    best, chosen, why = _choose(usable, objective, c.tolerance)
    notes.extend(chosen.notes)
    trend = trend_note(section, best.num_envs) if objective != "same-batch" and all(o.fits for o in options) else None
    if trend:
        notes.append(trend)
    env = _pool_env(chosen, section.accelerator, c.headroom, notes)
    workload_out = dataclasses.replace(base["workload"], num_steps=chosen.num_steps)
    return MjxRecommendation(**{**base, "env": env, "workload": workload_out}, options=tuple(options), chosen=chosen,
                             notes=tuple(notes), reason=why)


def _layers_notes(curves: VectorCurves, hidden_layers: tuple[int, ...] | None) -> list[str]:
    """The fit's notes, and one when a user's conf has other hidden layers than the profile measured."""
    notes = list(curves.notes)
    measured = curves.section.workload.hidden_layers
    if hidden_layers and tuple(hidden_layers) != measured:
        notes.append(f"your conf's hidden_layers={list(hidden_layers)} differ from the profile's measurements "
                     f"({list(measured)}), so predictions are approximate: wider layers lengthen the "
                     "update phase")
    return notes


def _fit_notes(curves: VectorCurves, budget: int | None) -> list[str]:
    """What the profile could not measure: compile time, peak memory, the device's memory."""
    notes = []
    section = curves.section
    if curves.compile_s is None:
        notes.append("compile time was not measured; times to target exclude it")
    if curves.memory is None and curves.envs_memory is None:
        notes.append(f"peak memory is unknown, so only num_envs up to the largest that ran on "
                     f"{section.accelerator.name} ({max(curves.measured_num_envs)}) count as fitting")
    elif budget is None:
        notes.append(f"the device's memory is unknown (the profile was imported without --device-memory-bytes), so "
                     f"predicted peaks are not checked against it and only num_envs up to the largest that ran "
                     f"({max(curves.measured_num_envs)}) count as fitting; import it again with --device-memory-bytes "
                     "to check them")
    return notes


def _shapes(curves: VectorCurves, objective: str, steps: int, epochs: int,
            base_batch: int | None) -> list[tuple[int, int, None, int]] | str:
    """The ``(num_envs, num_steps, num_minibatches, update_epochs)`` shapes to evaluate (minibatches
    chosen later), or why there are none: ``same-batch`` splits ``base_batch`` env steps per update,
    the other objectives try ``candidate_num_envs`` at ``steps``."""
    if objective != "same-batch":
        return [(n, steps, None, epochs) for n in candidate_num_envs(curves.measured_num_envs)]
    batch = base_batch or LOCOMUJOCO_BATCH
    shortest = min_rollout_steps()
    shapes = [(n, s, None, epochs) for n, s in batch_splits(batch, curves.measured_num_envs, shortest)]
    if not shapes:
        return (f"no recommendation: no num_envs in the measured range {min(curves.measured_num_envs)}-"
                f"{max(curves.measured_num_envs)} splits {batch:,} env steps per update into rollouts of at least "
                f"{shortest} steps; calibrate other --num-envs")
    return shapes


def _choose(usable: list[MjxOption], objective: str, tolerance: float) -> tuple[MjxOption, MjxOption, str]:
    """``(the fastest, the chosen, why)`` among the usable options for ``objective``."""
    best = max(usable, key=lambda o: o.train_sps)
    if objective == "max-throughput":
        return best, best, "the highest predicted train_sps among configs that fit"
    if objective == "same-batch":
        return best, best, (f"the fastest split of {best.num_envs * best.num_steps:,} env steps per PPO update into "
                            f"num_envs x num_steps (rollouts of at least {min_rollout_steps()} steps, GAE's horizon)")
    chosen = min((o for o in usable if o.train_sps >= (1 - tolerance) * best.train_sps), key=lambda o: o.num_envs)
    return best, chosen, (f"the smallest num_envs within {tolerance:.0%} of the best predicted train_sps "
                          f"({best.num_envs} envs at {best.train_sps:,.0f} env steps/s); bigger batches cost PPO "
                          "sample efficiency")


def _pool_env(chosen: MjxOption, accelerator: Accelerator, headroom: float, notes: list[str]) -> dict[str, str]:
    """The environment the chosen config needs: ``XLA_PYTHON_CLIENT_MEM_FRACTION`` when its peak
    may pass JAX's default pool (with a note saying so)."""
    env = {}
    fraction = pool_fraction_needed(chosen, accelerator, cap=headroom)
    if fraction is not None:
        env["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{fraction:.2f}"
        notes.append(f"peak memory may reach {chosen.peak_bytes_upper / accelerator.memory_bytes:.0%} of the device, "
                     f"above JAX's default 75% pool: set XLA_PYTHON_CLIENT_MEM_FRACTION={fraction:.2f}")
    return env


def _nothing_usable(options: list[MjxOption], target_steps: int, min_updates: int, headroom: float, section) -> str:
    if all(o.num_updates < 1 for o in options):
        smallest = min(options, key=lambda o: o.num_envs * o.num_steps)
        return (f"no recommendation: the target of {target_steps} env steps is smaller than one training iteration "
                f"({smallest.num_envs} envs x {smallest.num_steps} steps); raise --target")
    if not any(o.fits for o in options):
        return ("no recommendation: no measured num_envs fits the memory budget of "
                f"{headroom:.0%} of {section.accelerator.name}; raise --memory-headroom or calibrate smaller num_envs")
    most = max(o.num_updates for o in options if o.fits)
    return (f"no recommendation: every config that fits runs fewer than --min-updates {min_updates} PPO updates for "
            f"{target_steps:,} env steps (at most {most}); raise --target, lower --min-updates, or calibrate smaller "
            "num_envs")


def _measured_minibatches(section, num_envs: int) -> int:
    """num_minibatches the profile measured nearest to ``num_envs`` (the workload's by default)."""
    ok = section.ok_points
    if not ok:
        return section.workload.minibatches_at(num_envs)
    nearest = min(ok, key=lambda p: abs(math.log(p.num_envs / num_envs)))
    return nearest.num_minibatches or section.workload.num_minibatches


def default_minibatches(section, num_envs: int, num_steps: int) -> int:
    """The num_minibatches ``predict`` assumes when none is given: the profile's own at
    ``num_envs`` (its minibatch rule, or the count measured nearest), which must divide the batch."""
    w = section.workload
    if w.minibatch_size is not None:
        return choose_num_minibatches(num_envs, num_steps, w.minibatch_size)
    k = _measured_minibatches(section, num_envs)
    check_minibatches(num_envs, num_steps, k)
    return k


def minibatch_problem(section, num_envs: int, num_steps: int, num_minibatches: int | None) -> str | None:
    """Why ``predict`` cannot answer for ``num_envs`` (its batch does not divide into the given
    ``num_minibatches``, or the profile's own count when none is given), with the fix; ``None`` when
    it can."""
    w = section.workload
    if num_minibatches is None and w.minibatch_size is not None:
        return None  # the count is chosen per num_envs, so it always divides
    k = num_minibatches if num_minibatches is not None else _measured_minibatches(section, num_envs)
    batch = num_envs * num_steps
    if batch % k == 0:
        return None
    nearest = min(divisors(batch), key=lambda d: (abs(d - k), d))
    whose = f"--num-minibatches {k}" if num_minibatches is not None else f"the profile's num_minibatches={k}"
    return (f"num_envs {num_envs}: {num_envs}*{num_steps} = {batch:,} env steps per iteration is not divisible by "
            f"{whose} (LocoMuJoCo asserts it); predict it with --num-minibatches {nearest}, or use num_envs that are "
            f"multiples of {num_envs_step(num_steps, k)}")


def predict_mjx(curves: VectorCurves, num_envs: list[int], *, num_steps: int | None = None,
                num_minibatches: int | None = None, update_epochs: int | None = None,
                target_steps: int | None = None) -> list[dict[str, Any]]:
    """The DESIGN.md ``advisor predict --num-envs`` contract, one dict per num_envs, for the exact
    config ``(num_envs, num_steps, num_minibatches, update_epochs)`` (defaults: the profile's).

    Beside the contract's keys: ``num_steps``, ``num_minibatches``, ``update_epochs``,
    ``minibatch_size``, ``iteration_s``, ``gradient_steps_per_update`` and ``_per_sample``,
    ``num_updates`` (PPO updates for ``target_steps``; ``None`` without it), ``basis`` (phases or
    fused), ``extrapolated_axes`` and ``notes``; ``extrapolated`` is true when any axis is."""
    from advisor.kinds.mjx.config_prediction import predict_configs

    section = curves.section
    steps = num_steps or section.workload.num_steps
    epochs = update_epochs or section.workload.update_epochs
    shapes = []
    for n in num_envs:
        k = num_minibatches if num_minibatches is not None else default_minibatches(section, n, steps)
        check_minibatches(n, steps, k)
        shapes.append((n, steps, k, epochs))
    base = prediction_rows(curves, num_envs, peak_key="peak_vram_bytes")
    rows = []
    for row, p in zip(base, predict_configs(curves, shapes)):
        peak, upper, basis, memory_note = curves.peak_bytes_at(row["num_envs"], p.num_steps, p.num_minibatches)
        row.update(peak_vram_bytes=None if peak is None else round(peak),
                   peak_vram_bytes_upper=None if upper is None else math.ceil(upper), memory_basis=basis)
        row.update(train_sps=p.train_sps, train_sps_low=p.train_sps_low, train_sps_high=p.train_sps_high,
                   extrapolated=bool(p.extrapolated), num_steps=p.num_steps, num_minibatches=p.num_minibatches,
                   update_epochs=p.update_epochs, minibatch_size=p.minibatch_size, iteration_s=p.iteration_s,
                   gradient_steps_per_update=p.gradient_steps_per_update,
                   gradient_steps_per_sample=p.gradient_steps_per_sample,
                   num_updates=p.num_updates(target_steps) if target_steps else None, basis=p.basis,
                   measured=p.measured, fit_train_sps=p.fit_train_sps,
                   extrapolated_axes=list(p.extrapolated),
                   notes=list(p.notes) + ([memory_note] if memory_note else []))
        rows.append(row)
    return rows
