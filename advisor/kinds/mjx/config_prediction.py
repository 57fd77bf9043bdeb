"""train_sps predicted for one exact MJX config ``(num_envs, num_steps, num_minibatches,
update_epochs)``: what ``recommend``, ``predict``, the explorer and ``verify`` print.

From the phase model (:mod:`models.phases.iteration`) when the profile timed the phases; otherwise
from the fused curve over num_envs, which knows nothing of the other axes: its prediction is the
measured shape's, and its interval widens by :data:`models.phases.iteration.AXIS_WIDENING` per
doubling away from the shape that was measured (on the slow side only for more minibatches or epochs
than measured, the fast side for fewer), with a note saying so. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.num_envs_curves import VectorCurves, fit_vectorised
from models.phases import AXIS_WIDENING, PhaseModel, fit_phases
from models.stats import at_measurement


@dataclass(frozen=True)
class MjxCurves(VectorCurves):
    """The num_envs curves plus the phase model (``None`` without phase timings)."""

    phases: PhaseModel | None = None


def fit_mjx(section: Any) -> MjxCurves:
    """Fit an MJX section: the vectorised curves and, where the phases were timed, the phase model."""
    curves = fit_vectorised(section)
    fields = {name: getattr(curves, name) for name in VectorCurves.__dataclass_fields__}
    return MjxCurves(**fields, phases=fit_phases(section))


@dataclass(frozen=True)
class ConfigPrediction:
    """Predicted train_sps (env steps/s) of one config with its 90% interval; ``iteration_s`` is
    seconds per training iteration; ``basis`` is ``phases`` or ``fused``; ``extrapolated`` names
    the axes the config lies outside the measurements of; ``notes`` says what limits it."""

    num_envs: int
    num_steps: int
    num_minibatches: int
    update_epochs: int
    minibatch_size: int
    train_sps: float
    train_sps_low: float
    train_sps_high: float
    iteration_s: float
    basis: str
    extrapolated: tuple[str, ...]
    notes: tuple[str, ...]
    #: whether this exact config was measured (then train_sps is the measurement), and the fit's prediction
    measured: bool = False
    fit_train_sps: float | None = None

    @property
    def batch_size(self) -> int:
        """Env steps per iteration (per PPO update): ``num_envs * num_steps``."""
        return self.num_envs * self.num_steps

    def num_updates(self, target_steps: int) -> int:
        """PPO updates LocoMuJoCo runs for ``target_steps``: ``target // num_steps // num_envs``."""
        return target_steps // self.num_steps // self.num_envs

    @property
    def gradient_steps_per_update(self) -> int:
        """Optimizer steps per iteration: ``update_epochs * num_minibatches``."""
        return self.update_epochs * self.num_minibatches

    @property
    def gradient_steps_per_sample(self) -> float:
        """Optimizer steps per env step collected: ``update_epochs * num_minibatches / (num_envs *
        num_steps)`` (= update_epochs / minibatch_size)."""
        return self.gradient_steps_per_update / self.batch_size


def as_curves(source: Any) -> MjxCurves:
    """A profile, an MJX section or fitted curves, as :class:`MjxCurves`."""
    if isinstance(source, MjxCurves):
        return source
    if hasattr(source, "section") and callable(source.section):  # a Profile
        source = source.section("mjx")
        if source is None:
            raise ValueError("this profile has no MJX section")
    if isinstance(source, VectorCurves):
        source = source.section
    return fit_mjx(source)


def predict_configs(source: Any, rows: list[tuple[int, int, int, int]]) -> list[ConfigPrediction]:
    """:func:`predict_config` for many ``(num_envs, num_steps, num_minibatches, update_epochs)``."""
    curves = as_curves(source)
    if not rows:
        return []
    for n, steps, k, epochs in rows:
        if min(n, steps, k, epochs) < 1 or (n * steps) % k:
            raise ValueError(f"num_envs*num_steps = {n}*{steps} is not divisible by num_minibatches={k}")
    if curves.phases is not None:
        predictions = _from_phases(curves, rows)
    elif curves.throughput is None:
        raise ValueError("this profile cannot predict throughput: " + "; ".join(curves.notes))
    else:
        predictions = _from_fused(curves, rows)
    return [_at_measurement(curves.section, p) for p in predictions]


def measured_point(section: Any, num_envs: int, num_steps: int, num_minibatches: int, update_epochs: int) -> Any:
    """The successful point that measured exactly this config, if any."""
    w = section.workload
    for p in section.ok_points:
        if (p.num_envs == num_envs and (p.num_steps or w.num_steps) == num_steps
                and (p.num_minibatches or w.num_minibatches) == num_minibatches
                and (p.update_epochs or w.update_epochs) == update_epochs and p.train_sps):
            return p
    return None


