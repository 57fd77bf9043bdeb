"""Invariants that must hold for any profile and any inputs (property-based, hypothesis)."""

import dataclasses
import math

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.kinds.mjx.conf import emit_conf
from advisor.kinds.mjx.config_prediction import fit_mjx, predict_config
from advisor.kinds.mjx.recommend import MjxConstraints, recommend_mjx
from models.num_envs_curves import fit_vectorised
from models.scaling import RunnerScalingModel
from models.scaling_intervals import scaling_intervals
from models.usl import usl_throughput
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload, UpdatePhase
from profiler.minibatch import choose_num_minibatches
from profiler.profile import Accelerator

GIB = 2**30


@given(num_envs=st.integers(1, 2**17), num_steps=st.integers(1, 1000), target=st.integers(1, 10**6))
def test_minibatches_always_divide_exactly(num_envs, num_steps, target):
    k = choose_num_minibatches(num_envs, num_steps, target)
    assert k >= 1 and (num_envs * num_steps) % k == 0


@st.composite
def sections(draw):
    grid = sorted(draw(st.sets(st.sampled_from([2**k for k in range(4, 18)]), min_size=1, max_size=8)))
    num_steps = draw(st.sampled_from([10, 20, 50, 100]))
    latency = draw(st.floats(1e-3, 5.0))
    per_env = draw(st.floats(1e-7, 1e-2))
    noise = draw(st.lists(st.floats(0.7, 1.3), min_size=len(grid), max_size=len(grid)))
    with_memory = draw(st.booleans())
    with_xla = with_memory and draw(st.booleans())
    base, slope = draw(st.floats(1e6, 4e9)), draw(st.floats(1e2, 1e7))
    points = []
    for n, factor in zip(grid, noise):
        sps = n * num_steps / (latency + per_env * n) * factor
        samples = tuple(sps * draw(st.floats(0.9, 1.1)) for _ in range(draw(st.integers(1, 4))))
        # XLA's buffers: per-env bytes that drift from segment to segment; the peak adds a noisy overhead
        xla = int(base * 0.2 + slope * n * draw(st.floats(0.8, 1.2))) if with_xla else None
        peak = (int((base + slope * n) * draw(st.floats(0.95, 1.05))) if xla is None else
                int(xla + base * 0.8 * draw(st.floats(0.5, 1.5)))) if with_memory else None
        points.append(MjxPoint(num_envs=n, num_steps=num_steps, train_sps=sps, train_sps_samples=samples,
                               peak_bytes=peak, xla_bytes=xla, compile_s=draw(st.one_of(st.none(), st.floats(0.1, 300)))))
    if draw(st.booleans()):
        points.append(MjxPoint(num_envs=grid[-1] * 2, num_steps=num_steps, status="oom", error="RESOURCE_EXHAUSTED",
                               xla_bytes=int(base * 0.2 + slope * grid[-1] * 2) if with_xla else None))
    capacity = draw(st.one_of(st.none(), st.integers(GIB // 4, 200 * GIB)))
    platform = draw(st.sampled_from(["gpu", "cpu"])) if with_xla else "gpu"
    source = ("jax_allocator_peak" if platform == "gpu" else "host_peak_rss") if with_memory else "unknown"
    return MjxSection(workload=MjxWorkload(num_steps=num_steps), accelerator=Accelerator(platform, "G", capacity),
                      memory_source=source, points=tuple(points))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(section=sections(), target=st.integers(1, 10**11), headroom=st.floats(0.05, 1.0),
       objective=st.sampled_from(["efficient", "max-throughput"]), minibatch=st.integers(1, 100_000))
def test_recommendation_invariants(section, target, headroom, objective, minibatch):
    rec = recommend_mjx(fit_vectorised(section), target, profile="p", objective=objective,
                        constraints=MjxConstraints(headroom=headroom, minibatch_size=minibatch))
    if rec.chosen is None:
        assert rec.reason.startswith("no recommendation") and len(rec.reason) > 30
        return
    c = rec.chosen
    assert (c.num_envs * section.workload.num_steps) % c.num_minibatches == 0
    assert c.minibatch_size * c.num_minibatches == c.num_envs * section.workload.num_steps
    assert c.fits and c.num_updates >= 1
    if c.peak_bytes_upper is not None and rec.memory_budget_bytes is not None:
        assert c.peak_bytes_upper <= rec.memory_budget_bytes
    if section.oom_num_envs is not None:
        assert c.num_envs < section.oom_num_envs
    for value in (c.time_s, c.time_low_s, c.time_high_s, c.train_sps, c.train_sps_low, c.train_sps_high):
        assert math.isfinite(value) and value > 0
    assert c.time_low_s <= c.time_s <= c.time_high_s
    assert c.train_sps_low <= c.train_sps <= c.train_sps_high
    assert c.env_steps <= target and c.env_steps > 0


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(section=sections())
def test_memory_bound_is_above_the_prediction_and_grows_with_num_envs(section):
    curves = fit_vectorised(section)
    grid = sorted({*range(1, 64, 9), *(int(v) for v in np.geomspace(1, 2**19, 50)), *curves.measured_num_envs})
    rows = [curves.peak_bytes(n) for n in grid]
    if rows[0][0] is None:
        assert all(r == (None, None, None) for r in rows)
        return
    peak, upper, basis = (np.array(v) for v in zip(*rows))
    assert np.all(upper >= peak)
    assert np.all(np.diff(upper) >= -1e-6 * upper[1:])
    if any(p.xla_bytes for p in section.points) and curves.xla_memory is not None:
        assert set(basis) <= {"xla", "xla-fit"}  # XLA's bytes are used wherever the profile has them


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(section=sections(), data=st.data())
def test_throughput_intervals_contain_the_prediction(section, data):
    curves = fit_vectorised(section)
    if curves.throughput is None:
        return
    n = np.array(data.draw(st.lists(st.integers(1, 2**20), min_size=1, max_size=5)), dtype=float)
    low, high = curves.throughput.predict_interval(n)
    assert np.all(low <= curves.throughput.predict(n) * (1 + 1e-12)) and np.all(curves.throughput.predict(n) <= high * (1 + 1e-12))


@st.composite
def rllib_data(draw):
    runners = sorted(draw(st.sets(st.integers(1, 32), min_size=2, max_size=7)))
    lam, sigma, kappa = draw(st.floats(10, 1e5)), draw(st.floats(0, 1.5)), draw(st.floats(0, 0.05))
    keys, values, samples = [], [], []
    for envs in sorted({1} | draw(st.sets(st.integers(2, 4), max_size=1))):
        for r in (runners if envs == 1 else draw(st.sets(st.sampled_from(runners), min_size=1))):
            x = float(usl_throughput(r, lam, sigma, kappa)) * (1 + 0.3 * (envs - 1)) * draw(st.floats(0.8, 1.25))
            keys.append((r, envs))
            values.append(x)
            samples.append(tuple(x * draw(st.floats(0.9, 1.1)) for _ in range(draw(st.integers(1, 3)))))
    return keys, values, samples


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=rllib_data(), at=st.lists(st.integers(1, 64), min_size=1, max_size=4))
def test_rllib_intervals_contain_the_point_predictions(data, at):
    keys, values, samples = data
    model = RunnerScalingModel().fit(keys, values, y_samples=samples)
    grid = [(r, e) for e in model.envs_per_runner_ for r in at]
    iv = scaling_intervals(model, grid)
    tol = 1 + 1e-9
    pred = model.predict(grid)
    assert np.all(iv.env_steps_per_s[0] <= pred * tol) and np.all(pred <= iv.env_steps_per_s[1] * tol)
    if iv.speedup is not None:
        for (low, high), value in ((iv.speedup, model.speedup(grid)), (iv.efficiency, model.efficiency(grid))):
            assert np.all(low <= value * tol) and np.all(value <= high * tol) and np.all(low > 0)


@st.composite
def phased_sections(draw):
    """:func:`sections`, often with the phases timed: a rollout per point and the update phase at the
    point's 32 minibatches and at another count that divides its batch."""
    section = draw(sections())
    if not draw(st.booleans()):
        return section
    steps = section.workload.num_steps
    roll_latency, roll_per_env = draw(st.floats(1e-4, 1e-1)), draw(st.floats(1e-8, 1e-4))
    step_latency, step_per_sample = draw(st.floats(1e-5, 1e-2)), draw(st.floats(1e-9, 1e-5))
    points = []
    for p in section.points:
        if not p.ok:
            points.append(p)
            continue
        batch = p.num_envs * steps
        other = draw(st.sampled_from([k for k in (1, 2, 8, 128, 1024) if batch % k == 0]))
        updates = tuple(UpdatePhase(k, (4 * k * (step_latency + step_per_sample * batch / k)
                                        * draw(st.floats(0.9, 1.1)),)) for k in sorted({32, other}))
        rollout = steps * (roll_latency + roll_per_env * p.num_envs) * draw(st.floats(0.9, 1.1))
        points.append(dataclasses.replace(p, rollout_s_samples=(rollout,), update_phases=updates))
    return dataclasses.replace(section, points=tuple(points))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(section=phased_sections(), target=st.integers(10**4, 10**10), headroom=st.floats(0.05, 1.0),
       objective=st.sampled_from(["efficient", "max-throughput", "same-batch"]), min_updates=st.integers(0, 2000))
def test_every_printed_prediction_is_for_the_exact_emitted_config(section, target, headroom, objective, min_updates):
    curves = fit_mjx(section)
    rec = recommend_mjx(curves, target, profile="p", objective=objective,
                        constraints=MjxConstraints(headroom=headroom, min_updates=min_updates))
    for o in rec.options:  # every row of the table
        p = predict_config(curves, o.num_envs, o.num_steps, o.num_minibatches, o.update_epochs)
        for mine, its in ((o.train_sps, p.train_sps), (o.train_sps_low, p.train_sps_low), (o.train_sps_high, p.train_sps_high)):
            assert math.isclose(mine, its, rel_tol=1e-12)  # one config alone, or all the table's at once
        assert o.basis == ("phases" if curves.phases is not None else "fused")
        assert (o.excluded is None) == (o.fits and o.num_updates >= max(min_updates, 1))
    if rec.chosen is None:
        assert rec.reason.startswith("no recommendation")
        return
    c = rec.chosen
    assert c.num_updates >= min_updates and c.excluded is None
    experiment = yaml.safe_load(emit_conf(rec))["experiment"]
    assert (experiment["num_envs"], experiment["num_steps"], experiment["num_minibatches"],
            experiment["update_epochs"]) == (c.num_envs, c.num_steps, c.num_minibatches, c.update_epochs)
    assert (c.num_envs * c.num_steps) % c.num_minibatches == 0
    emitted = predict_config(curves, experiment["num_envs"], experiment["num_steps"], experiment["num_minibatches"],
                             experiment["update_epochs"])
    # a config a point measured exactly is printed as measured, with the fit's figure beside it
    said = "measured" if c.measured and c.fit_train_sps is not None else "predicted"
    assert f"{said} train_sps: {emitted.train_sps:,.0f} env steps/s" in emit_conf(rec)
    assert f"num_updates: {emitted.num_updates(target):,} PPO updates" in emit_conf(rec)
