"""What the explorer computes for RLlib profiles: speedup and efficiency chart data and specs,
and the evaluation of a user's runners x envs-per-runner choice (pure functions)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from advisor.errors import WorkloadSpecError
from advisor.kinds.rllib.conf import emit_python, emit_yaml
from advisor.kinds.rllib.recommend import RllibOption, RllibRecommendation, candidate_runners, evaluate
from models.scaling import RATING_BANDS, scaling_figures
from models.scaling_intervals import scaling_intervals
from models.workers import WorkerCurves

_ENVS_X = {"field": "total_envs", "type": "quantitative", "title": "total envs (runners x envs per runner)",
           "scale": {"padding": 14}}


def scaling_rows(curves: WorkerCurves, profile: str) -> tuple[list[dict], list[dict]]:
    """``(fitted rows, measured rows)``: speedup and efficiency over the 1r x 1e baseline, per
    runner count, for every measured envs-per-runner value."""
    model = curves.model
    fitted = []
    if model is not None and model.baseline_env_steps_per_s_ is not None:
        runners = candidate_runners(curves)
        for envs in model.envs_per_runner_:
            keys = [(r, envs) for r in runners]
            iv = scaling_intervals(model, keys)
            for i, ((r, e), s, eff) in enumerate(zip(keys, model.speedup(keys), model.efficiency(keys))):
                fitted.append({"profile": profile, "series": f"{profile}, {e} env/runner (fit)", "runners": r,
                               "total_envs": r * e, "speedup": float(s), "efficiency": float(eff),
                               "speedup_low": float(iv.speedup[0][i]), "speedup_high": float(iv.speedup[1][i]),
                               "efficiency_low": float(iv.efficiency[0][i]),
                               "efficiency_high": float(iv.efficiency[1][i])})
    measured = []
    baseline = curves.section.point(1, 1)
    for p in curves.section.ok_points:
        if baseline is None or not baseline.ok:
            break
        s, eff, _rate = scaling_figures(p.env_steps_per_s, baseline.env_steps_per_s, p.total_envs)
        measured.append({"profile": profile, "series": f"{profile}, {p.num_envs_per_env_runner} env/runner",
                         "config": p.label, "total_envs": p.total_envs, "speedup": s, "efficiency": eff})
    return fitted, measured


def _chart(layers: list[dict], height: int = 320) -> dict:
    """Layers with scroll-to-zoom and drag-to-pan, bound to the first layer that has an x field."""
    i = next(i for i, layer in enumerate(layers) if "field" in layer.get("encoding", {}).get("x", {}))
    zoom = {**layers[i], "params": [{"name": "zoom", "select": "interval", "bind": "scales"}]}
    return {"height": height, "layer": [*layers[:i], zoom, *layers[i + 1:]], "config": {"legend": {"labelLimit": 0}}}


#: Marker colours and sizes: "your choice" is the larger ring, so it stays visible around the
#: recommended one when both are the same setting.
MARKERS = {"recommended": ("#2ca02c", 160), "your choice": ("#d62728", 420)}
#: Rating band colours (excellent, good, acceptable, poor).
BAND_COLOURS = ["#2ca02c", "#bcbd22", "#ff7f0e", "#d62728"]
SERIES_SCHEME = "tableau20"  # pairs of a strong and a light hue: measured points, then their fit


def marker_rows(recommended: RllibOption | None, chosen: RllibOption | None) -> list[dict]:
    """Where the recommended and the user's settings sit: total envs, speedup and efficiency."""
    rows = []
    for label, option in (("your choice", chosen), ("recommended", recommended)):
        if option is not None and option.speedup is not None:
            rows.append({"marker": label, "config": f"{option.num_env_runners}r x {option.num_envs_per_env_runner}e",
                         "total_envs": option.num_env_runners * option.num_envs_per_env_runner,
                         "speedup": option.speedup, "efficiency": option.efficiency})
    return rows


def series_encoding(fitted: list[dict], measured: list[dict]) -> dict:
    """One colour per series, shared by lines and points: each measured series followed by its fit."""
    names = sorted({r["series"] for r in fitted + measured}, key=lambda n: (n.removesuffix(" (fit)"), n.endswith("(fit)")))
    return {"field": "series", "type": "nominal", "title": "series", "scale": {"domain": names, "scheme": SERIES_SCHEME}}


def _markers_layers(markers: list[dict], field: str) -> list[dict]:
    """One layer per marker (each its own size), sharing one stroke scale and so one legend."""
    stroke = {"field": "marker", "type": "nominal", "title": "marker",
              "scale": {"domain": list(MARKERS), "range": [c for c, _ in MARKERS.values()]}}
    layers = []
    for name, (_colour, size) in MARKERS.items():
        rows = [m for m in markers if m["marker"] == name]
        if rows:
            layers.append({"data": {"values": rows},
                           "mark": {"type": "point", "shape": "diamond", "filled": False, "strokeWidth": 3, "size": size},
                           "encoding": {"x": _ENVS_X, "y": {"field": field, "type": "quantitative"}, "stroke": stroke,
                                        "tooltip": [{"field": "marker"}, {"field": "config"},
                                                    {"field": field, "format": ".1%" if field == "efficiency" else ".2f"}]}})
    return layers