def _at_measurement(section: Any, p: ConfigPrediction) -> ConfigPrediction:
    """A prediction for a config that was measured answers with the measurement, the fit's own
    figure kept beside it (:func:`models.stats.at_measurement`)."""
    point = measured_point(section, p.num_envs, p.num_steps, p.num_minibatches, p.update_epochs)
    if point is None:
        return dataclasses.replace(p, fit_train_sps=p.train_sps)
    value, low, high = at_measurement(p.train_sps, p.train_sps_low, p.train_sps_high, point.train_sps,
                                      point.train_sps_samples)
    return dataclasses.replace(p, train_sps=value, train_sps_low=low, train_sps_high=high,
                               iteration_s=p.batch_size / value, measured=True, fit_train_sps=p.train_sps)


def predict_config(source: Any, num_envs: int, num_steps: int, num_minibatches: int,
                   update_epochs: int) -> ConfigPrediction:
    """train_sps of exactly this config, with its interval, from a profile (or its MJX section,
    or :func:`fit_mjx`'s curves); ``ValueError`` when the config is invalid or the profile
    cannot predict."""
    return predict_configs(source, [(num_envs, num_steps, num_minibatches, update_epochs)])[0]


def _from_phases(curves: MjxCurves, rows: list[tuple[int, int, int, int]]) -> list[ConfigPrediction]:
    model = curves.phases
    X = np.asarray(rows, dtype=float)
    sps, (low, high) = model.predict(X), model.predict_interval(X)
    seconds = model.predict_iteration_s(X)
    result = []
    for i, (axes, (n, steps, k, epochs)) in enumerate(zip(model.extrapolated_axes(X), rows)):
        notes = []
        if not model.minibatch_variation_:
            notes.append("this profile timed one num_minibatches per num_envs (no minibatch variation): the update "
                         "phase's cost per minibatch is fitted along minibatch size only, and counts other than "
                         f"{', '.join(str(int(v)) for v in model.num_minibatches_)} carry a widened interval")
        if axes:
            notes.append(f"outside the measured {', '.join(axes)}: the interval is widened")
        result.append(ConfigPrediction(n, steps, k, epochs, n * steps // k, float(sps[i]), float(low[i]),
                                       float(high[i]), float(seconds[i]), "phases", tuple(axes), tuple(notes)))
    return result


def _measured_minibatches(section: Any, num_envs: int) -> int:
    """The count measured at ``num_envs``: the sweep's minibatch rule, else the nearest point's."""
    if section.workload.minibatch_size is not None:
        return section.workload.minibatches_at(num_envs)
    ok = section.ok_points
    if not ok:
        return section.workload.minibatches_at(num_envs)
    nearest = min(ok, key=lambda p: abs(math.log(p.num_envs / num_envs)))
    return nearest.num_minibatches or section.workload.num_minibatches


def _from_fused(curves: MjxCurves, rows: list[tuple[int, int, int, int]]) -> list[ConfigPrediction]:
    section, fit = curves.section, curves.throughput
    w = section.workload
    n = np.asarray([r[0] for r in rows], dtype=float)
    sps = fit.predict(n)
    low, high = fit.predict_interval(n)
    outside = fit.is_extrapolation(n)
    result = []
    for i, (envs, steps, k, epochs) in enumerate(rows):
        k0 = _measured_minibatches(section, envs)
        shifts = {"num_minibatches": (k, k0), "num_steps": (steps, w.num_steps), "update_epochs": (epochs, w.update_epochs)}
        # more minibatches or epochs than measured can only slow the iteration, fewer only speed it up:
        # those widen one side; num_steps changes both the rollout and the batch, so it widens both
        slower = sum(AXIS_WIDENING[name] * max(math.log2(v / v0), 0) for name, (v, v0) in shifts.items()
                     if name != "num_steps")
        faster = sum(AXIS_WIDENING[name] * max(math.log2(v0 / v), 0) for name, (v, v0) in shifts.items()
                     if name != "num_steps")
        both = AXIS_WIDENING["num_steps"] * abs(math.log2(steps / w.num_steps))
        axes = (("num_envs",) if outside[i] else ()) + tuple(name for name, (v, v0) in shifts.items() if v != v0)
        notes = ["this profile has no phase timings, so train_sps comes from the fused curve over num_envs, "
                 f"measured at num_steps={w.num_steps}, num_minibatches={k0}, update_epochs={w.update_epochs}"]
        if len(axes) > ("num_envs" in axes):
            changed = ", ".join(f"{name}={v} (measured {v0})" for name, (v, v0) in shifts.items() if v != v0)
            notes.append(f"{changed}: the prediction is the measured shape's, with the interval widened by "
                         "0.2 (minibatches) or 0.1 (steps, epochs) in log per doubling, on the slow side for more "
                         "minibatches or epochs than measured; calibrate again to time the phases")
        result.append(ConfigPrediction(envs, steps, k, epochs, envs * steps // k, float(sps[i]),
                                       float(low[i]) / math.exp(slower + both), float(high[i]) * math.exp(faster + both),
                                       envs * steps / float(sps[i]), "fused", axes, tuple(notes)))
    return result
