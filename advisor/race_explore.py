"""What the explorer shows of a profile's races, as plain data: each raced run's score against its
own wall clock, each config's measured median time to score, and (where the profile also holds
the kind's calibration) every config's predicted time to score. Pure: the page draws it."""

from __future__ import annotations

from typing import Any

from profiler.profile import Profile
from profiler.race.schema import Race


def curve_rows(race: Race) -> list[dict[str, Any]]:
    """One row per point of every run's score curve: ``num_envs``, ``seed``, ``wall_s``, ``score``,
    ``env_steps`` (a run's curve ends where it stopped; a reached run ends at its time to score)."""
    return [{"num_envs": str(r.num_envs), "seed": r.seed, "run": f"{r.num_envs} envs, seed {r.seed}",
             "wall_s": p.wall_s, "score": p.score, "env_steps": p.env_steps, "status": r.status}
            for r in race.runs for p in r.curve]


def curve_spec(rows: list[dict[str, Any]], score: float) -> dict[str, Any]:
    """Vega-Lite: score vs wall seconds, a line per run coloured by num_envs, and the target."""
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "height": 320,
            "layer": [
                {"data": {"values": rows}, "mark": {"type": "line", "point": False},
                 "encoding": {"x": {"field": "wall_s", "type": "quantitative", "title": "wall clock of the run (s)"},
                              "y": {"field": "score", "type": "quantitative", "title": "score (as the race read it)"},
                              "color": {"field": "num_envs", "type": "nominal", "title": "num_envs"},
                              "detail": {"field": "run"},
                              "tooltip": [{"field": "run"}, {"field": "wall_s", "format": ".1f"},
                                          {"field": "score", "format": ".3g"}, {"field": "env_steps", "format": ","}]}},
                {"data": {"values": [{"score": score}]}, "mark": {"type": "rule", "strokeDash": [4, 4]},
                 "encoding": {"y": {"field": "score", "type": "quantitative"}}}]}


def predicted_rows(profile: Profile, race: Race, headroom: float = 0.9) -> tuple[list[dict[str, Any]], str]:
    """Every config's predicted time to score (``recommend --objective time-to-score``), or an empty
    list and why not (no calibration of the race's kind, no run reached the score)."""
    from advisor import kinds
    from advisor.errors import AdvisorError

    kind = kinds.REGISTRY.get(race.kind)
    if kind is None or not kind.race_module or profile.section(race.kind) is None:
        return [], f"no {race.kind} calibration in this profile: no env steps/s to predict time to score with"
    from advisor.time_to_score import recommend_for

    try:
        rec = recommend_for(profile, race.kind, race, headroom)
    except AdvisorError as exc:
        return [], str(exc)
    rows = [{"num_envs": o.num_envs, "predicted_s": o.time_s, "low_s": o.time_low_s, "high_s": o.time_high_s,
             "raced": o.raced, "measured_s": o.measured_time_s, "chosen": rec.chosen is not None and
             o.num_envs == rec.chosen.num_envs} for o in rec.options]
    return rows, (f"E(B) = {rec.e_min:,.0f} x (1 + B / {rec.b_crit:,.0f}) env steps to score, from {rec.runs} raced runs")


def prediction_spec(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite: predicted time to score (with interval) vs num_envs, measured medians as points."""
    measured = [r for r in rows if r["measured_s"] is not None]
    axis_x = {"field": "num_envs", "type": "quantitative", "scale": {"type": "log", "base": 2}, "title": "num_envs"}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "height": 280,
            "layer": [
                {"data": {"values": rows}, "mark": {"type": "area", "opacity": 0.2},
                 "encoding": {"x": axis_x, "y": {"field": "low_s", "type": "quantitative"}, "y2": {"field": "high_s"}}},
                {"data": {"values": rows}, "mark": {"type": "line", "point": True},
                 "encoding": {"x": axis_x, "y": {"field": "predicted_s", "type": "quantitative",
                                                 "title": "time to score (s)"},
                              "tooltip": [{"field": "num_envs"}, {"field": "predicted_s", "format": ".1f"},
                                          {"field": "raced"}]}},
                {"data": {"values": measured}, "mark": {"type": "point", "filled": True, "size": 80, "color": "black"},
                 "encoding": {"x": axis_x, "y": {"field": "measured_s", "type": "quantitative"},
                              "tooltip": [{"field": "num_envs"}, {"field": "measured_s", "format": ".1f"}]}}]}
