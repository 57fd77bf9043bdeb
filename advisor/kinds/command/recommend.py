"""Turn a command profile's fitted num_envs curves into a :class:`CommandRecommendation`: the
``num_envs`` to run the user's command at, the exact command line, and the time to the target
(the measured fixed cost + env steps / env steps per second).

Pure: no I/O. "No recommendation" is a valid answer and carries its reason.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass

import numpy as np

from advisor.recommendation import Recommendation
from advisor.units import check_recommend_options
from advisor.vectorised import NumEnvsOption, candidate_num_envs, prediction_rows, trend_note
from models.num_envs_curves import VectorCurves
from profiler.kinds.command.placeholders import substitute, values_at
from profiler.kinds.command.schema import CommandWorkload
from profiler.kinds.command.sweep import spread
from profiler.profile import Accelerator

OBJECTIVES = {
    "efficient": "the smallest num_envs whose predicted env steps/s is within the tolerance of the best",
    "max-throughput": "the num_envs with the highest predicted env steps/s",
}


@dataclass(frozen=True)
class CommandOption(NumEnvsOption):
    """One evaluated ``num_envs``: predicted env steps/s with its interval, peak memory (bytes,
    ``None`` when unknown) with its upper bound, and time to target (s, the fixed cost ``fixed_s``
    included) for the ``total_timesteps`` it runs."""

    total_timesteps: int
    fixed_s: float


@dataclass(frozen=True)
class CommandRecommendation(Recommendation):
    name: str
    target_steps: int
    objective: str
    tolerance: float
    headroom: float
    memory_budget_bytes: int | None
    workload: CommandWorkload
    accelerator: Accelerator
    memory_source: str
    fixed_s: float | None
    options: tuple[CommandOption, ...]
    chosen: CommandOption | None
    argv: tuple[str, ...]
    env: dict[str, str]
    reason: str
    notes: tuple[str, ...]

    @property
    def command_line(self) -> str:
        """The command to run, as one shell line (environment first)."""
        prefix = [f"{k}={shlex.quote(v)}" for k, v in self.env.items()]
        return " ".join(prefix + [shlex.quote(a) for a in self.argv])

    def script(self) -> str:
        """What ``-o`` writes: a shell script that runs the command in the folder it was calibrated
        in (its arguments may be relative to it), from wherever the script is started."""
        cwd = f"cd {shlex.quote(self.workload.cwd)}\n" if self.workload.cwd else ""
        return f"#!/bin/sh\n# written by advisor recommend --kind command (profile {self.profile})\n{cwd}exec {self.command_line}\n"


def evaluate(curves: VectorCurves, num_envs: list[int], *, target_steps: int,
             budget_bytes: int | None) -> list[CommandOption]:
    assert curves.throughput is not None
    n = np.asarray(num_envs, dtype=float)
    at = curves.throughput_at(n)
    sps, low, high = at.train_sps, at.low, at.high
    extrapolated = curves.throughput.is_extrapolation(n)
    largest_ok, oom = max(curves.measured_num_envs), curves.section.oom_num_envs
    iteration = curves.section.iteration_num_steps
    options = []
    for i, envs in enumerate(num_envs):
        peak, upper, _basis = curves.peak_bytes(envs)
        fixed = fixed_cost_at(curves, envs) or 0.0
        fits = upper <= budget_bytes if upper is not None and budget_bytes is not None else envs <= largest_ok
        if oom is not None and envs >= oom:
            fits = False
        steps = max(1, math.ceil(target_steps / (envs * iteration))) * envs * iteration
        options.append(CommandOption(
            num_envs=envs, train_sps=float(sps[i]), train_sps_low=float(low[i]), train_sps_high=float(high[i]),
            peak_bytes=None if peak is None else round(peak), peak_bytes_upper=None if upper is None else math.ceil(upper),
            fits=bool(fits), extrapolated=bool(extrapolated[i]), total_timesteps=int(steps), fixed_s=fixed,
            time_s=fixed + steps / float(sps[i]), time_low_s=fixed + steps / float(high[i]),
            time_high_s=fixed + steps / float(low[i]), measured=bool(at.measured[i]), fit_train_sps=float(at.fit[i])))
    return options


def recommend_command(curves: VectorCurves, target_steps: int, *, profile: str, profile_note: str = "",
                      objective: str = "efficient", tolerance: float = 0.05,
                      headroom: float = 0.9) -> CommandRecommendation:
    """Choose ``num_envs`` for ``target_steps`` env steps of the profile's command."""
    check_recommend_options(objective, OBJECTIVES, headroom, tolerance)
    section = curves.section
    capacity = section.accelerator.memory_bytes
    budget = int(headroom * capacity) if capacity else None
    notes = list(curves.notes)
    base = dict(profile=profile, profile_note=profile_note, name=section.name, target_steps=target_steps,
                objective=objective, tolerance=tolerance, headroom=headroom, memory_budget_bytes=budget,
                workload=section.workload, accelerator=section.accelerator, memory_source=section.memory_source,
                fixed_s=curves.compile_s, env=dict(section.workload.env))
    if curves.throughput is None:
        return CommandRecommendation(**base, options=(), chosen=None, argv=(), notes=tuple(notes),
                                     reason="no recommendation: " + "; ".join(curves.notes))
    if curves.compile_s is None:
        notes.append("the fixed cost was not measured; times to target exclude start-up and compile")
    if curves.memory is None:
        notes.append(f"peak memory is unknown, so only num_envs up to the largest that ran "
                     f"({max(curves.measured_num_envs)}) count as fitting")
    elif not section.xla_applies:
        source = {"process_tree_peak_rss": "the peak resident set of its process tree",
                  "torch_cuda_max_allocated": "torch.cuda.max_memory_allocated"}.get(section.memory_source,
                                                                                     section.memory_source)
        notes.append(f"the command ran {' and '.join(section.frameworks)} (no JAX): its peak memory is {source}, "
                     "fitted along num_envs to the measured peaks")
    if unsteady := unsteady_note(section):
        notes.append(unsteady)
    options = evaluate(curves, candidate_num_envs(curves.measured_num_envs), target_steps=target_steps,
                       budget_bytes=budget)
    usable = [o for o in options if o.fits]
    if not usable:
        return CommandRecommendation(**base, options=tuple(options), chosen=None, argv=(), notes=tuple(notes),
                                     reason=f"no recommendation: no measured num_envs fits {headroom:.0%} of "
                                            f"{section.accelerator.name}'s memory; raise --memory-headroom or "
                                            "calibrate smaller --num-envs")
    best = max(usable, key=lambda o: o.train_sps)
    if objective == "max-throughput":
        chosen, why = best, "the highest predicted env steps/s among sizes that fit"
    else:
        chosen = min((o for o in usable if o.train_sps >= (1 - tolerance) * best.train_sps), key=lambda o: o.num_envs)
        why = (f"the smallest num_envs within {tolerance:.0%} of the best predicted env steps/s "
               f"({best.num_envs} envs at {best.train_sps:,.0f} env steps/s)")
    trend = trend_note(section, best.num_envs) if all(o.fits for o in options) else None
    if trend:
        notes.append(trend)
    if chosen.total_timesteps != target_steps:
        found = "" if section.workload.iteration == "given" else " (the iteration advisor found)"
        notes.append(f"total_timesteps is rounded up to whole iterations of {chosen.num_envs} x "
                     f"{section.iteration_num_steps} env steps{found}: {chosen.total_timesteps:,}")
    w = section.workload
    values = values_at(chosen.num_envs, chosen.total_timesteps, num_steps=w.num_steps, minibatch_size=w.minibatch_size)
    return CommandRecommendation(**base, options=tuple(options), chosen=chosen, argv=tuple(substitute(w.argv, values)),
                                 notes=tuple(notes), reason=why)


