"""``recommend --objective time-to-score --score S``: a predicted wall-clock time to the score for
every config of a kind's table, from its throughput curves and a race's sample-efficiency model.

time to score = fixed cost (start-up + compile, s) + env steps to score / train_sps, where env
steps to score comes from :class:`models.sample_efficiency.SampleEfficiency` fitted to the
profile's race to that score (env steps per update: :meth:`profiler.race.schema.Race.env_steps_per_update`), and
train_sps and the fixed cost from the calibration, set to the pace the race's runs went at
(:mod:`models.race_pace`: the race's own env steps/s and start-up where it ran a config, the
calibration's curve between raced configs at the race's level). The interval combines both
models' intervals (fewest env steps at the highest throughput, most at the lowest). Configs no race
ran are marked, and so are those whose env steps per update lie outside the raced ones. Pure: data
in, data out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from advisor.errors import BadInput
from profiler.race.schema import Race


@dataclass(frozen=True)
class ScoreOption:
    """One config: predicted env steps/s (with interval), fixed cost (s), env steps to score
    (median over ``seeds`` runs, with interval), time to score (s, with interval), whether a race
    ran it and what it measured there (median s, or ``None`` when censored). ``calibrated_sps``:
    the calibration's env steps/s; ``pace``: where ``train_sps`` and ``fixed_s`` come from
    (``calibration`` as calibrated; ``raced``, ``between``, ``beyond``: set to the race's pace,
    :func:`models.race_pace.pace_correction`)."""

    num_envs: int
    env_steps_per_update: int
    train_sps: float
    train_sps_low: float
    train_sps_high: float
    fixed_s: float
    env_steps_to_score: float
    env_steps_low: float
    env_steps_high: float
    time_s: float
    time_low_s: float
    time_high_s: float
    raced: bool
    measured_time_s: float | None
    measured_more_than_s: float | None
    extrapolated: bool
    fits: bool
    calibrated_sps: float | None = None
    pace: str = "calibration"


@dataclass(frozen=True)
class ScoreRecommendation:
    profile: str
    score: float
    kind: str
    options: tuple[ScoreOption, ...]
    chosen: ScoreOption | None
    b_crit: float
    b_crit_low: float
    b_crit_high: float
    e_min: float
    sigma: float
    runs: int
    censored_runs: int
    prior: str
    reason: str
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.chosen is not None


def best_estimate_s(option: ScoreOption) -> float:
    """A config's time to score as the choice counts it: the race's measured median where the race
    ran it to the score, else the prediction."""
    return option.measured_time_s if option.measured_time_s is not None else option.time_s


def race_for(profile: Any, kind: str, score: float | None) -> Race:
    """The profile's race of ``kind`` to ``score`` (bad input naming the fix otherwise)."""
    if score is None:
        raise BadInput("--objective time-to-score needs --score: the return to reach, as 'advisor race --score' took it")
    from advisor import kinds

    how = "-- YOUR COMMAND" if kinds.get(kind).race_takes_command else f"--kind {kind}"
    race = profile.race(kind)
    if race is None:
        raise BadInput(f"profile {profile.name!r} has no {kind} race; run 'advisor race --score {score:g} --name "
                       f"{profile.name} {how}' first")
    if not math.isclose(race.score, score, rel_tol=1e-9, abs_tol=1e-12):
        raise BadInput(f"profile {profile.name!r} raced to score {race.score:g}, not {score:g}; give --score "
                       f"{race.score:g}, or race to {score:g} into another profile ('advisor race --score {score:g} "
                       f"--name NEW {how}')")
    return race


def recommend_for(profile: Any, kind: str, race: Race, headroom: float) -> ScoreRecommendation:
    """:func:`recommend_time_to_score` of ``profile``'s calibration of ``kind`` through the kind's
    race module: its ``score_rows(profile, headroom)`` and its ``prior(profile)`` on the critical
    batch (a measured gradient noise scale, or none)."""
    import importlib

    from advisor import kinds

    module = importlib.import_module(kinds.get(kind).race_module)
    prior, prior_text = module.prior(profile)
    return recommend_time_to_score(profile.name, kind, race, module.score_rows(profile, headroom), prior, prior_text)


def score_answer(rec: ScoreRecommendation, data: dict[str, Any] | None = None, after: tuple[str, ...] = (),
                 written: Any = None) -> Any:
    """``recommend --objective time-to-score``'s answer: the table and the model's lines, then the
    kind's ``after`` lines (what to run); ``data`` adds to the JSON; ``written`` is ``-o``'s file."""
    from advisor.answer import Answer

    payload = score_json(rec)
    payload.update(data or {})
    return Answer(payload, head=lambda: [score_table(rec), *score_lines(rec), *after], written=written,
                  found=rec.ok)


