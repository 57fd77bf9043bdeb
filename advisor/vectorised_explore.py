"""What the explorer draws for every vectorised kind (envs stepped in one batch, fitted over
``num_envs`` by :mod:`models.num_envs_curves`): the throughput and peak-memory chart rows of a
profile, why a memory chart is missing, and the Vega-Lite specs of the num_envs charts (throughput,
memory, time to target) with the recommended and chosen num_envs marked.

Pure functions over fitted curves (they read nothing kind-specific); each kind's explorer and
page use them. Frames are returned as lists of dicts (one per chart row) so that nothing here
needs pandas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.vectorised import JAX_DEFAULT_POOL_FRACTION
from models.num_envs_curves import VectorCurves


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


# ---- Vega-Lite specs (plain dicts: building them through altair costs ~100 ms per chart) ----

LOG_X = {"field": "num_envs", "type": "quantitative", "scale": {"type": "log", "nice": False}, "title": "num_envs"}
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


def markers_layer(markers: list[dict]) -> dict:
    return {"data": {"values": markers}, "mark": {"type": "rule", "strokeDash": [5, 3], "strokeWidth": 2},
            "encoding": {"x": {"field": "num_envs", "type": "quantitative"},
                         "stroke": {"field": "marker", "type": "nominal", "title": "marker",
                                    "scale": {"domain": list(MARKERS), "range": list(MARKERS.values())}},
                         "tooltip": [{"field": "marker"}, {"field": "num_envs"}]}}


def chart(layers: list[dict]) -> dict:
    """A layered chart; scroll to zoom and drag to pan (a scale-bound selection on the first layer)."""
    first = {**layers[0], "params": [{"name": "zoom", "select": "interval", "bind": "scales"}]}
    return {"height": 320, "layer": [first, *layers[1:]], "config": _CONFIG}


def profiles(*tables: list[dict]) -> list[str]:
    """The profiles these rows are tagged with, in first-seen order (the colour scale's domain)."""
    return list(dict.fromkeys(r["profile"] for table in tables for r in table if "profile" in r))


def throughput_spec(curve: list[dict], measured: list[dict], markers: list[dict], log_y: bool = False,
                    title: str = "train_sps (env steps/s)") -> dict:
    """Throughput vs num_envs: interval band, fitted line (dashed where extrapolated), measured
    iterations as points, and the recommended and chosen num_envs as rules. ``log_y`` when two
    profiles far apart share the axes; ``title`` names the y axis (a command's or Brax's
    throughput is env steps/s, LocoMuJoCo's train_sps)."""
    colour = profile_encoding(profiles(curve, measured))
    y_scale = {"type": "log"} if log_y else {}
    layers = []
    if curve:
        data = {"values": curve}
        layers += [
            {"data": data, "mark": {"type": "area", "opacity": 0.2},
             "encoding": {"x": LOG_X, "y": {"field": "low", "type": "quantitative", "scale": y_scale},
                          "y2": {"field": "high"}, "color": colour, "detail": {"field": "segment"}}},
            {"data": data, "mark": "line",
             "encoding": {"x": LOG_X, "y": {"field": "train_sps", "type": "quantitative", "scale": y_scale,
                                             "title": title},
                          "color": colour, "detail": {"field": "segment"},
                          "strokeDash": {"field": "extrapolated", "type": "nominal", "title": "extrapolated"}}}]
    if measured:
        layers.append({"data": {"values": measured}, "mark": {"type": "point", "filled": True},
                       "encoding": {"x": LOG_X, "y": {"field": "train_sps", "type": "quantitative", "scale": y_scale,
                                                       "title": title},
                                    "color": colour,
                                    "tooltip": [{"field": "num_envs"}, {"field": "train_sps", "format": ",.0f"}]}})
    return chart(layers + [markers_layer(markers)])


def memory_spec(curve: list[dict], measured: list[dict], lines: list[dict], markers: list[dict]) -> dict:
    """Peak memory (GiB) vs num_envs: predicted peak and its upper bound, measured peaks, and
    horizontal rules for device memory, the headroom budget and JAX's default 75% pool, each
    profile in its own colour and each line style named in one legend."""
    colour = profile_encoding(profiles(curve, measured, lines))
    style = {"field": "line", "type": "nominal", "title": "line",
             "scale": {"domain": list(MEMORY_LINES), "range": list(MEMORY_LINES.values())}}
    y = {"field": "gib", "type": "quantitative", "title": "peak memory (GiB)"}
    layers = []
    if curve:
        layers.append({"data": {"values": curve}, "mark": "line",
                       "encoding": {"x": LOG_X, "y": y, "color": colour, "strokeDash": style,
                                    "detail": {"field": "line"},
                                    "tooltip": [{"field": "num_envs"}, {"field": "line"}, {"field": "gib", "format": ".2f"}]}})
    if measured:
        layers.append({"data": {"values": measured}, "mark": {"type": "point", "filled": True, "size": 60},
                       "encoding": {"x": LOG_X, "y": {"field": "peak_gib", "type": "quantitative", "title": y["title"]},
                                    "color": colour,
                                    "tooltip": [{"field": "num_envs"}, {"field": "peak_gib", "format": ".3f"}]}})
    if lines:
        layers.append({"data": {"values": lines}, "mark": {"type": "rule", "strokeWidth": 1.5},
                       "encoding": {"y": {"field": "gib", "type": "quantitative"}, "color": colour,
                                    "strokeDash": style,
                                    "tooltip": [{"field": "profile"}, {"field": "line"}, {"field": "gib", "format": ".2f"}]}})
    return chart(layers + [markers_layer(markers)])


def time_unit(rows: list[dict]) -> tuple[str, float]:
    """``(unit, seconds per unit)`` that reads best for these times."""
    typical = float(np.median([r["seconds"] for r in rows])) if rows else 0.0
    return ("hours", 3600.0) if typical >= 2 * 3600 else ("minutes", 60.0)


def time_spec(rows: list[dict], markers: list[dict], target_label: str) -> dict:
    unit, per = time_unit(rows)
    values = [{**r, "time": r["seconds"] / per} for r in rows]
    layer = {"data": {"values": values}, "mark": "line",
             "encoding": {"x": LOG_X, "y": {"field": "time", "type": "quantitative", "scale": {"type": "log"},
                                             "title": f"{unit} to {target_label} env steps"},
                          "color": profile_encoding(profiles(rows)),
                          "tooltip": [{"field": "profile"}, {"field": "num_envs"},
                                      {"field": "time", "format": ".1f", "title": unit},
                                      {"field": "env_steps", "format": ",", "title": "env steps trained"}]}}
    return chart([layer, markers_layer(markers)])


@dataclass(frozen=True)
class Dataset:
    """One profile's data for the num_envs charts: its fitted ``curves``, the throughput ``curve`` and
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
