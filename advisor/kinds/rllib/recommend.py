"""Turn a fitted RLlib scaling model and a target into an :class:`RllibRecommendation`.

Pure: no I/O, and no Ray import. Candidates are every runner count from 1 to the CPUs the
profile's Ray had for env runners (or the largest measured count, if more ran), at every
measured envs-per-runner value. "No recommendation" is a valid answer and carries its reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.errors import BadInput, WorkloadSpecError
from advisor.recommendation import Recommendation
from models.scaling import scaling_figures
from models.scaling_intervals import scaling_intervals
from models.stats import at_measurement
from models.workers import WorkerCurves
from profiler.kinds.rllib.schema import RllibWorkload
from profiler.kinds.rllib.workload import runner_cpus

OBJECTIVES = {
    "throughput": "the highest env steps/s (measured, or predicted where not measured)",
    "efficiency": "the most env steps/s per CPU (runners x CPUs per runner + the driver's CPUs; measured, or "
                  "predicted where not measured)",
}


@dataclass(frozen=True)
class RllibOption:
    """One evaluated setting: predicted env steps/s with its interval, speedup and efficiency
    over 1 runner x 1 env (``None`` without that baseline), CPUs it occupies, and the time to the
    target in seconds (start-up included when the profile measured it). The ``_low``/``_high``
    fields are 90% intervals (speedup's and efficiency's ``None`` with the point values)."""

    num_env_runners: int
    num_envs_per_env_runner: int
    num_cpus_per_env_runner: float
    env_steps_per_s: float
    env_steps_per_s_low: float
    env_steps_per_s_high: float
    speedup: float | None
    efficiency: float | None
    rating: str | None
    cpus_used: float
    env_steps_per_s_per_cpu: float
    measured: bool
    extrapolated: bool
    iterations: int
    env_steps: int
    time_s: float
    time_low_s: float
    time_high_s: float
    speedup_low: float | None = None
    speedup_high: float | None = None
    efficiency_low: float | None = None
    efficiency_high: float | None = None
    #: the fit's own prediction (env steps/s); ``env_steps_per_s`` is the measurement where ``measured``
    fit_env_steps_per_s: float | None = None


@dataclass(frozen=True)
class RllibRecommendation(Recommendation):
    target_steps: int
    objective: str
    workload: RllibWorkload
    ray_cpus: float | None
    driver_cpus: float
    startup_s: float | None
    scaling: dict[str, object]
    options: tuple[RllibOption, ...]
    chosen: RllibOption | None
    reason: str
    notes: tuple[str, ...]


def candidate_runners(curves: WorkerCurves) -> list[int]:
    """1 .. the CPUs Ray had for env runners, extended to the largest measured runner count."""
    section = curves.section
    measured = max(p.num_env_runners for p in section.ok_points)
    limit = int(section.ray_cpus - section.driver_cpus) if section.ray_cpus else measured
    return list(range(1, max(limit, measured, 1) + 1))


def scaling_summary(curves: WorkerCurves) -> dict[str, object]:
    """The USL fit in plain numbers (env steps/s, runner counts)."""
    usl = curves.model.usl_
    return {"form": usl.form_, "envs_per_runner": curves.model.primary_envs_, "lambda_env_steps_per_s": usl.lambda_,
            "sigma": usl.sigma_, "kappa": usl.kappa_, "intervals": {k: list(v) for k, v in usl.intervals_.items()},
            "peak_runners": usl.peak_runners_,
            "peak_runners_interval": list(usl.peak_runners_interval_) if usl.peak_runners_interval_ else None,
            "ceiling_env_steps_per_s": usl.ceiling_env_steps_per_s,
            "baseline_env_steps_per_s": curves.model.baseline_env_steps_per_s_,
            "baseline_source": curves.model.baseline_source_}


@dataclass(frozen=True)
class RllibFigures:
    """What advisor answers for one (runners, envs per runner) setting: env steps/s with its 90%
    interval (the measurement where the setting was measured, the fit's prediction ``fit`` beside
    it), and speedup, efficiency and rating over the 1 runner x 1 env answer (``None`` without a
    1-env-per-runner baseline), by :func:`models.scaling.scaling_figures`."""

    key: tuple[int, int]
    env_steps_per_s: float
    low: float
    high: float
    fit: float
    measured: bool
    extrapolated: bool
    speedup: float | None
    speedup_low: float | None
    speedup_high: float | None
    efficiency: float | None
    efficiency_low: float | None
    efficiency_high: float | None
    rating: str | None


def rllib_figures(curves: WorkerCurves, keys: list[tuple[int, int]]) -> list[RllibFigures]:
    """Answers at each setting: a measured setting answers with its measurement (its interval the
    fit's moved onto it, holding its timed iterations: :func:`models.stats.at_measurement`), so
    every table, the recommendation, the report and the explorer read the numbers ``profile show``
    reads; other settings with the fit's prediction. Speedups divide by the 1r x 1e answer (the
    measured one when it was measured); their intervals keep the fit's relative widths."""
    model, section = curves.model, curves.section
    keys = [(int(r), int(e)) for r, e in keys]
    fit = model.predict(keys)
    intervals = scaling_intervals(model, keys)
    low, high = intervals.env_steps_per_s
    extrapolated = model.is_extrapolation(keys)
    base_point = section.point(1, 1)
    baseline = (base_point.env_steps_per_s if base_point is not None and base_point.ok
                else model.baseline_env_steps_per_s_)
    if model.baseline_env_steps_per_s_ is None:
        baseline = None
    result = []
    for i, (r, e) in enumerate(keys):
        value, lo, hi = float(fit[i]), float(low[i]), float(high[i])
        point = section.point(r, e)
        measured = point is not None and point.ok
        if measured:
            value, lo, hi = at_measurement(value, lo, hi, point.env_steps_per_s, point.env_steps_per_s_samples)
        s = eff = rate = s_lo = s_hi = e_lo = e_hi = None
        if baseline is not None:
            s, eff, rate = scaling_figures(value, baseline, r * e)
            fitted_speedup = float(fit[i]) / model.baseline_env_steps_per_s_
            shift = s / fitted_speedup  # the fit's speedup interval, moved onto this answer
            s_lo, s_hi = float(intervals.speedup[0][i]) * shift, float(intervals.speedup[1][i]) * shift
            if (r, e) == (1, 1):
                s_lo, s_hi = 1.0, 1.0
            s_lo, s_hi = min(s_lo, s), max(s_hi, s)
            e_lo, e_hi = s_lo / (r * e), s_hi / (r * e)
        result.append(RllibFigures((r, e), value, lo, hi, float(fit[i]), measured, bool(extrapolated[i]), s, s_lo,
                                   s_hi, eff, e_lo, e_hi, rate))
    return result