def unsteady_note(section) -> str | None:
    """What the section's points marked unsteady (repeats that still disagreed after measuring
    again) mean for its figures, or ``None`` where none was."""
    unsteady = [p for p in section.ok_points if p.unsteady]
    if not unsteady:
        return None
    widest = max(spread(list(p.train_sps_samples)) for p in unsteady)
    return (f"num_envs {', '.join(str(p.num_envs) for p in unsteady)}: repeats still disagreed by more than the sweep "
            f"allowed after measuring again (by up to {widest:.0%}): the machine's speed varied while they were "
            "timed, so their intervals are wide and a figure may be off by as much again if it varies later; a "
            "quieter calibration narrows them")


def fixed_cost_at(curves: VectorCurves, num_envs: int) -> float | None:
    """The fixed cost (start-up + compile, s) of a run at ``num_envs``: that point's own where it was
    measured, else the median over the points (``None`` when none measured it)."""
    measured = curves.section.point(num_envs)
    if measured is not None and measured.ok and measured.fixed_s is not None:
        return measured.fixed_s
    return curves.compile_s


def predict_rows(curves: VectorCurves, num_envs: list[int]) -> list[dict[str, float | int | bool | str | None]]:
    """env steps/s with its interval, peak memory with its bound and the fixed cost (s) at each
    ``num_envs`` (:func:`fixed_cost_at`, as recommend counts it)."""
    rows = prediction_rows(curves, num_envs)
    for row in rows:
        row["fixed_s"] = fixed_cost_at(curves, row["num_envs"])
    return rows
