"""Vectorised scaling: curves over ``num_envs`` for every kind whose envs step in one batch on one
device (MJX/JAX PPO, Brax, a user's command). Pure: no I/O.

A section that these curves fit has ``ok_points`` (each with ``num_envs``, ``train_sps`` and its
``train_sps_samples``, optional ``peak_bytes``, ``xla_bytes`` and ``compile_s``), ``points``,
``point(num_envs)``, ``memory_source``, ``accelerator`` (with ``memory_bytes``) and
``workload.num_steps`` (env steps per env per iteration); optional points' fields may be absent.
A section whose program has no XLA memory analysis sets ``xla_applies = False`` (no note then asks
for XLA's bytes).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.base import distinct
from models.memory import PeakMemoryModel, XlaOverheadModel
from models.memory_envs import EnvsPeakBound, XlaAlongEnvs
from models.stats import at_measurement
from models.throughput import TrainThroughputModel
from profiler.contention import fit_notes


def xla_memory_model(memory_source: str, platform: str | None = None) -> PeakMemoryModel | XlaOverheadModel:
    """The unfitted model of peak bytes over XLA's memory analysis for a profile's memory source.

    The allocator peak of a GPU/TPU process is XLA's buffers plus a fixed runtime overhead
    (:class:`XlaOverheadModel`); a CPU process's peak RSS also holds the interpreter and XLA's
    runtime, and XLA's CPU temporaries are not all resident at once, so there it is a linear
    calibration (:class:`PeakMemoryModel`, widening less per doubling than along num_envs since
    XLA's bytes are the buffers themselves). Peaks imported from a GPU or TPU are taken to be
    allocator peaks too."""
    if memory_source == "jax_allocator_peak" or (memory_source == "imported" and platform in ("gpu", "tpu")):
        return XlaOverheadModel()
    return PeakMemoryModel(extrapolation_widening=0.02)


def xla_calibration(section: Any) -> PeakMemoryModel | XlaOverheadModel | None:
    """Peak bytes as a function of XLA's memory analysis (bytes), from the measured points that
    have both; ``None`` with fewer than two."""
    pairs = [(p.xla_bytes, p.peak_bytes) for p in section.ok_points if getattr(p, "xla_bytes", None) and p.peak_bytes]
    if len({x for x, _ in pairs}) < 2:
        return None
    return xla_memory_model(section.memory_source, section.accelerator.platform).fit(
        [x for x, _ in pairs], [y for _, y in pairs])


def envs_bound(section: Any, calibration: PeakMemoryModel | XlaOverheadModel | None) -> EnvsPeakBound | None:
    """Peak bytes along num_envs through XLA's bytes: every point with XLA bytes (measured, or
    compiled alone) pins the bytes; ``None`` without a calibration."""
    if calibration is None:
        return None
    compiled = [(p.num_envs, p.xla_bytes) for p in section.points if getattr(p, "xla_bytes", None)]
    along = XlaAlongEnvs().fit([n for n, _ in compiled], [x for _, x in compiled])
    return EnvsPeakBound(along, calibration)


@dataclass(frozen=True)
class ThroughputAt:
    """env steps/s at some num_envs (arrays): the answer with its 90% interval, the fit's own
    prediction, and whether each num_envs was measured (then the answer is the measurement)."""

    train_sps: np.ndarray
    low: np.ndarray
    high: np.ndarray
    fit: np.ndarray
    measured: np.ndarray


@dataclass(frozen=True)
class VectorCurves:
    """Fitted curves of one vectorised section. A model is ``None`` when the data cannot support it;
    ``notes`` then says why.

    Peak memory comes from XLA's memory analysis where the profile has it (``envs_memory``:
    XLA's bytes at compiled sizes, predicted between and beyond them, then the allocator peak
    over them through ``xla_memory``, calibrated against measured peaks); without XLA bytes,
    from the ``memory`` fit over num_envs.
    """

    section: Any
    throughput: TrainThroughputModel | None
    memory: PeakMemoryModel | None
    compile_s: float | None
    notes: tuple[str, ...]
    xla_memory: PeakMemoryModel | XlaOverheadModel | None = None
    envs_memory: EnvsPeakBound | None = None
    #: the interval of a training run's compile (s) that a time to target's interval carries
    compile_range_s: tuple[float, float] | None = None
    #: where ``compile_s`` comes from, in words (see :func:`training_compile`)
    compile_basis: str | None = None

    def peak_bytes(self, num_envs: int) -> tuple[float | None, float | None, str | None]:
        """``(predicted, upper bound, basis)`` for peak memory at ``num_envs``; basis is ``xla``
        (XLA's bytes compiled at this size), ``xla-fit`` (XLA's bytes predicted along num_envs),
        ``fit`` (peaks fitted along num_envs, no XLA bytes) or ``None`` (unknown)."""
        if self.envs_memory is not None:
            return (float(self.envs_memory.predict([num_envs])[0]), float(self.envs_memory.predict_upper([num_envs])[0]),
                    "xla" if self.envs_memory.is_compiled(num_envs) else "xla-fit")
        if self.memory is not None:  # the bound's margin is convex in num_envs: held at its value at 1 env below that
            upper = max(float(self.memory.predict_upper([num_envs])[0]), float(self.memory.predict_upper([1])[0]))
            return float(self.memory.predict([num_envs])[0]), upper, "fit"
        return None, None, None

    def peak_bytes_at(self, num_envs: int, num_steps: int | None, num_minibatches: int | None = None,
                      ) -> tuple[float | None, float | None, str | None, str | None]:
        """:meth:`peak_bytes` for a rollout of ``num_steps`` and ``num_minibatches`` per epoch
        (``None``: the measured ones), and a note when either differs from the measured shape
        (else ``None``).

        The curves were measured at one ``num_steps`` and the profile's minibatch count. A longer
        rollout holds a larger batch (the rollout buffer, GAE's arrays), and fewer minibatches a
        larger minibatch (the update's activations and gradients per step), so such a config is
        bounded by the measured curve at the smallest num_envs whose batch and minibatch are both at
        least as large; that also counts per-env state for envs that do not run, which only raises
        the bound. A shorter rollout or more minibatches are bounded by the measured shape at the
        same num_envs. Where the profile's minibatch size was held fixed across num_envs
        (``minibatch_size``) no measured point has a larger minibatch: the upper bound is then
        ``None``, with a note."""
        measured = self.num_steps
        steps = num_steps or measured
        need = num_envs * max(1.0, steps / measured)  # num_envs of the measured shape with as large a batch
        reasons = []
        if steps != measured:
            reasons.append(f"num_steps={steps} (measured at {measured})")
        minibatches_at = getattr(self.section.workload, "minibatches_at", None)
        if num_minibatches and minibatches_at is not None:
            minibatch = num_envs * steps / num_minibatches
            measured_k = minibatches_at(math.ceil(need))
            if minibatch > math.ceil(need) * measured / measured_k:
                if getattr(self.section.workload, "minibatch_size", None) is not None:
                    peak, _upper, basis = self.peak_bytes(num_envs)
                    return peak, None, basis, (
                        f"minibatches of {minibatch:,.0f} samples are larger than any this profile measured (about "
                        f"{self.section.workload.minibatch_size:,}): peak memory has no upper bound here")
                need = max(need, minibatch * measured_k / measured)
                reasons.append(f"{num_minibatches} minibatches of {minibatch:,.0f} samples (measured: {measured_k} "
                               f"per epoch)")
        equivalent = math.ceil(need)
        peak, upper, basis = self.peak_bytes(equivalent)
        if equivalent == num_envs:
            note = None if steps == measured else (
                f"peak memory for num_steps={steps} is the measured num_steps={measured} figure at {num_envs} envs: its "
                "rollout buffer is larger, so this over-states it")
            return peak, upper, basis, note
        return peak, upper, basis, (f"peak memory for {' and '.join(reasons)} is read at {equivalent:,} envs, whose batch "
                                    "and minibatch at the measured shape are as large: a bound that covers this config, "
                                    "not a measurement of it")

    def throughput_at(self, num_envs) -> ThroughputAt:
        """env steps/s at each ``num_envs`` of the measured shape: the fit's, except where that
        num_envs was measured, where it is the measurement (:func:`models.stats.at_measurement`)."""
        n = np.asarray(num_envs, dtype=float).reshape(-1)
        fit = self.throughput.predict(n)
        low, high = self.throughput.predict_interval(n)
        value, low, high = fit.copy(), low.copy(), high.copy()
        measured = np.zeros(n.size, dtype=bool)
        for i, envs in enumerate(n):
            point = self.section.point(int(envs)) if float(envs).is_integer() else None
            if point is not None and point.ok and point.train_sps:
                value[i], low[i], high[i] = at_measurement(fit[i], low[i], high[i], point.train_sps,
                                                           point.train_sps_samples)
                measured[i] = True
        return ThroughputAt(value, low, high, fit, measured)

    @property
    def num_steps(self) -> int:
        return self.section.workload.num_steps

    @property
    def measured_num_envs(self) -> tuple[int, ...]:
        return tuple(p.num_envs for p in self.section.ok_points)

    @property
    def capacity_bytes(self) -> int | None:
        return self.section.accelerator.memory_bytes


def fit_vectorised(section: Any) -> VectorCurves:
    """Fit throughput and memory curves to the section's successful points."""
    ok = section.ok_points
    notes: list[str] = []
    throughput = memory = None
    n = np.array([p.num_envs for p in ok], dtype=float)
    if distinct(n).size >= 2:
        throughput = TrainThroughputModel(num_steps=section.workload.num_steps).fit(
            n, [p.train_sps for p in ok], y_samples=[p.train_sps_samples for p in ok])
        if throughput.anchored_:
            misfit = throughput.lack_of_fit_
            notes.append(f"no curve form goes through these env steps/s: the best ({throughput.form_}) misses a measured "
                         f"num_envs by up to {misfit.worst:.0%}, more than their timing noise (about "
                         f"{misfit.sigma:.0%}) explains, as when the program changes regime between two measured sizes; "
                         "between the measured num_envs advisor reads the measurements (a monotone curve through them) "
                         "and each interval also holds the form's answer; measuring more num_envs where it matters "
                         "narrows them")
    else:
        notes.append(f"throughput needs two or more measured num_envs; this profile has {len(ok)}")
    with_memory = [p for p in ok if p.peak_bytes]
    if len({p.num_envs for p in with_memory}) >= 2:
        memory = PeakMemoryModel().fit([p.num_envs for p in with_memory], [p.peak_bytes for p in with_memory])
    elif section.memory_source != "unknown":  # unknown memory is explained by the recommender
        notes.append("peak memory needs two or more measured num_envs")
    records = [(f"num_envs {p.num_envs}", getattr(p, "contention", None)) for p in ok]
    if throughput is not None:
        notes.extend(fit_notes(records))
    compile_s, compile_range, compile_basis, compile_note = training_compile(section)
    if compile_note:
        notes.append(compile_note)
    calibration = xla_calibration(section)
    if memory is not None and calibration is None and getattr(section, "xla_applies", True):
        notes.append("this profile has no XLA bytes, so peak memory between and beyond the measured sizes is fitted "
                     "to the peaks alone: a looser bound that a noisy allocator overhead can still exceed; a profile "
                     "from advisor calibrate mjx (which compiles the programs itself), or imported with an "
                     "xla_bytes column, bounds it through XLA's bytes")
    return VectorCurves(section, throughput, memory, compile_s, tuple(notes), calibration, envs_bound(section, calibration),
                        compile_range, compile_basis)


def training_compile(section: Any) -> tuple[float | None, tuple[float, float] | None, str | None, str | None]:
    """The compile time (s) a training run is predicted to pay: ``(estimate, interval, basis, note)``.

    In order of preference: the compiles of this profile's verified training runs (``advisor
    verify``: the whole run compiled alone, as the user's run compiles; cache hits excluded); the
    points compiled alone; every measured compile. Points compiled ``k`` at a time shared the
    CPUs, and XLA's compile is CPU work, so one compiling alone takes between a ``k``-th of their
    time and all of it: the interval reaches down to the fastest over ``k`` and a note says so.
    ``None``s when nothing was compiled."""
    runs = [r.measured_compile_s for r in getattr(section, "verified_runs", ())
            if r.measured_compile_s and not getattr(r, "compile_cache_hit", False)]
    if runs:
        return (statistics.median(runs), (min(runs), max(runs)),
                f"the median compile of {len(runs)} verified training run(s)", None)
    compiled = [p for p in section.points if getattr(p, "compile_s", None)]
    alone = [p.compile_s for p in compiled if getattr(p, "compile_parallel", None) == 1]
    if alone:
        return (statistics.median(alone), (min(alone), max(alone)),
                f"the median of {len(alone)} compile(s) with nothing else compiling", None)
    if not compiled:
        return None, None, None, None
    times = [p.compile_s for p in compiled]
    estimate, high = statistics.median(times), max(times)
    shared = max((getattr(p, "compile_parallel", None) or 1) for p in compiled)
    if shared == 1:
        return estimate, (min(times), high), "the median measured (its interval: the fastest to the slowest measured)", None
    low = min(times) / shared
    return (estimate, (low, high), f"the median measured, {shared} compiling at a time (interval down to a "
            f"{shared}th of the fastest)", f"every compile in this profile shared the CPUs with up to {shared - 1} "
            f"other(s); a training run compiling alone is faster, by up to {shared}x, so compile is given as "
            f"{estimate:.0f} s ({low:.0f}-{high:.0f} s); 'advisor verify' of one config measures a training run's "
            "own compile, which later predictions use")
