"""Turn a brax profile into a :class:`BraxRecommendation`: the Playground ``ppo_params`` to train
with, the predicted env steps/s with its interval, and the time to the target in Brax's own step
accounting (its overshoot of ``num_timesteps``), evaluation and compile included.

The batch shape (``batch_size``, ``num_minibatches``, ``unroll_length``, ``num_updates_per_batch``)
stays Playground's for the env unless the user sets it: env steps per update is Brax's
sample-efficiency quantity, and the minibatch count and size are the optimizer's. What is tuned
is ``num_envs``: every power of two (times the device count) that Brax accepts for that shape
(:func:`profiler.kinds.brax.rules.shape_error`) and that fits memory; the fastest wins.
Throughput comes from the phase model (:mod:`models.phases.brax`) over every measured point.

Pure: no I/O. "No recommendation" is a valid answer and carries its reason.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor.errors import BadInput
from advisor.recommendation import Recommendation
from advisor.units import check_recommend_options
from advisor.vectorised import NumEnvsOption
from models.phases.brax import BraxPhaseModel, nnls_relative
from models.stats import at_measurement
from profiler.kinds.brax.rules import env_steps_per_update, epochs, evaluations, shape_error, total_env_steps
from profiler.kinds.brax.schema import BraxSection

OBJECTIVES = {"fastest": "the num_envs with the shortest predicted time to the target"}
SHAPE_KEYS = ("batch_size", "num_minibatches", "unroll_length", "num_updates_per_batch")
#: Brax's own default of ``ppo.train(num_eval_envs=...)`` (Playground does not set it).
BRAX_NUM_EVAL_ENVS = 128


@dataclass(frozen=True)
class BraxOption(NumEnvsOption):
    """One ``num_envs`` at the chosen shape: env steps/s with its 90% interval, peak memory
    (bytes) with its upper bound, and the time to target (s) with its training part ``train_s``."""

    train_s: float


@dataclass(frozen=True)
class BraxRecommendation(Recommendation):
    env: str
    target_steps: int
    device_count: int
    shape: dict[str, int]
    env_steps_per_update: int
    total_env_steps: int
    num_evals: int
    num_resets_per_eval: int
    fixed_s: float
    compile_s: float
    eval_s: float
    memory_budget_bytes: int | None
    accelerator_name: str
    options: tuple[BraxOption, ...]
    chosen: BraxOption | None
    reason: str
    notes: tuple[str, ...]
    ppo_defaults: dict[str, Any] = field(default_factory=dict)
    impl: str = "jax"
    family: str = "dm_control_suite"

    @property
    def params(self) -> dict[str, Any]:
        """The ``ppo_params`` overrides, under Brax's names."""
        if self.chosen is None:
            return {}
        return {"num_envs": self.chosen.num_envs, **self.shape, "num_timesteps": self.target_steps}


def fitted_phases(section: BraxSection) -> BraxPhaseModel:
    points = section.all_ok_points
    if len(points) < 2:
        raise BadInput(f"the brax profile has {len(points)} successful point(s); the phase model needs two or more "
                       "(advisor calibrate brax --resume, or --quick)")
    x = [[p.num_envs, p.batch_size, p.num_minibatches, p.unroll_length, p.num_updates_per_batch, p.action_repeat]
         for p in points]
    y = [p.update_s for p in points]
    samples = [[p.env_steps_per_update / s for s in p.train_sps_samples] for p in points]
    return BraxPhaseModel().fit(x, y, y_samples=samples)


def memory_fit(section: BraxSection, num_envs: list[int], steps: int) -> tuple[list[float | None], list[float | None]]:
    """Peak bytes ``a + b * num_envs`` (non-negative least squares over every measured point) and
    an upper bound 15% above it, widened 5% per doubling of num_envs and 10% per doubling of env
    steps per update beyond the measured ones (a CPU's peak RSS is mostly the runtime and the
    compiler, so the few measured batch sizes cannot pin a cost per env step)."""
    points = [p for p in section.all_ok_points if p.peak_bytes]
    if len(points) < 2:
        return [None] * len(num_envs), [None] * len(num_envs)
    a = np.array([[1.0, p.num_envs] for p in points])
    coef, _cols = nnls_relative(a, np.array([float(p.peak_bytes) for p in points]), [0, 1])
    low_n, high_n = min(p.num_envs for p in points), max(p.num_envs for p in points)
    high_e = max(p.env_steps_per_update for p in points)
    peaks, uppers = [], []
    for n in num_envs:
        peak = float(coef @ [1.0, n])
        envs_out = max(0.0, math.log2(n / high_n)) + max(0.0, math.log2(low_n / n))
        peaks.append(peak)
        uppers.append(peak * (1.15 + 0.05 * envs_out + 0.10 * max(0.0, math.log2(steps / high_e))))
    return peaks, uppers


