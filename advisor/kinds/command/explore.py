"""What the explorer computes for a command profile: chart rows, the measured points, and the
evaluation of a chosen ``num_envs`` (its env steps/s, time to target with the fixed cost, and the
exact command line), with the recommender's arithmetic (:mod:`advisor.kinds.command.recommend`).

Pure functions over fitted curves. The num_envs chart rows and Vega-Lite specs are the vectorised
kinds' own (they read only the fitted curves): :mod:`advisor.vectorised_explore`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from advisor.kinds.command.recommend import CommandOption, CommandRecommendation, evaluate, recommend_command
from advisor.units import format_bytes
from advisor.vectorised_explore import (
    LOG_X,
    chart,
    markers_layer,
    memory_rows,
    num_envs_axis,
    profile_encoding,
    profiles,
    throughput_rows,
)
from advisor.vectorised_explore import Dataset as NumEnvsDataset
from models.num_envs_curves import VectorCurves
from profiler.kinds.command.placeholders import substitute, values_at

#: The memory chart's reference line that describes JAX's preallocated pool, which a command runs without.
_POOL = "JAX default pool (75%)"


@dataclass(frozen=True)
class Dataset(NumEnvsDataset):
    """One profile's rows for the command charts (Vega-Lite rows tagged with the profile's name):
    throughput ``curve`` (fit, interval) and ``measured`` points; memory ``memory_curve`` (predicted
    peak and upper bound), ``memory_measured`` and ``memory_lines`` (device memory, headroom);
    ``time`` (seconds to the target along the curve, fixed cost included) and ``fixed`` (each
    point's measured fixed cost)."""

    time: list[dict]
    fixed: list[dict]


def dataset(curves: VectorCurves, name: str, target_steps: int, include: tuple[int, ...] = (),
            headroom: float | None = None) -> Dataset:
    curve, measured = throughput_rows(curves, name, include)
    memory_curve, memory_measured, lines = memory_rows(curves, name, include, headroom)
    lines = [row for row in lines if row["line"] != _POOL]  # calibrate command runs with preallocation off
    return Dataset(name, curves, curve, measured, memory_curve, memory_measured, lines,
                   time_rows(curves, name, target_steps, include), fixed_rows(curves, name))


def time_rows(curves: VectorCurves, name: str, target_steps: int, include: tuple[int, ...] = ()) -> list[dict]:
    """Seconds to ``target_steps`` along the fitted curve: the fixed cost (a measured point's own,
    else the median) + the steps, rounded up to whole iterations, over env steps/s."""
    if curves.throughput is None:
        return []
    options = evaluate(curves, num_envs_axis(curves, include), target_steps=target_steps, budget_bytes=None)
    return [{"profile": name, "num_envs": o.num_envs, "env_steps": o.total_timesteps, "seconds": o.time_s,
             "fixed_s": o.fixed_s} for o in options]


def fixed_rows(curves: VectorCurves, name: str) -> list[dict]:
    return [{"profile": name, "num_envs": p.num_envs, "fixed_s": p.fixed_s}
            for p in curves.section.ok_points if p.fixed_s is not None]


def point_rows(curves: VectorCurves) -> list[dict]:
    """Every measured point as a table row (failed ones too, with their status)."""
    return [{"num_envs": p.num_envs, "status": p.status,
             "env steps/s": round(p.train_sps) if p.train_sps else None,
             "fixed cost (s)": round(p.fixed_s, 2) if p.fixed_s is not None else None,
             "peak memory": format_bytes(p.peak_bytes) if p.peak_bytes else "-",
             "memory method": p.memory_source if p.peak_bytes else "-",
             "throughput method": p.throughput_method if p.ok else "-",
             "runs (env steps: wall s)": ", ".join(f"{r.steps}: {r.wall_s:.2f}" for r in p.runs if r.role != "probe")}
            for p in curves.section.points]


def recommend_for(curves: VectorCurves, profile: str, note: str, target_steps: int,
                  headroom: float) -> CommandRecommendation:
    return recommend_command(curves, target_steps, profile=profile, profile_note=note, headroom=headroom)


@dataclass(frozen=True)
class WhatIf:
    """A chosen ``num_envs`` evaluated like the recommender's options: the ``option`` (``None``
    when the profile cannot predict), the exact ``command_line`` to run it, and warnings."""

    option: CommandOption | None
    command_line: str | None
    warnings: tuple[str, ...]


def what_if(curves: VectorCurves, recommendation: CommandRecommendation, num_envs: int) -> WhatIf:
    if curves.throughput is None:  # the recommendation panel already says why
        return WhatIf(None, None, ())
    option = evaluate(curves, [num_envs], target_steps=recommendation.target_steps,
                      budget_bytes=recommendation.memory_budget_bytes)[0]
    w = curves.section.workload
    argv = substitute(w.argv, values_at(num_envs, option.total_timesteps, num_steps=w.num_steps,
                                        minibatch_size=w.minibatch_size))
    line = dataclasses.replace(recommendation, chosen=option, argv=tuple(argv)).command_line
    warnings = []
    oom = curves.section.oom_num_envs
    if oom is not None and num_envs >= oom:
        warnings.append(f"this ran out of memory when measured (from {oom} envs)")
    elif not option.fits:
        warnings.append("this would not fit: " + ("its peak-memory upper bound exceeds the headroom"
                                                  if option.peak_bytes_upper is not None else
                                                  "memory is unknown beyond the largest size that ran"))
    if option.extrapolated:
        warnings.append("outside the measured num_envs: the prediction is an extrapolation")
    if curves.section.point(num_envs) is None and curves.compile_s is not None:
        warnings.append(f"not measured at {num_envs} envs: the fixed cost is the measured median "
                        f"({curves.compile_s:.1f} s)")
    return WhatIf(option, line, tuple(warnings))


def fixed_spec(rows: list[dict], markers: list[dict]) -> dict:
    """Each measured point's fixed cost (s) against num_envs, each profile in its own colour."""
    layer = {"data": {"values": rows}, "mark": {"type": "point", "filled": True, "size": 60},
             "encoding": {"x": LOG_X, "y": {"field": "fixed_s", "type": "quantitative",
                                             "title": "fixed cost: start-up + compile (s)"},
                          "color": profile_encoding(profiles(rows)),
                          "tooltip": [{"field": "profile"}, {"field": "num_envs"},
                                      {"field": "fixed_s", "format": ".2f", "title": "seconds"}]}}
    return chart([layer, markers_layer(markers)])