def fit_race(race: Race, prior_b_crit: float | None = None) -> Any:
    """The sample-efficiency model of a race's settled runs (reached: their env steps to score;
    censored: the env steps they ran)."""
    from models.sample_efficiency import SampleEfficiency

    runs = [r for r in race.runs if r.settled and (r.reached or (r.last_env_steps or 0) > 0)]
    if not any(r.reached for r in runs):
        raise BadInput(f"no run of the race reached score {race.score:g}, so its sample efficiency is unknown; race "
                       "again with a longer --budget or a lower --score")
    if not any(r.reached and (r.env_steps_to_score or 0) > 0 for r in runs):
        raise BadInput(f"every run that reached score {race.score:g} did so before training (its first evaluation), "
                       "so the race says nothing of sample efficiency; race to a higher --score")
    batch = [race.env_steps_per_update(r.num_envs) for r in runs]
    steps = [r.env_steps_to_score if r.reached else r.last_env_steps for r in runs]
    return SampleEfficiency(prior_b_crit=prior_b_crit).fit(batch, steps, [not r.reached for r in runs])


def recommend_time_to_score(profile_name: str, kind: str, race: Race, rows: list[dict[str, Any]],
                            prior_b_crit: float | None = None, prior_text: str = "") -> ScoreRecommendation:
    """Predict every config of ``rows`` (the kind's throughput rows: ``num_envs``, ``train_sps``
    with ``_low``/``_high``, ``fixed_s``, ``fits``) and choose the shortest predicted time to score."""
    model = fit_race(race, prior_b_crit)
    seeds = len(race.seeds)
    batches = [race.env_steps_per_update(r["num_envs"]) for r in rows]
    steps = model.predict(batches)
    low, high = model.predict_interval(batches, seeds=seeds)
    outside = model.is_extrapolation(batches)
    corrections = race_corrections(race, rows)
    options = []
    for i, row in enumerate(rows):
        fixed = row.get("fixed_s") or 0.0
        sps, sps_low, sps_high = row["train_sps"], row["train_sps_low"], row["train_sps_high"]
        fix = corrections.get(row["num_envs"])
        if fix is not None:
            sps, sps_low, sps_high = sps * fix.ratio, sps_low * fix.low, sps_high * fix.high
            fixed = max(0.0, fixed + fix.offset_s)
        measured = race.config(row["num_envs"]) if row["num_envs"] in race.num_envs else None
        options.append(ScoreOption(
            num_envs=row["num_envs"], env_steps_per_update=batches[i], train_sps=sps,
            train_sps_low=sps_low, train_sps_high=sps_high, fixed_s=fixed,
            env_steps_to_score=float(steps[i]), env_steps_low=float(low[i]), env_steps_high=float(high[i]),
            time_s=fixed + float(steps[i]) / sps, time_low_s=fixed + float(low[i]) / sps_high,
            time_high_s=fixed + float(high[i]) / sps_low, raced=measured is not None,
            measured_time_s=measured.time_to_score_s if measured is not None else None,
            measured_more_than_s=measured.more_than_s if measured is not None else None,
            extrapolated=bool(outside[i]) or bool(row.get("extrapolated")), fits=bool(row.get("fits", True)),
            calibrated_sps=row["train_sps"], pace=fix.source if fix is not None else "calibration"))
    b_low, b_high = model.b_crit_interval()
    notes = []
    if corrections:
        notes.append(pace_note(corrections))
    else:
        notes.append("env steps/s and fixed cost as calibrated: no raced run's score curve was long enough to time "
                     "its pace (3+ score lines over 0.5 s)")
    if model.n_censored_:
        notes.append(f"{model.n_censored_} of {model.n_runs_} raced runs did not reach the score: they count as needing "
                     "more env steps than they ran")
    if any(not o.raced for o in options):
        notes.append("configs marked 'no' under raced were never run to the score: their env steps come from the "
                     "sample-efficiency model, their env steps/s from the calibration (at the race's pace where its runs "
                     "timed one)")
    if race.update_env_steps:
        notes.append(f"env steps per update = {race.update_env_steps:,} at every num_envs (the raced shape fixes it): "
                     "the model predicts the same env steps to score for each, so the configs differ by env steps/s "
                     "and fixed cost; keep the shape as raced")
    else:
        notes.append("env steps per update = num_envs x " + str(race.num_steps) + " (the race's --num-steps); the "
                     "model does not see minibatch size, epochs or learning rate: keep them as raced")
    for o in options:
        if o.measured_time_s is not None and not o.time_low_s <= o.measured_time_s <= o.time_high_s:
            notes.append(f"num_envs {o.num_envs}: the race measured {o.measured_time_s:.1f} s, outside the predicted "
                         f"{o.time_low_s:.1f}-{o.time_high_s:.1f} s: the calibration's env steps/s or fixed cost do not "
                         "describe the race's runs (a busy machine in one of them, or start-up the calibration did not "
                         "see); the race's measurement is what the choice counts")
    usable = [o for o in options if o.fits]
    base = dict(profile=profile_name, score=race.score, kind=kind, options=tuple(options), b_crit=model.b_crit_,
                b_crit_low=b_low, b_crit_high=b_high, e_min=model.e_min_, sigma=model.sigma_, runs=model.n_runs_,
                censored_runs=model.n_censored_, prior=prior_text or "flat (no gradient noise scale measured)")
    if not usable:
        return ScoreRecommendation(**base, chosen=None, notes=tuple(notes),
                                   reason="no recommendation: no config fits the device's memory")
    chosen = min(usable, key=best_estimate_s)
    return ScoreRecommendation(**base, chosen=chosen, notes=tuple(notes),
                               reason=f"the shortest time to score {race.score:g} among configs that fit: the race's "
                                      "measured median where it ran the config to the score, the prediction elsewhere")