def chosen_shape(section: BraxSection, given: dict[str, int | None], steps_per_update: int | None) -> dict[str, int]:
    """Playground's shape for the env, with the user's settings (``--env-steps-per-update`` sets
    batch_size at Playground's minibatches and unroll)."""
    d, w = section.workload.ppo_defaults, section.workload
    shape = {k: int(given[k] if given.get(k) is not None else d.get(k, getattr(w, k))) for k in SHAPE_KEYS}
    if steps_per_update is not None:
        if given.get("batch_size") is not None:
            raise BadInput("--env-steps-per-update sets batch_size; give one of --env-steps-per-update and --batch-size")
        per_batch = shape["num_minibatches"] * shape["unroll_length"] * w.action_repeat
        if steps_per_update % per_batch:
            raise BadInput(f"--env-steps-per-update {steps_per_update} is not a multiple of num_minibatches x "
                           f"unroll_length x action_repeat ({per_batch}); e.g. {max(1, round(steps_per_update / per_batch)) * per_batch}")
        shape["batch_size"] = steps_per_update // per_batch
    return shape


def candidates(rows: int, device_count: int, limit: int = 2**16) -> list[int]:
    """num_envs Brax accepts for ``batch_size * num_minibatches = rows``: powers of two times the
    device count that divide ``rows``."""
    found = {device_count * 2 ** k for k in range(0, 31) if device_count * 2 ** k <= min(rows, limit)}
    return sorted(n for n in found if shape_error(n, rows, 1, device_count) is None)


def recommend_brax(section: BraxSection, target_steps: int, *, profile: str, profile_note: str = "",
                   objective: str = "fastest", headroom: float = 0.9, env_steps_per_update: int | None = None,
                   **given: int | None) -> BraxRecommendation:
    """The fastest ``num_envs`` to ``target_steps`` env steps at Playground's shape for the env,
    with the user's ``given`` shape settings (``batch_size`` and the other :data:`SHAPE_KEYS`) or
    ``env_steps_per_update``, among those whose peak-memory upper bound fits ``headroom`` of the
    device."""
    check_recommend_options(objective, OBJECTIVES, headroom)
    for name, value in list(given.items()) + [("env_steps_per_update", env_steps_per_update)]:
        if value is not None and value < 1:
            raise BadInput(f"--{name.replace('_', '-')} must be a positive integer")
    w = section.workload
    devices = section.device_count
    shape = chosen_shape(section, given, env_steps_per_update)
    steps = env_steps_per_update_of(shape, w.action_repeat)
    d = w.ppo_defaults
    num_evals, resets = int(d.get("num_evals", 10)), int(d.get("num_resets_per_eval", 0))
    total = total_env_steps(target_steps, steps, num_evals, resets)
    model = fitted_phases(section)
    notes: list[str] = []
    capacity = section.accelerator.memory_bytes
    budget = int(headroom * capacity) if capacity else None
    accepted, nums = _num_envs_to_try(section, shape, notes)
    fixed, compile_s, eval_total = fixed_costs(section, num_evals, notes)
    base = dict(profile=profile, profile_note=profile_note, env=w.env, target_steps=target_steps, device_count=devices,
                shape=shape, env_steps_per_update=steps, total_env_steps=total, num_evals=num_evals,
                num_resets_per_eval=resets, fixed_s=fixed, compile_s=compile_s, eval_s=eval_total,
                memory_budget_bytes=budget, accelerator_name=section.accelerator.name, ppo_defaults=dict(d),
                impl=w.impl, family=w.family)
    if not nums:
        return BraxRecommendation(**base, options=(), chosen=None, notes=tuple(notes),
                                  reason=f"no recommendation: no num_envs that is a multiple of {devices} device(s) "
                                         f"divides batch_size x num_minibatches ({shape['batch_size']} x "
                                         f"{shape['num_minibatches']})")
    options = _options(section, model, shape, nums, budget=budget, total=total,
                       run_s=fixed + compile_s + eval_total, notes=notes)
    usable = [o for o in options if o.fits]
    if not usable:
        return BraxRecommendation(**base, options=tuple(options), chosen=None, notes=tuple(notes),
                                  reason=f"no recommendation: no num_envs fits {headroom:.0%} of "
                                         f"{section.accelerator.name}'s memory; raise --memory-headroom")
    chosen = min(usable, key=lambda o: o.time_s)
    notes += _chosen_notes(section, model, shape, chosen, usable, accepted)
    notes += _run_notes(target_steps, total, steps, num_evals, resets)
    why = (f"the shortest predicted time to {target_steps:,} env steps among {len(usable)} num_envs Brax accepts "
           f"with batch_size x num_minibatches = {shape['batch_size'] * shape['num_minibatches']} on {devices} device(s)")
    return BraxRecommendation(**base, options=tuple(options), chosen=chosen, notes=tuple(notes), reason=why)


