"""Turn fitted MJX curves and a user's constraints into a :class:`MjxRecommendation`.

Pure: no I/O. "No recommendation" is a valid answer and carries its reason.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor.errors import BadInput
from advisor.vectorised import prediction_rows
from models.vectorised import VectorCurves
from profiler.kinds.mjx.schema import MjxWorkload
from profiler.minibatch import DEFAULT_MINIBATCH_SIZE, check_minibatches, choose_num_minibatches
from profiler.profile import Accelerator

#: objective -> what it means
OBJECTIVES = {
    "efficient": "the smallest num_envs whose predicted train_sps is within the tolerance of the best "
    "(bigger batches cost PPO sample efficiency)",
    "max-throughput": "the num_envs with the highest predicted train_sps",
}
#: JAX's default preallocated pool on GPUs (XLA_PYTHON_CLIENT_MEM_FRACTION).
JAX_DEFAULT_POOL_FRACTION = 0.75


@dataclass(frozen=True)
class MjxOption:
    """One evaluated ``num_envs``: predicted throughput (env steps/s) with its interval, peak
    memory (bytes; ``None`` when unknown) with its upper bound, and time to the target (s)."""

    num_envs: int
    num_minibatches: int
    minibatch_size: int
    train_sps: float
    train_sps_low: float
    train_sps_high: float
    peak_bytes: int | None
    peak_bytes_upper: int | None
    fits: bool
    extrapolated: bool
    num_updates: int
    env_steps: int
    time_s: float
    time_low_s: float
    time_high_s: float


@dataclass(frozen=True)
class MjxRecommendation:
    profile: str
    profile_note: str
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

    @property
    def ok(self) -> bool:
        return self.chosen is not None


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


def candidate_num_envs(measured: tuple[int, ...]) -> list[int]:
    """Powers of two inside the measured range, plus the measured values themselves."""
    low, high = min(measured), max(measured)
    powers = [2**k for k in range(0, 31) if low <= 2**k <= high]
    return sorted(set(powers) | set(measured))


def evaluate(curves: VectorCurves, num_envs: list[int], *, target_steps: int, num_steps: int,
             minibatch_size: int, budget_bytes: int | None) -> list[MjxOption]:
    """Predict every ``num_envs`` option; requires a fitted throughput curve."""
    assert curves.throughput is not None
    n = np.asarray(num_envs, dtype=float)
    sps = curves.throughput.predict(n)
    low, high = curves.throughput.predict_interval(n)
    extrapolated = curves.throughput.is_extrapolation(n)
    peak, upper, _basis = zip(*(curves.peak_bytes(envs) for envs in num_envs))
    largest_ok = max(curves.measured_num_envs)
    oom = curves.section.oom_num_envs
    compile_s = curves.compile_s or 0.0
    options = []
    for i, envs in enumerate(num_envs):
        if upper[i] is not None and budget_bytes is not None:
            fits = upper[i] <= budget_bytes
        else:  # memory unknown: only sizes that ran on the device are known to fit
            fits = envs <= largest_ok
        if oom is not None and envs >= oom:
            fits = False
        k = choose_num_minibatches(envs, num_steps, minibatch_size)
        updates = target_steps // num_steps // envs
        steps = updates * num_steps * envs
        options.append(MjxOption(
            num_envs=envs, num_minibatches=k, minibatch_size=envs * num_steps // k,
            train_sps=float(sps[i]), train_sps_low=float(low[i]), train_sps_high=float(high[i]),
            peak_bytes=None if peak[i] is None else round(peak[i]),
            peak_bytes_upper=None if upper[i] is None else math.ceil(upper[i]),
            fits=bool(fits), extrapolated=bool(extrapolated[i]), num_updates=int(updates), env_steps=int(steps),
            time_s=compile_s + steps / float(sps[i]), time_low_s=compile_s + steps / float(high[i]),
            time_high_s=compile_s + steps / float(low[i]),
        ))
    return options


def recommend_mjx(
    curves: VectorCurves,
    target_steps: int,
    *,
    profile: str,
    profile_note: str = "",
    objective: str = "efficient",
    tolerance: float = 0.05,
    headroom: float = 0.9,
    minibatch_size: int = DEFAULT_MINIBATCH_SIZE,
    num_steps: int | None = None,
    update_epochs: int | None = None,
    hidden_layers: tuple[int, ...] | None = None,
) -> MjxRecommendation:
    """Choose ``num_envs`` and ``num_minibatches`` for ``target_steps`` env steps.

    ``num_steps``, ``update_epochs`` and ``hidden_layers`` come from a user's own conf when it
    sets them; predictions then assume throughput scales as measured, and a note says so. So
    does a note when the chosen ``num_minibatches`` is not the one measured.
    """
    if objective not in OBJECTIVES:
        raise BadInput(f"--objective {objective!r} is unknown; use one of: {', '.join(OBJECTIVES)}")
    if not 0 < headroom <= 1:
        raise BadInput(f"--memory-headroom must be a fraction in (0, 1], e.g. 0.9 (got {headroom})")
    if not 0 <= tolerance < 1:
        raise BadInput(f"--tolerance must be a fraction in [0, 1), e.g. 0.05 (got {tolerance})")
    section = curves.section
    workload = section.workload
    steps = num_steps or workload.num_steps
    notes = list(curves.notes)
    if steps != workload.num_steps:
        notes.append(f"throughput was measured at num_steps={workload.num_steps}; your conf uses {steps}, "
                     "so predictions are approximate")
    shape = {"update_epochs": update_epochs, "hidden_layers": tuple(hidden_layers) if hidden_layers else None}
    differ = [f"{k}={list(v) if k == 'hidden_layers' else v} (measured: "
              f"{list(getattr(workload, k)) if k == 'hidden_layers' else getattr(workload, k)})"
              for k, v in shape.items() if v is not None and v != getattr(workload, k)]
    if differ:
        notes.append(f"your conf's {', '.join(differ)} differ from the profile's measurements, so predictions are "
                     "approximate: more epochs or wider layers lengthen the update phase")
    capacity = section.accelerator.memory_bytes
    budget = int(headroom * capacity) if capacity else None
    base = dict(profile=profile, profile_note=profile_note, target_steps=target_steps, objective=objective,
                tolerance=tolerance, headroom=headroom, memory_budget_bytes=budget,
                workload=dataclasses.replace(workload, num_steps=steps, minibatch_size=None),
                accelerator=section.accelerator, memory_source=section.memory_source,
                compile_s=curves.compile_s, env={})
    if curves.throughput is None:
        return MjxRecommendation(**base, options=(), chosen=None, notes=tuple(notes),
                                 reason="no recommendation: " + "; ".join(curves.notes))
    if curves.compile_s is None:
        notes.append("compile time was not measured; times to target exclude it")
    if curves.memory is None:
        notes.append(f"peak memory is unknown, so only num_envs up to the largest that ran on "
                     f"{section.accelerator.name} ({max(curves.measured_num_envs)}) count as fitting")
    options = evaluate(curves, candidate_num_envs(curves.measured_num_envs), target_steps=target_steps,
                       num_steps=steps, minibatch_size=minibatch_size, budget_bytes=budget)
    usable = [o for o in options if o.fits and o.num_updates >= 1]
    if not usable:
        if all(o.num_updates < 1 for o in options):
            reason = (f"no recommendation: the target of {target_steps} env steps is smaller than one "
                      f"training iteration ({min(curves.measured_num_envs)} envs x {steps} steps); raise --target")
        else:
            reason = ("no recommendation: no measured num_envs fits the memory budget of "
                      f"{headroom:.0%} of {section.accelerator.name}; raise --memory-headroom or calibrate smaller num_envs")
        return MjxRecommendation(**base, options=tuple(options), chosen=None, notes=tuple(notes), reason=reason)
    best = max(usable, key=lambda o: o.train_sps)
    if objective == "max-throughput":
        chosen = best
        why = "the highest predicted train_sps among configs that fit"
    else:
        chosen = min((o for o in usable if o.train_sps >= (1 - tolerance) * best.train_sps), key=lambda o: o.num_envs)
        why = (f"the smallest num_envs within {tolerance:.0%} of the best predicted train_sps "
               f"({best.num_envs} envs at {best.train_sps:,.0f} env steps/s); bigger batches cost PPO sample efficiency")
    measured_k = _measured_minibatches(section, chosen.num_envs)
    same_rule = workload.minibatch_size == minibatch_size and steps == workload.num_steps
    if chosen.num_minibatches != measured_k and not same_rule:
        n, k = chosen.num_envs, chosen.num_minibatches
        notes.append(f"train_sps was measured with num_minibatches={measured_k} ({n * steps // measured_k:,} samples "
                     f"each at {n} envs); this config runs {k} minibatches of {chosen.minibatch_size:,}, so the update "
                     f"phase takes {k / measured_k:g}x as many, {'smaller' if k > measured_k else 'larger'} optimizer "
                     f"steps and train_sps may differ from the prediction; to measure the minibatches advisor "
                     f"recommends: advisor calibrate mjx --minibatch-size {minibatch_size}")
    if best.num_envs == max(curves.measured_num_envs) and all(o.fits for o in options):
        notes.append(f"throughput was still rising at the largest measured num_envs ({best.num_envs}); "
                     "calibrate larger --num-envs to see whether more helps")
    env = {}
    fraction = pool_fraction_needed(chosen, section.accelerator, cap=headroom)
    if fraction is not None:
        env["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{fraction:.2f}"
        notes.append(f"peak memory may reach {chosen.peak_bytes_upper / capacity:.0%} of the device, above JAX's "
                     f"default 75% pool: set XLA_PYTHON_CLIENT_MEM_FRACTION={fraction:.2f}")
    return MjxRecommendation(**{**base, "env": env}, options=tuple(options), chosen=chosen, notes=tuple(notes),
                             reason=why)


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
        row.update(train_sps=p.train_sps, train_sps_low=p.train_sps_low, train_sps_high=p.train_sps_high,
                   extrapolated=bool(p.extrapolated), num_steps=p.num_steps, num_minibatches=p.num_minibatches,
                   update_epochs=p.update_epochs, minibatch_size=p.minibatch_size, iteration_s=p.iteration_s,
                   gradient_steps_per_update=p.gradient_steps_per_update,
                   gradient_steps_per_sample=p.gradient_steps_per_sample,
                   num_updates=p.num_updates(target_steps) if target_steps else None, basis=p.basis,
                   extrapolated_axes=list(p.extrapolated), notes=list(p.notes))
        rows.append(row)
    return rows
