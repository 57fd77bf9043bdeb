"""Turn a fitted RLlib scaling model and a target into an :class:`RllibRecommendation`.

Pure: no I/O, and no Ray import. Candidates are every runner count from 1 to the CPUs the
profile's Ray had for env runners (or the largest measured count, if more ran), at every
measured envs-per-runner value. "No recommendation" is a valid answer and carries its reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.errors import BadInput
from models.scaling import rating
from models.scaling_intervals import scaling_intervals
from models.workers import WorkerCurves
from profiler.errors import WorkloadSpecError
from profiler.kinds.rllib.schema import RllibWorkload
from profiler.kinds.rllib.workload import runner_cpus

OBJECTIVES = {
    "throughput": "the highest predicted env steps/s",
    "efficiency": "the most predicted env steps/s per CPU (runners x CPUs per runner + the driver's CPUs)",
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


@dataclass(frozen=True)
class RllibRecommendation:
    profile: str
    profile_note: str
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

    @property
    def ok(self) -> bool:
        return self.chosen is not None


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


def evaluate(curves: WorkerCurves, keys: list[tuple[int, int]], target_steps: int) -> list[RllibOption]:
    model, section = curves.model, curves.section
    workload = section.workload
    batch = workload.train_batch_size_per_learner
    sps = model.predict(keys)
    intervals = scaling_intervals(model, keys)
    low, high = intervals.env_steps_per_s
    extrapolated = model.is_extrapolation(keys)
    has_baseline = model.baseline_env_steps_per_s_ is not None
    speedups = model.speedup(keys) if has_baseline else [None] * len(keys)
    effs = model.efficiency(keys) if has_baseline else [None] * len(keys)
    s_low, s_high = intervals.speedup or ([None] * len(keys),) * 2
    e_low, e_high = intervals.efficiency or ([None] * len(keys),) * 2
    startup = curves.startup_s or 0.0
    iterations = math.ceil(target_steps / batch)
    steps = iterations * batch
    options = []
    for i, (r, e) in enumerate(keys):
        cpus = runner_cpus(r, section.ray_cpus or float(r + section.driver_cpus), section.driver_cpus)
        used = r * cpus + section.driver_cpus
        options.append(RllibOption(
            num_env_runners=r, num_envs_per_env_runner=e, num_cpus_per_env_runner=cpus,
            env_steps_per_s=float(sps[i]), env_steps_per_s_low=float(low[i]), env_steps_per_s_high=float(high[i]),
            speedup=None if speedups[i] is None else float(speedups[i]),
            efficiency=None if effs[i] is None else float(effs[i]),
            rating=None if effs[i] is None else rating(float(effs[i])), cpus_used=used,
            env_steps_per_s_per_cpu=float(sps[i]) / used, measured=section.point(r, e) is not None
            and section.point(r, e).ok, extrapolated=bool(extrapolated[i]), iterations=iterations, env_steps=steps,
            time_s=startup + steps / float(sps[i]), time_low_s=startup + steps / float(high[i]),
            time_high_s=startup + steps / float(low[i]), speedup_low=_float(s_low[i]), speedup_high=_float(s_high[i]),
            efficiency_low=_float(e_low[i]), efficiency_high=_float(e_high[i])))
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


def _float(value) -> float | None:
    return None if value is None else float(value)


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
        notes.append(f"the fitted curve peaks at {usl.peak_runners_:.1f} runners: more runners than that lose "
                     "throughput (coherency cost)")
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
        sps = curves.model.predict(keys)
    except ValueError as exc:
        raise BadInput(f"{exc}; pick --envs-per-runner from those") from None
    has_baseline = curves.model.baseline_env_steps_per_s_ is not None
    speedups = curves.model.speedup(keys) if has_baseline else [None] * len(keys)
    effs = curves.model.efficiency(keys) if has_baseline else [None] * len(keys)
    extrapolated = curves.model.is_extrapolation(keys)
    intervals = scaling_intervals(curves.model, keys)
    low, high = intervals.env_steps_per_s
    s_low, s_high = intervals.speedup or ([None] * len(keys),) * 2
    e_low, e_high = intervals.efficiency or ([None] * len(keys),) * 2
    # the contract's keys first, then what was added after it (90% intervals)
    return [{"num_env_runners": r, "num_envs_per_env_runner": e, "env_steps_per_s": float(sps[i]),
             "speedup": None if speedups[i] is None else float(speedups[i]),
             "efficiency": None if effs[i] is None else float(effs[i]), "extrapolated": bool(extrapolated[i]),
             "env_steps_per_s_low": float(low[i]), "env_steps_per_s_high": float(high[i]),
             "speedup_low": _float(s_low[i]), "speedup_high": _float(s_high[i]),
             "efficiency_low": _float(e_low[i]), "efficiency_high": _float(e_high[i])}
            for i, (r, e) in enumerate(keys)]
