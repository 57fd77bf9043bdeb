"""What the explorer computes for RLlib profiles: speedup and efficiency chart data and specs,
and the evaluation of a user's runners x envs-per-runner choice (pure functions)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from advisor.rllib_conf import emit_python, emit_yaml
from advisor.rllib_recommend import RllibOption, RllibRecommendation, candidate_runners, evaluate
from models.rllib import RllibCurves
from models.scaling import RATING_BANDS
from profiler.errors import WorkloadSpecError

_ENVS_X = {"field": "total_envs", "type": "quantitative", "title": "total envs (runners x envs per runner)"}


def scaling_rows(curves: RllibCurves, profile: str) -> tuple[list[dict], list[dict]]:
    """``(fitted rows, measured rows)``: speedup and efficiency over the 1r x 1e baseline, per
    runner count, for every measured envs-per-runner value."""
    model = curves.model
    fitted = []
    if model is not None and model.baseline_env_steps_per_s_ is not None:
        runners = candidate_runners(curves)
        for envs in model.envs_per_runner_:
            keys = [(r, envs) for r in runners]
            for (r, e), s, eff in zip(keys, model.speedup(keys), model.efficiency(keys)):
                fitted.append({"profile": profile, "series": f"{profile}, {e} env/runner (fit)", "runners": r,
                               "total_envs": r * e, "speedup": float(s), "efficiency": float(eff)})
    measured = []
    baseline = curves.section.point(1, 1)
    for p in curves.section.ok_points:
        if baseline is None or not baseline.ok:
            break
        s = p.env_steps_per_s / baseline.env_steps_per_s
        measured.append({"profile": profile, "series": f"{profile}, {p.num_envs_per_env_runner} env/runner",
                         "config": p.label, "total_envs": p.total_envs, "speedup": s, "efficiency": s / p.total_envs})
    return fitted, measured


def _chart(layers: list[dict]) -> dict:
    first = {**layers[0], "params": [{"name": "zoom", "select": "interval", "bind": "scales"}]}
    return {"height": 300, "layer": [first, *layers[1:]]}


def marker_rows(recommended: RllibOption | None, chosen: RllibOption | None) -> list[dict]:
    """Where the recommended and the user's settings sit: total envs, speedup and efficiency."""
    rows = []
    for label, option in (("recommended", recommended), ("your choice", chosen)):
        if option is not None and option.speedup is not None:
            rows.append({"marker": label, "config": f"{option.num_env_runners}r x {option.num_envs_per_env_runner}e",
                         "total_envs": option.num_env_runners * option.num_envs_per_env_runner,
                         "speedup": option.speedup, "efficiency": option.efficiency})
    return rows


def _markers_layer(markers: list[dict], field: str) -> dict:
    return {"data": {"values": markers}, "mark": {"type": "point", "shape": "diamond", "size": 220, "filled": True},
            "encoding": {"x": _ENVS_X, "y": {"field": field, "type": "quantitative"},
                         "fill": {"field": "marker", "type": "nominal", "title": "marker",
                                  "scale": {"domain": ["recommended", "your choice"], "range": ["#2ca02c", "#d62728"]}},
                         "tooltip": [{"field": "marker"}, {"field": "config"}]}}


def speedup_spec(fitted: list[dict], measured: list[dict], max_envs: int, markers: list[dict] = ()) -> dict:
    """Speedup vs total envs: the ideal (speedup = total envs), fitted curves, measured points and
    the recommended and chosen settings."""
    ideal = [{"total_envs": 1, "speedup": 1.0}, {"total_envs": max_envs, "speedup": float(max_envs)}]
    color = {"field": "series", "type": "nominal", "title": "series"}
    layers = [{"data": {"values": ideal}, "mark": {"type": "line", "strokeDash": [4, 4], "color": "gray"},
               "encoding": {"x": _ENVS_X, "y": {"field": "speedup", "type": "quantitative",
                                                "title": "speedup over 1 runner x 1 env"}}}]
    if fitted:
        layers.append({"data": {"values": fitted}, "mark": "line",
                       "encoding": {"x": _ENVS_X, "y": {"field": "speedup", "type": "quantitative"}, "color": color}})
    if measured:
        layers.append({"data": {"values": measured}, "mark": {"type": "point", "filled": True, "size": 70},
                       "encoding": {"x": _ENVS_X, "y": {"field": "speedup", "type": "quantitative"}, "color": color,
                                    "tooltip": [{"field": "config"}, {"field": "speedup", "format": ".2f"}]}})
    if markers:
        layers.append(_markers_layer(list(markers), "speedup"))
    return _chart(layers)


def band_rows() -> list[dict]:
    """The source's rating bands as efficiency intervals (fractions)."""
    rows, upper = [], 1.2
    for low, name in RATING_BANDS:
        rows.append({"rating": name, "low": low, "high": upper})
        upper = low
    return rows


def efficiency_spec(fitted: list[dict], measured: list[dict], markers: list[dict] = ()) -> dict:
    """Parallel efficiency vs total envs over the rating bands (excellent, good, acceptable, poor)."""
    color = {"field": "series", "type": "nominal", "title": "series"}
    bands = {"data": {"values": band_rows()}, "mark": {"type": "rect", "opacity": 0.15},
             "encoding": {"y": {"field": "low", "type": "quantitative", "title": "efficiency (speedup / total envs)",
                                "axis": {"format": "%"}},
                          "y2": {"field": "high"},
                          "color": {"field": "rating", "type": "nominal", "title": "rating",
                                    "scale": {"domain": [n for _, n in RATING_BANDS],
                                              "range": ["#2ca02c", "#bcbd22", "#ff7f0e", "#d62728"]}}}}
    layers = [bands]
    if fitted:
        layers.append({"data": {"values": fitted}, "mark": "line",
                       "encoding": {"x": _ENVS_X, "y": {"field": "efficiency", "type": "quantitative"},
                                    "stroke": color}})
    if measured:
        layers.append({"data": {"values": measured}, "mark": {"type": "point", "filled": True, "size": 70},
                       "encoding": {"x": _ENVS_X, "y": {"field": "efficiency", "type": "quantitative"},
                                    "stroke": color, "tooltip": [{"field": "config"},
                                                                 {"field": "efficiency", "format": ".1%"}]}})
    if markers:
        layers.append(_markers_layer(list(markers), "efficiency"))
    return {"height": 300, "layer": layers}


@dataclass(frozen=True)
class RllibWhatIf:
    option: RllibOption | None
    errors: tuple[str, ...]
    python: str | None
    yaml: str | None


def rllib_what_if(curves: RllibCurves, recommendation: RllibRecommendation, runners: int,
                  envs_per_runner: int) -> RllibWhatIf:
    """The user's runners x envs per runner, predicted with the recommender's arithmetic."""
    if curves.model is None:
        return RllibWhatIf(None, (recommendation.reason,), None, None)
    try:
        [option] = evaluate(curves, [(runners, envs_per_runner)], recommendation.target_steps)
    except WorkloadSpecError as exc:  # more runners than Ray's CPUs can place: Ray would hang
        return RllibWhatIf(None, (str(exc),), None, None)
    except ValueError as exc:
        return RllibWhatIf(None, (f"{exc}; choose one of those envs per runner",), None, None)
    mine = dataclasses.replace(recommendation, chosen=option, reason="your own choice in the what-if explorer")
    return RllibWhatIf(option, (), emit_python(mine), emit_yaml(mine))