def _series_layers(fitted: list[dict], measured: list[dict], field: str, fmt: str) -> list[dict]:
    colour = series_encoding(fitted, measured)
    y = {"field": field, "type": "quantitative"}
    layers = []
    if fitted and f"{field}_low" in fitted[0]:  # the 90% interval of what a run would measure, behind each fit
        layers.append({"data": {"values": fitted}, "mark": {"type": "area", "opacity": 0.12},
                       "encoding": {"x": _ENVS_X, "y": {"field": f"{field}_low", "type": "quantitative"},
                                    "y2": {"field": f"{field}_high"}, "color": {**colour, "legend": None},
                                    "tooltip": [{"field": "series"}, {"field": f"{field}_low", "format": fmt},
                                                {"field": f"{field}_high", "format": fmt}]}})
    if fitted:
        layers.append({"data": {"values": fitted}, "mark": "line", "encoding": {"x": _ENVS_X, "y": y, "color": colour}})
    if measured:
        layers.append({"data": {"values": measured}, "mark": {"type": "point", "filled": True, "size": 70},
                       "encoding": {"x": _ENVS_X, "y": y, "color": colour,
                                    "tooltip": [{"field": "series"}, {"field": "config"}, {"field": field, "format": fmt}]}})
    return layers


def speedup_spec(fitted: list[dict], measured: list[dict], max_envs: int, markers: list[dict] = ()) -> dict:
    """Speedup vs total envs: the ideal (speedup = total envs), fitted curves, measured points and
    the recommended and chosen settings."""
    ideal = [{"total_envs": 1, "speedup": 1.0}, {"total_envs": max_envs, "speedup": float(max_envs)}]
    layers = [{"data": {"values": ideal}, "mark": {"type": "line", "strokeDash": [4, 4], "color": "gray"},
               "encoding": {"x": _ENVS_X, "y": {"field": "speedup", "type": "quantitative",
                                                "title": "speedup over 1 runner x 1 env"}}},
              {"data": {"values": [{"total_envs": max_envs / 2, "speedup": max_envs / 2,
                                    "label": "ideal (speedup = total envs)"}]},
               "mark": {"type": "text", "align": "left", "dx": 8, "dy": 4, "color": "gray"},
               "encoding": {"x": _ENVS_X, "y": {"field": "speedup", "type": "quantitative"}, "text": {"field": "label"}}}]
    layers += _series_layers(fitted, measured, "speedup", ".2f")
    layers += _markers_layers(list(markers), "speedup")
    return _chart(layers)


def band_rows() -> list[dict]:
    """The source's rating bands as efficiency intervals (fractions), with their colours."""
    rows, upper = [], 1.2
    for (low, name), colour in zip(RATING_BANDS, BAND_COLOURS):
        rows.append({"rating": name, "low": low, "high": upper, "colour": colour,
                     "label": f"{name} (>{low:.0%})" if low > 0 else f"{name} (<{upper:.0%})"})
        upper = low
    return rows


def efficiency_spec(fitted: list[dict], measured: list[dict], markers: list[dict] = ()) -> dict:
    """Parallel efficiency vs total envs over the rating bands (excellent, good, acceptable, poor),
    each band labelled inside the chart."""
    bands = band_rows()
    y_bands = {"field": "low", "type": "quantitative", "title": "efficiency (speedup / total envs)",
               "axis": {"format": "%"}, "scale": {"domain": [0, 1.2]}}
    layers = [{"data": {"values": bands}, "mark": {"type": "rect", "opacity": 0.15},
               "encoding": {"y": y_bands, "y2": {"field": "high"},
                            "fill": {"field": "colour", "type": "nominal", "scale": None, "legend": None},
                            "tooltip": [{"field": "label", "title": "rating"}]}},
              {"data": {"values": bands}, "mark": {"type": "text", "align": "left", "baseline": "top", "x": 6,
                                                   "dy": 4, "opacity": 0.7},
               "encoding": {"y": {"field": "high", "type": "quantitative"}, "text": {"field": "label"},
                            "fill": {"field": "colour", "type": "nominal", "scale": None, "legend": None}}}]
    layers += _series_layers(fitted, measured, "efficiency", ".1%")
    layers += _markers_layers(list(markers), "efficiency")
    return _chart(layers)


@dataclass(frozen=True)
class RllibWhatIf:
    option: RllibOption | None
    errors: tuple[str, ...]
    python: str | None
    yaml: str | None


def rllib_what_if(curves: WorkerCurves, recommendation: RllibRecommendation, runners: int,
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
