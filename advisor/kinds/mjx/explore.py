"""What the what-if explorer computes: chart data and the evaluation of a user's own settings.

Pure functions over profiles and fitted curves; ``app.py`` only lays them out. Frames are
returned as lists of dicts (one per chart row) so that nothing here needs pandas.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from advisor.errors import BadInput
from advisor.kinds.mjx.conf import emit_conf
from advisor.kinds.mjx.recommend import (
    JAX_DEFAULT_POOL_FRACTION,
    MjxOption,
    MjxRecommendation,
    evaluate,
    pool_fraction_needed,
    recommend_mjx,
)
from advisor.kinds.mjx.sample_efficiency import DEFAULT_MIN_UPDATES
from models.vectorised import VectorCurves
from profiler.minibatch import check_minibatches


def num_envs_axis(curves: VectorCurves, include: tuple[int, ...] = (), points: int = 60) -> list[int]:
    """A log-spaced num_envs axis from half the smallest to twice the largest measured value,
    stretched to reach every value of ``include`` (the user's choice), plus those values."""
    values = (*curves.measured_num_envs, *include)
    low, high = max(1, min(values) // 2), max(values) * 2
    return sorted({int(round(v)) for v in np.geomspace(low, high, points)} | set(include))


def throughput_rows(curves: VectorCurves, profile: str, include: tuple[int, ...] = ()) -> tuple[list[dict], list[dict]]:
    """``(curve rows, measured rows)`` for the train_sps chart: the fit with its interval band
    (flagged where extrapolated) and every timed iteration of every measured point."""
    curve = []
    if curves.throughput is not None:
        axis = num_envs_axis(curves, include)
        sps = curves.throughput.predict(axis)
        low, high = curves.throughput.predict_interval(axis)
        first, last = min(curves.measured_num_envs), max(curves.measured_num_envs)

        def segment(n: int) -> str:  # extrapolation below and above the data are separate lines
            return "below" if n < first else "above" if n > last else "measured"

        curve = [{"profile": profile, "num_envs": n, "train_sps": float(s), "low": float(lo), "high": float(hi),
                  "extrapolated": segment(n) != "measured", "segment": segment(n)}
                 for n, s, lo, hi in zip(axis, sps, low, high)]
        # each extrapolated segment starts where the measured range ends, so the line is continuous
        for edge in (first, last):
            s_edge = float(curves.throughput.predict([edge])[0])
            lo, hi = (float(v[0]) for v in curves.throughput.predict_interval([edge]))
            for seg in ("below", "above"):
                if (seg == "below") == (edge == first):
                    curve.append({"profile": profile, "num_envs": edge, "train_sps": s_edge, "low": lo, "high": hi,
                                  "extrapolated": True, "segment": seg})
        curve.sort(key=lambda r: (r["num_envs"], r["segment"]))
    measured = [{"profile": profile, "num_envs": p.num_envs, "train_sps": float(sample)}
                for p in curves.section.ok_points for sample in (p.train_sps_samples or (p.train_sps,))]
    return curve, measured


#: Line styles of the peak-memory chart, one legend: the curves, then the horizontal limits.
MEMORY_LINES = {"predicted peak": [1, 0], "upper bound": [2, 2], "device memory": [12, 3],
                "headroom budget": [6, 3, 1, 3], "JAX default pool (75%)": [4, 4]}


def memory_rows(curves: VectorCurves, profile: str, include: tuple[int, ...] = (),
                headroom: float | None = None) -> tuple[list[dict], list[dict], list[dict]]:
    """``(curve rows, measured rows, reference lines)`` for the peak-memory chart, in GiB.

    Curve rows are long: one row per num_envs for the predicted peak and one for its upper
    bound (``line``). Reference lines are the device capacity, the ``headroom`` budget a config
    must fit in, and on GPUs JAX's default 75% preallocated pool."""
    gib = 2**30
    curve = []
    if curves.memory is not None or curves.xla_memory is not None:
        for n in num_envs_axis(curves, include):
            peak, upper, basis = curves.peak_bytes(n)
            if peak is not None:
                curve += [{"profile": profile, "num_envs": n, "line": "predicted peak", "gib": peak / gib, "basis": basis},
                          {"profile": profile, "num_envs": n, "line": "upper bound", "gib": upper / gib, "basis": basis}]
    measured = [{"profile": profile, "num_envs": p.num_envs, "peak_gib": p.peak_bytes / gib}
                for p in curves.section.ok_points if p.peak_bytes]
    lines = []
    capacity = curves.capacity_bytes
    if capacity:
        lines.append({"profile": profile, "line": "device memory", "gib": capacity / gib})
        if headroom is not None and headroom < 1:
            lines.append({"profile": profile, "line": "headroom budget", "gib": headroom * capacity / gib})
        if curves.section.accelerator.platform == "gpu":
            lines.append({"profile": profile, "line": "JAX default pool (75%)", "gib": JAX_DEFAULT_POOL_FRACTION * capacity / gib})
    return curve, measured, lines


def memory_note(curves: VectorCurves) -> str | None:
    """Why there is no memory chart, or ``None`` when there is one."""
    if curves.memory is not None or curves.xla_memory is not None:
        return None
    section = curves.section
    if not section.ok_points:
        if section.oom_num_envs is not None:
            return (f"No point finished: every measured size ran out of memory (from {section.oom_num_envs} envs), "
                    "so there is no memory curve; calibrate smaller --num-envs.")
        return "No point finished, so there is no memory curve."
    if section.memory_source == "unknown":
        return ("Peak memory was not measured in this profile, so only sizes that ran on the device count as "
                "fitting.")
    return "Peak memory needs measurements at two or more num_envs; this profile has fewer."


@dataclass(frozen=True)
class WhatIf:
    """A user's own settings evaluated against a profile: the predicted option (``None`` when the
    settings are invalid), problems that stop it, warnings, and the conf.yaml for it."""

    option: MjxOption | None
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    env: dict[str, str]
    conf_yaml: str | None


def what_if(curves: VectorCurves, recommendation: MjxRecommendation, *, num_envs: int, num_steps: int,
            num_minibatches: int, update_epochs: int, hidden_layers: tuple[int, ...]) -> WhatIf:
    """Evaluate the user's settings with the same arithmetic as the recommender."""
    if curves.throughput is None:  # the recommendation panel already says why
        return WhatIf(None, (), (), {}, None)
    errors: list[str] = []
    try:
        minibatch_size = check_minibatches(num_envs, num_steps, num_minibatches)
    except BadInput as exc:
        errors.append(str(exc))
        minibatch_size = 0
    if errors:
        return WhatIf(None, tuple(errors), (), {}, None)
    option = evaluate(curves, [(num_envs, num_steps, num_minibatches, update_epochs)],
                      target_steps=recommendation.target_steps, minibatch_size=minibatch_size,
                      budget_bytes=recommendation.memory_budget_bytes, min_updates=recommendation.min_updates)[0]
    measured = curves.section.workload
    warnings = []
    if option.num_updates < 1:
        errors.append(f"the target is smaller than one iteration ({num_envs} x {num_steps} env steps)")
    elif option.env_steps < 0.95 * recommendation.target_steps:
        warnings.append(f"LocoMuJoCo runs whole iterations: {option.num_updates} x {num_envs} envs x {num_steps} steps "
                        f"= {option.env_steps:,} env steps, short of the {recommendation.target_steps:,} target")
    if option.num_updates >= 1 and option.num_updates < recommendation.min_updates:
        warnings.append(f"only {option.num_updates} PPO updates, fewer than the {recommendation.min_updates} the "
                        "recommender requires: few policy improvements however big each batch")
    if not option.fits:
        warnings.append("this would not fit: " + ("its peak-memory upper bound exceeds the headroom"
                                                  if option.peak_bytes_upper is not None else
                                                  "memory is unknown beyond the largest size that ran"))
    warnings.extend(option.notes)
    shape = {"num_steps": num_steps, "update_epochs": update_epochs, "hidden_layers": tuple(hidden_layers)}
    if tuple(hidden_layers) != measured.hidden_layers:
        warnings.append("hidden_layers differ from the profile's measurements: predictions are approximate")
    env = {}
    fraction = pool_fraction_needed(option, curves.section.accelerator, cap=0.99)
    if fraction is not None:
        env["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{fraction:.2f}"
        warnings.append(f"needs more than JAX's default 75% pool: export XLA_PYTHON_CLIENT_MEM_FRACTION={fraction:.2f}")
    conf = None
    if not errors:
        workload = dataclasses.replace(recommendation.workload, **shape)
        chosen = dataclasses.replace(recommendation, chosen=option, workload=workload, env=env,
                                     reason="your own choice in the what-if explorer",
                                     notes=recommendation.notes + tuple(warnings))
        conf = emit_conf(chosen)
    return WhatIf(option if not errors else None, tuple(errors), tuple(warnings), env, conf)


def recommend_for(curves: VectorCurves, profile: str, note: str, target_steps: int, headroom: float,
                  objective: str = "efficient", min_updates: int = DEFAULT_MIN_UPDATES) -> MjxRecommendation:
    return recommend_mjx(curves, target_steps, profile=profile, profile_note=note, headroom=headroom,
                         objective=objective, min_updates=min_updates)


# ---- Vega-Lite specs (plain dicts: building them through altair costs ~100 ms per chart) ----

_LOG_X = {"field": "num_envs", "type": "quantitative", "scale": {"type": "log", "nice": False}, "title": "num_envs"}
#: Profiles get clearly different hues (the first is the one being explored, the second the comparison).
PROFILE_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"]
MARKERS = {"recommended": "#2ca02c", "your choice": "#d62728", "recommended = your choice": "#9467bd"}
_CONFIG = {"legend": {"labelLimit": 0, "symbolSize": 300, "symbolStrokeWidth": 2}}


def profile_encoding(profiles: list[str]) -> dict:
    return {"field": "profile", "type": "nominal", "title": "profile",
            "scale": {"domain": profiles, "range": PROFILE_COLOURS[: len(profiles)]}}


def marker_rows(recommended: int | None, chosen: int) -> list[dict]:
    """The recommended and the chosen num_envs; one row when they are the same."""
    if recommended == chosen:
        return [{"num_envs": chosen, "marker": "recommended = your choice"}]
    rows = [{"num_envs": chosen, "marker": "your choice"}]
    if recommended is not None:
        rows.append({"num_envs": recommended, "marker": "recommended"})
    return rows


def _markers_layer(markers: list[dict]) -> dict:
    return {"data": {"values": markers}, "mark": {"type": "rule", "strokeDash": [5, 3], "strokeWidth": 2},
            "encoding": {"x": {"field": "num_envs", "type": "quantitative"},
                         "stroke": {"field": "marker", "type": "nominal", "title": "marker",
                                    "scale": {"domain": list(MARKERS), "range": list(MARKERS.values())}},
                         "tooltip": [{"field": "marker"}, {"field": "num_envs"}]}}


def _chart(layers: list[dict]) -> dict:
    """A layered chart; scroll to zoom and drag to pan (a scale-bound selection on the first layer)."""
    first = {**layers[0], "params": [{"name": "zoom", "select": "interval", "bind": "scales"}]}
    return {"height": 320, "layer": [first, *layers[1:]], "config": _CONFIG}


def _profiles(*tables: list[dict]) -> list[str]:
    return list(dict.fromkeys(r["profile"] for table in tables for r in table if "profile" in r))


def throughput_spec(curve: list[dict], measured: list[dict], markers: list[dict], log_y: bool = False,
                    title: str = "train_sps (env steps/s)") -> dict:
    """Throughput vs num_envs: interval band, fitted line (dashed where extrapolated), measured
    iterations as points, and the recommended and chosen num_envs as rules. ``log_y`` when two
    profiles far apart share the axes; ``title`` names the y axis (a command's or Brax's
    throughput is env steps/s, LocoMuJoCo's train_sps)."""
    colour = profile_encoding(_profiles(curve, measured))
    y_scale = {"type": "log"} if log_y else {}
    layers = []
    if curve:
        data = {"values": curve}
        layers += [
            {"data": data, "mark": {"type": "area", "opacity": 0.2},
             "encoding": {"x": _LOG_X, "y": {"field": "low", "type": "quantitative", "scale": y_scale},
                          "y2": {"field": "high"}, "color": colour, "detail": {"field": "segment"}}},
            {"data": data, "mark": "line",
             "encoding": {"x": _LOG_X, "y": {"field": "train_sps", "type": "quantitative", "scale": y_scale,
                                             "title": title},
                          "color": colour, "detail": {"field": "segment"},
                          "strokeDash": {"field": "extrapolated", "type": "nominal", "title": "extrapolated"}}}]
    if measured:
        layers.append({"data": {"values": measured}, "mark": {"type": "point", "filled": True},
                       "encoding": {"x": _LOG_X, "y": {"field": "train_sps", "type": "quantitative", "scale": y_scale,
                                                       "title": title},
                                    "color": colour,
                                    "tooltip": [{"field": "num_envs"}, {"field": "train_sps", "format": ",.0f"}]}})
    return _chart(layers + [_markers_layer(markers)])


def memory_spec(curve: list[dict], measured: list[dict], lines: list[dict], markers: list[dict]) -> dict:
    """Peak memory (GiB) vs num_envs: predicted peak and its upper bound, measured peaks, and
    horizontal rules for device memory, the headroom budget and JAX's default 75% pool, each
    profile in its own colour and each line style named in one legend."""
    colour = profile_encoding(_profiles(curve, measured, lines))
    style = {"field": "line", "type": "nominal", "title": "line",
             "scale": {"domain": list(MEMORY_LINES), "range": list(MEMORY_LINES.values())}}
    y = {"field": "gib", "type": "quantitative", "title": "peak memory (GiB)"}
    layers = []
    if curve:
        layers.append({"data": {"values": curve}, "mark": "line",
                       "encoding": {"x": _LOG_X, "y": y, "color": colour, "strokeDash": style,
                                    "detail": {"field": "line"},
                                    "tooltip": [{"field": "num_envs"}, {"field": "line"}, {"field": "gib", "format": ".2f"}]}})
    if measured:
        layers.append({"data": {"values": measured}, "mark": {"type": "point", "filled": True, "size": 60},
                       "encoding": {"x": _LOG_X, "y": {"field": "peak_gib", "type": "quantitative", "title": y["title"]},
                                    "color": colour,
                                    "tooltip": [{"field": "num_envs"}, {"field": "peak_gib", "format": ".3f"}]}})
    if lines:
        layers.append({"data": {"values": lines}, "mark": {"type": "rule", "strokeWidth": 1.5},
                       "encoding": {"y": {"field": "gib", "type": "quantitative"}, "color": colour,
                                    "strokeDash": style,
                                    "tooltip": [{"field": "profile"}, {"field": "line"}, {"field": "gib", "format": ".2f"}]}})
    return _chart(layers + [_markers_layer(markers)])


def time_rows(curve: list[dict], compile_s: float | None, target_steps: int, num_steps: int) -> list[dict]:
    """Seconds to ``target_steps`` along the fitted curve, in LocoMuJoCo's whole iterations
    (``num_updates = target // num_steps // num_envs``) and compile included when measured;
    num_envs too large for one iteration are left out."""
    rows, seen = [], set()
    for r in curve:
        n = r["num_envs"]
        if (r["profile"], n) in seen:  # where extrapolated segments join the measured one
            continue
        seen.add((r["profile"], n))
        env_steps = target_steps // num_steps // n * num_steps * n
        if env_steps:
            rows.append({"profile": r["profile"], "num_envs": n, "env_steps": env_steps,
                         "seconds": (compile_s or 0.0) + env_steps / r["train_sps"]})
    return rows


def time_unit(rows: list[dict]) -> tuple[str, float]:
    """``(unit, seconds per unit)`` that reads best for these times."""
    typical = float(np.median([r["seconds"] for r in rows])) if rows else 0.0
    return ("hours", 3600.0) if typical >= 2 * 3600 else ("minutes", 60.0)


def time_spec(rows: list[dict], markers: list[dict], target_label: str) -> dict:
    unit, per = time_unit(rows)
    values = [{**r, "time": r["seconds"] / per} for r in rows]
    layer = {"data": {"values": values}, "mark": "line",
             "encoding": {"x": _LOG_X, "y": {"field": "time", "type": "quantitative", "scale": {"type": "log"},
                                             "title": f"{unit} to {target_label} env steps"},
                          "color": profile_encoding(_profiles(rows)),
                          "tooltip": [{"field": "profile"}, {"field": "num_envs"},
                                      {"field": "time", "format": ".1f", "title": unit},
                                      {"field": "env_steps", "format": ",", "title": "env steps trained"}]}}
    return _chart([layer, _markers_layer(markers)])


@dataclass(frozen=True)
class Dataset:
    """One profile's data for the MJX charts: its fitted ``curves``, the throughput ``curve`` and
    ``measured`` rows, and the memory ``memory_curve``, ``memory_measured`` and limit ``memory_lines``
    rows (Vega-Lite rows, each tagged with the profile's name)."""

    name: str
    curves: VectorCurves
    curve: list[dict]
    measured: list[dict]
    memory_curve: list[dict]
    memory_measured: list[dict]
    memory_lines: list[dict]


def dataset(curves: VectorCurves, name: str, include: tuple[int, ...] = (), headroom: float | None = None) -> Dataset:
    """Every row the charts need for one profile, reaching the ``include`` num_envs."""
    curve, measured = throughput_rows(curves, name, include)
    memory_curve, memory_measured, lines = memory_rows(curves, name, include, headroom)
    return Dataset(name, curves, curve, measured, memory_curve, memory_measured, lines)