def _num_envs_to_try(section: BraxSection, shape: dict[str, int], notes: list[str]) -> tuple[list[int], list[int]]:
    """``(every num_envs Brax accepts for the shape, those to predict)``: the accepted ones within
    the measured num_envs, else all of them (with a note that they are extrapolated)."""
    accepted = candidates(shape["batch_size"] * shape["num_minibatches"], section.device_count)
    measured = [p.num_envs for p in section.all_ok_points]
    nums = [n for n in accepted if min(measured) <= n <= max(measured)] or accepted
    if nums and nums == accepted and not min(measured) <= nums[-1] <= max(measured):
        notes.append(f"no num_envs Brax accepts for this shape lies within the measured {min(measured)}-{max(measured)}; "
                     "these are extrapolated")
    return accepted, nums


def _throughput(section: BraxSection, model: BraxPhaseModel, shape: dict[str, int],
                nums: list[int]) -> tuple[np.ndarray, ...]:
    """``(fit, env steps/s, its 90% low and high, whether measured, whether extrapolated)`` at each
    of ``nums``: the phase model's prediction, or the measurement where this exact config ran."""
    action_repeat = section.workload.action_repeat
    x = np.array([[n, shape["batch_size"], shape["num_minibatches"], shape["unroll_length"],
                   shape["num_updates_per_batch"], action_repeat] for n in nums], dtype=float)
    fit, (low, high) = model.predict(x), model.predict_interval(x)
    sps, low, high = fit.copy(), low.copy(), high.copy()
    measured_here = np.zeros(len(nums), dtype=bool)
    for i, n in enumerate(nums):
        point = section.find((n, shape["batch_size"], shape["num_minibatches"], shape["unroll_length"]))
        if (point is not None and point.ok and point.train_sps and point.num_updates_per_batch ==
                shape["num_updates_per_batch"] and point.action_repeat == action_repeat):
            sps[i], low[i], high[i] = at_measurement(fit[i], low[i], high[i], point.train_sps, point.train_sps_samples)
            measured_here[i] = True
    return fit, sps, low, high, measured_here, model.is_extrapolation(x)


def _options(section: BraxSection, model: BraxPhaseModel, shape: dict[str, int], nums: list[int], *,
             budget: int | None, total: int, run_s: float, notes: list[str]) -> list[BraxOption]:
    """One :class:`BraxOption` per num_envs of ``nums``: ``total`` env steps at its throughput plus
    ``run_s`` of setup, compile and evaluation; it fits when its memory upper bound is within
    ``budget`` (without one, when no larger than the largest num_envs that ran)."""
    fit, sps, low, high, measured_here, outside = _throughput(section, model, shape, nums)
    steps = env_steps_per_update_of(shape, section.workload.action_repeat)
    peaks, uppers = memory_fit(section, nums, steps)
    largest = max(p.num_envs for p in section.all_ok_points)
    measured_steps = max(p.env_steps_per_update for p in section.all_ok_points)
    if steps > measured_steps and peaks[0] is not None:
        notes.append(f"peak memory was measured at up to {measured_steps:,} env steps per update, not {steps:,}: the "
                     "larger rollout buffer is covered only by the upper bound's widening (10% per doubling)")
    options = []
    for i, n in enumerate(nums):
        fits = uppers[i] <= budget if uppers[i] is not None and budget is not None else n <= largest
        if section.oom_num_envs is not None and n >= section.oom_num_envs:
            fits = False
        options.append(BraxOption(
            num_envs=n, train_sps=float(sps[i]), train_sps_low=float(low[i]), train_sps_high=float(high[i]),
            peak_bytes=None if peaks[i] is None else round(peaks[i]),
            peak_bytes_upper=None if uppers[i] is None else math.ceil(uppers[i]), fits=bool(fits),
            extrapolated=bool(outside[i]), train_s=total / float(sps[i]), time_s=run_s + total / float(sps[i]),
            time_low_s=run_s + total / float(high[i]), time_high_s=run_s + total / float(low[i]),
            measured=bool(measured_here[i]), fit_train_sps=float(fit[i])))
    return options