def evaluate(curves: WorkerCurves, keys: list[tuple[int, int]], target_steps: int) -> list[RllibOption]:
    section = curves.section
    batch = section.workload.train_batch_size_per_learner
    startup = curves.startup_s or 0.0
    iterations = math.ceil(target_steps / batch)
    steps = iterations * batch
    options = []
    for f in rllib_figures(curves, keys):
        r, e = f.key
        cpus = runner_cpus(r, section.ray_cpus or float(r + section.driver_cpus), section.driver_cpus)
        used = r * cpus + section.driver_cpus
        options.append(RllibOption(
            num_env_runners=r, num_envs_per_env_runner=e, num_cpus_per_env_runner=cpus,
            env_steps_per_s=f.env_steps_per_s, env_steps_per_s_low=f.low, env_steps_per_s_high=f.high,
            speedup=f.speedup, efficiency=f.efficiency, rating=f.rating, cpus_used=used,
            env_steps_per_s_per_cpu=f.env_steps_per_s / used, measured=f.measured, extrapolated=f.extrapolated,
            iterations=iterations, env_steps=steps, time_s=startup + steps / f.env_steps_per_s,
            time_low_s=startup + steps / f.high, time_high_s=startup + steps / f.low, speedup_low=f.speedup_low,
            speedup_high=f.speedup_high, efficiency_low=f.efficiency_low, efficiency_high=f.efficiency_high,
            fit_env_steps_per_s=f.fit))
    return options


def _measured_rise(section, chosen: RllibOption) -> bool:
    """Whether the measurements say throughput still rises at the chosen runner count: its point
    (at the chosen envs per runner) measured above the next smaller runner count's; True when
    either was not measured (the fit is all there is)."""
    runners = sorted(p.num_env_runners for p in section.ok_points
                     if p.num_envs_per_env_runner == chosen.num_envs_per_env_runner)
    below = [r for r in runners if r < chosen.num_env_runners]
    top = section.point(chosen.num_env_runners, chosen.num_envs_per_env_runner)
    if not below or top is None or not top.ok:
        return True
    return top.env_steps_per_s > section.point(below[-1], chosen.num_envs_per_env_runner).env_steps_per_s