def race_corrections(race: Race, rows: list[dict[str, Any]]) -> dict:
    """For every row, the correction that sets the calibration's env steps/s and fixed cost to the
    pace the race's runs went at (:func:`models.race_pace.pace_correction`), each raced config's
    pace read off its settled runs' score curves up to the score (:func:`models.race_pace.config_paces`)."""
    from models.race_pace import config_paces, pace_correction

    curves = [(run.num_envs, [(p.wall_s, p.env_steps) for p in run.curve
                              if not run.reached or p.wall_s <= run.time_to_score_s + 1e-9])
              for run in race.runs if run.settled]
    calibrated = {r["num_envs"]: (r["train_sps"], r.get("fixed_s") or 0.0) for r in rows}
    return pace_correction(config_paces(curves), calibrated)


def pace_note(corrections: dict) -> str:
    """The note that says how far the race's pace lay from the calibration's figures."""
    raced = [(n, c) for n, c in sorted(corrections.items()) if c.source == "raced"]
    ratios = ", ".join(f"{n}: {c.ratio:.2f}x" for n, c in raced)
    offsets = [c.offset_s for _, c in raced]
    return (f"env steps/s and fixed cost are the race's pace, read off its runs' score curves up to the score: "
            f"{ratios} the calibration's env steps/s; start-up {min(offsets):+.1f} to {max(offsets):+.1f} s from its "
            "fixed cost (a calibration's runs time the program's exit too, and a long run's average rate); configs "
            "the race did not run take the calibration's curve at the raced configs' level, interpolated in num_envs")


def score_json(rec: ScoreRecommendation) -> dict[str, Any]:
    from profiler.serde import to_jsonable

    data = to_jsonable(rec)
    data["objective"] = "time-to-score"
    return data


def score_table(rec: ScoreRecommendation) -> Any:
    from advisor.console import table as new_table
    from advisor.units import format_count, format_duration

    table = new_table(f"time to score {rec.score:g} ({rec.kind}, profile {rec.profile})",
                      ("num_envs", "env steps/update", "env steps/s", "env steps to score", "90% interval",
                       "time to score", "90% interval", "raced (median)", "extrapolated", "fits"))
    for o in rec.options:
        mark = "→ " if rec.chosen is not None and o.num_envs == rec.chosen.num_envs else ""
        raced = ("no" if not o.raced else format_duration(o.measured_time_s) if o.measured_time_s is not None
                 else f"> {format_duration(o.measured_more_than_s)}")
        table.add_row(f"{mark}{o.num_envs}", format_count(o.env_steps_per_update), f"{o.train_sps:,.0f}",
                      format_count(o.env_steps_to_score),
                      f"{format_count(o.env_steps_low)}-{format_count(o.env_steps_high)}", format_duration(o.time_s),
                      f"{format_duration(o.time_low_s)}-{format_duration(o.time_high_s)}", raced,
                      "yes" if o.extrapolated else "no", "yes" if o.fits else "no")
    return table


def score_lines(rec: ScoreRecommendation) -> list[str]:
    from advisor.units import format_count, format_duration

    lines = [f"sample efficiency: E(B) = {format_count(rec.e_min)} x (1 + B / {format_count(rec.b_crit)}) env steps to "
             f"score (critical batch B_crit 90% {format_count(rec.b_crit_low)}-{format_count(rec.b_crit_high)} env "
             f"steps per update; seed scatter {rec.sigma:.2f} in log), from {rec.runs} raced runs; prior on B_crit: "
             f"{rec.prior}"]
    if rec.chosen is not None:
        c = rec.chosen
        measured = (f"measured {format_duration(c.measured_time_s)} in the race (median), " if c.measured_time_s is not None
                    else "")
        lines.append(f"num_envs {c.num_envs}: {measured}predicted {format_duration(c.time_s)} to score {rec.score:g} "
                     f"({format_duration(c.time_low_s)}-{format_duration(c.time_high_s)}): {c.fixed_s:.1f} s fixed + "
                     f"{format_count(c.env_steps_to_score)} env steps at {c.train_sps:,.0f} env steps/s; {rec.reason}")
    else:
        lines.append(rec.reason)
    lines += [f"note: {n}" for n in rec.notes]
    return lines