def _chosen_notes(section: BraxSection, model: BraxPhaseModel, shape: dict[str, int], chosen: BraxOption,
                  usable: list[BraxOption], accepted: list[int]) -> list[str]:
    """What to know of the chosen num_envs: larger ones might be faster, others predict the same,
    and how far its shape is from the measured ones."""
    notes = []
    if chosen.num_envs == max(p.num_envs for p in section.all_ok_points) and any(n > chosen.num_envs for n in accepted):
        notes.append(f"the fastest is the largest measured num_envs ({chosen.num_envs}); Brax accepts up to "
                     f"{accepted[-1]} for this shape: calibrate larger --num-envs to see whether more helps")
    ties = [o for o in usable if abs(o.train_sps / chosen.train_sps - 1) < 0.005]
    if len(ties) > 1:
        notes.append(f"the predicted throughput is the same at num_envs {', '.join(str(o.num_envs) for o in ties)} "
                     f"(within 0.5%): the measured points do not show num_envs changing Brax's throughput on this "
                     f"machine, so any of them should do as well as {chosen.num_envs}")
    return notes + shape_notes(section, model, shape, chosen, section.device_count)


def _run_notes(target_steps: int, total: int, steps: int, num_evals: int, resets: int) -> list[str]:
    """How Brax's run differs from the target: the resets the calibration left out, and the env
    steps Brax runs beyond ``num_timesteps``."""
    notes = []
    if resets > 0:
        notes.append(f"Playground's num_resets_per_eval={resets} resets the envs between epochs; the calibration runs "
                     "with 0, so the one compile of that reset (tens of seconds on a CPU) is not in the time to target")
    if total != target_steps:
        notes.append(f"Brax runs {total:,} env steps for num_timesteps={target_steps:,}: {max(num_evals - 1, 1)} eval "
                     f"periods x {max(resets, 1)} epochs x whole training steps of {steps:,} env steps"
                     + (f"; that is the least these ppo_params run, {total / target_steps:,.0f}x the target: to train "
                        "nearer it, lower num_evals or num_resets_per_eval, or the env steps per update (batch_size x "
                        "num_minibatches x unroll_length)"
                        if total >= 2 * target_steps and total == epochs(num_evals, resets) * steps else ""))
    return notes


def env_steps_per_update_of(shape: dict[str, int], action_repeat: int) -> int:
    return env_steps_per_update(shape["batch_size"], shape["unroll_length"], shape["num_minibatches"], action_repeat)


def fixed_costs(section: BraxSection, num_evals: int, notes: list[str]) -> tuple[float, float, float]:
    """``(setup s, epoch compile s, evaluation s)`` of one training run: setup (resets and their
    compiles) and the compiling epochs' extra seconds (:attr:`BraxPoint.warmup_s`) are medians over
    measured points; evaluation
    is the measured first, second (recompile) and steady evaluations for Brax's count of them."""
    points = section.all_ok_points
    setup = statistics.median(p.setup_s for p in points if p.setup_s is not None) if points else 0.0
    extra = [p.warmup_s for p in points if p.warmup_s is not None]
    compile_s = statistics.median(extra) if extra else 0.0
    notes.append("compile and setup seconds were measured at the calibration's batch shapes; a larger batch "
                 "compiles the same programs, so they are taken as they are")
    point = section.eval_point
    count = evaluations(num_evals)
    if point is None:
        notes.append("evaluation was not measured; times to target exclude it")
        return setup, compile_s, 0.0
    first, second, steady = point.eval_s[0], point.eval_s[1], statistics.median(point.eval_s[2:])
    total = first + (second if count > 1 else 0.0) + steady * max(count - 2, 0)
    if point.num_eval_envs != BRAX_NUM_EVAL_ENVS:
        notes.append(f"evaluation was measured with {point.num_eval_envs} eval envs, not Brax's default "
                     f"{BRAX_NUM_EVAL_ENVS}")
    return setup, compile_s, total


def shape_notes(section: BraxSection, model: BraxPhaseModel, shape: dict[str, int], chosen: BraxOption,
                devices: int) -> list[str]:
    notes = []
    measured = {(p.batch_size, p.num_minibatches, p.unroll_length, p.num_updates_per_batch) for p in section.all_ok_points}
    key = tuple(shape[k] for k in SHAPE_KEYS)
    if key not in measured or chosen.extrapolated:
        notes.append("this batch shape (or num_envs) was not measured: train_sps comes from the phase model "
                     "(per sequential env step + per env step + per SGD step) fitted to the measured shapes, and its "
                     "interval is widened for every doubling beyond them")
    if not bool(model.same_updates([[chosen.num_envs, shape["batch_size"], shape["num_minibatches"],
                                     shape["unroll_length"], shape["num_updates_per_batch"], 1]])[0]):
        notes.append(f"num_updates_per_batch={shape['num_updates_per_batch']} was not measured (the profile used "
                     f"{', '.join(map(str, model.updates_))}); the interval is doubled")
    return notes