def recommend_rllib(curves: WorkerCurves, target_steps: int, *, profile: str, profile_note: str = "",
                    objective: str = "throughput") -> RllibRecommendation:
    """Choose num_env_runners and num_envs_per_env_runner for ``target_steps`` env steps."""
    if objective not in OBJECTIVES:
        raise BadInput(f"--objective {objective!r} is unknown for --kind rllib; use one of: {', '.join(OBJECTIVES)}")
    section = curves.section
    notes = list(curves.notes)
    base = dict(profile=profile, profile_note=profile_note, target_steps=target_steps, objective=objective,
                workload=section.workload, ray_cpus=section.ray_cpus, driver_cpus=section.driver_cpus,
                startup_s=curves.startup_s)
    if curves.model is None:
        return RllibRecommendation(**base, scaling={}, options=(), chosen=None, notes=tuple(notes),
                                   reason="no recommendation: " + "; ".join(curves.notes))
    if section.ray_cpus is None:
        notes.append("the profile does not say how many CPUs its machine had; runner counts stop at the largest "
                     "measured and 1 CPU is counted for the driver")
    if curves.startup_s is None:
        notes.append("start-up time was not measured; times to target exclude it")
    try:
        keys = [(r, e) for e in curves.model.envs_per_runner_ for r in candidate_runners(curves)]
        options = evaluate(curves, keys, target_steps)
    except WorkloadSpecError as exc:
        raise BadInput(str(exc)) from None
    if objective == "throughput":
        chosen = max(options, key=lambda o: (o.env_steps_per_s, -o.cpus_used))
    else:
        chosen = max(options, key=lambda o: (o.env_steps_per_s_per_cpu, o.env_steps_per_s))
    reason = OBJECTIVES[objective] + f" among {len(options)} settings"
    usl = curves.model.usl_
    top = max(o.num_env_runners for o in options)
    if usl.peak_runners_ is not None and usl.peak_runners_ < top:
        envs = curves.model.primary_envs_
        notes.append(f"the fitted curve at {envs} env{'s' if envs != 1 else ''} per runner peaks at "
                     f"{usl.peak_runners_:.1f} runners: more runners than that lose throughput at {envs} per runner "
                     "(coherency cost)")
    if chosen.num_env_runners == top and objective == "throughput" and _measured_rise(section, chosen):
        if section.ray_cpus is None:
            notes.append(f"throughput still rises at {top} runners, the most measured; more may help on a machine "
                         "with the CPUs for them")
        else:
            notes.append(f"throughput still rises at {top} runners, the most the profile's {section.ray_cpus:g} CPUs "
                         f"allow (one runner per CPU, {section.driver_cpus:g} for the driver)")
    if chosen.extrapolated:
        notes.append(f"{chosen.num_env_runners} runners x {chosen.num_envs_per_env_runner} envs was not measured; "
                     "its prediction is extrapolated (wider interval)")
    if chosen.num_cpus_per_env_runner < 1:
        notes.append(f"{chosen.num_env_runners} runners share {chosen.num_env_runners * chosen.num_cpus_per_env_runner:g} "
                     "CPUs (fractional num_cpus_per_env_runner): the machine is oversubscribed, as it was when measured")
    notes.append(f"predictions hold for the measured PPO settings (train_batch_size_per_learner="
                 f"{section.workload.train_batch_size_per_learner}, minibatch_size={section.workload.minibatch_size}, "
                 f"num_epochs={section.workload.num_epochs}); a bigger batch or more epochs shifts time toward the learner")
    return RllibRecommendation(**base, scaling=scaling_summary(curves), options=tuple(options), chosen=chosen,
                               notes=tuple(notes), reason=reason)


def predict_rllib(curves: WorkerCurves, runners: list[int], envs_per_runner: list[int]) -> list[dict[str, object]]:
    """The DESIGN.md ``advisor predict --runners`` contract, one dict per (runners, envs) pair."""
    if curves.model is None:
        raise BadInput("this profile cannot predict scaling: " + "; ".join(curves.notes))
    keys = [(r, e) for e in envs_per_runner for r in runners]
    try:
        figures = rllib_figures(curves, keys)
    except ValueError as exc:
        raise BadInput(f"{exc}; pick --envs-per-runner from those") from None
    # the contract's keys first, then what was added after it (90% intervals, the measurement and the fit)
    return [{"num_env_runners": f.key[0], "num_envs_per_env_runner": f.key[1], "env_steps_per_s": f.env_steps_per_s,
             "speedup": f.speedup, "efficiency": f.efficiency, "extrapolated": f.extrapolated,
             "env_steps_per_s_low": f.low, "env_steps_per_s_high": f.high,
             "speedup_low": f.speedup_low, "speedup_high": f.speedup_high,
             "efficiency_low": f.efficiency_low, "efficiency_high": f.efficiency_high, "rating": f.rating,
             "measured": f.measured, "fit_env_steps_per_s": f.fit}
            for f in figures]
