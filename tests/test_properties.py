"""Invariants that must hold for any profile and any inputs (property-based, hypothesis)."""

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.kinds.mjx.recommend import recommend_mjx
from models.vectorised import fit_vectorised
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
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
    base, slope = draw(st.floats(1e6, 4e9)), draw(st.floats(1e2, 1e7))
    points = []
    for n, factor in zip(grid, noise):
        sps = n * num_steps / (latency + per_env * n) * factor
        samples = tuple(sps * draw(st.floats(0.9, 1.1)) for _ in range(draw(st.integers(1, 4))))
        peak = int((base + slope * n) * draw(st.floats(0.95, 1.05))) if with_memory else None
        points.append(MjxPoint(num_envs=n, num_steps=num_steps, train_sps=sps, train_sps_samples=samples,
                               peak_bytes=peak, compile_s=draw(st.one_of(st.none(), st.floats(0.1, 300)))))
    if draw(st.booleans()):
        points.append(MjxPoint(num_envs=grid[-1] * 2, num_steps=num_steps, status="oom", error="RESOURCE_EXHAUSTED"))
    capacity = draw(st.one_of(st.none(), st.integers(GIB // 4, 200 * GIB)))
    return MjxSection(workload=MjxWorkload(num_steps=num_steps), accelerator=Accelerator("gpu", "G", capacity),
                      memory_source="jax_allocator_peak" if with_memory else "unknown", points=tuple(points))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(section=sections(), target=st.integers(1, 10**11), headroom=st.floats(0.05, 1.0),
       objective=st.sampled_from(["efficient", "max-throughput"]), minibatch=st.integers(1, 100_000))
def test_recommendation_invariants(section, target, headroom, objective, minibatch):
    rec = recommend_mjx(fit_vectorised(section), target, profile="p", objective=objective, headroom=headroom,
                        minibatch_size=minibatch)
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
