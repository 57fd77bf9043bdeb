"""The compile time a training run is predicted to pay: from verified runs first, then points
compiled alone, then shared compiles with an interval that reaches down to what compiling alone
could save."""

import pytest

from models.num_envs_curves import fit_vectorised, training_compile
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
from profiler.kinds.mjx.verified import VerifiedRun
from profiler.profile import Accelerator

GPU = Accelerator("gpu", "NVIDIA H200", 141 * 2**30)


def section(compiles, parallel, runs=()):
    points = tuple(MjxPoint(num_envs=n, train_sps=1000.0 * n, train_sps_samples=(1000.0 * n,), compile_s=c,
                            compile_parallel=k)
                   for n, c, k in zip((64, 1024, 4096), compiles, parallel))
    return MjxSection(workload=MjxWorkload(), accelerator=GPU, points=points, verified_runs=tuple(runs))


def run(compile_s, cache_hit=False):
    return VerifiedRun(created="2026-12-04T17:29:13+00:00", target_steps=10**8, num_envs=8192, num_steps=50,
                       num_minibatches=128, update_epochs=4, num_updates=244, env_steps=99_942_400,
                       measured_time_s=89.3, measured_compile_s=compile_s, measured_run_s=60.1,
                       measured_train_sps=1.66e6, compile_cache_hit=cache_hit)


def test_shared_compiles_give_an_interval_down_to_a_kth_of_the_fastest():
    # three points compiled 8 at a time in 84-88 s: alone, one takes between 84/8 = 10.5 s and 88 s
    estimate, interval, basis, note = training_compile(section((86.0, 84.0, 88.0), (8, 8, 8)))
    assert estimate == 86.0 and interval == pytest.approx((10.5, 88.0))
    assert "8 compiling at a time" in basis and "up to 8x" in note and "advisor verify" in note


def test_a_point_compiled_alone_is_preferred_to_shared_ones():
    estimate, interval, basis, note = training_compile(section((30.0, 84.0, 88.0), (1, 7, 7)))
    assert (estimate, interval, note) == (30.0, (30.0, 30.0), None) and "nothing else compiling" in basis


def test_verified_runs_compiles_come_first_and_cache_hits_do_not_count():
    runs = (run(29.2), run(28.3), run(1.5, cache_hit=True))
    estimate, interval, basis, note = training_compile(section((30.0, 84.0, 88.0), (1, 7, 7), runs))
    assert estimate == pytest.approx(28.75) and interval == (28.3, 29.2) and note is None
    assert basis == "the median compile of 2 verified training run(s)"


def test_profiles_without_the_record_keep_the_measured_median_and_range():
    estimate, interval, basis, note = training_compile(section((40.0, 30.0, 50.0), (None, None, None)))
    assert (estimate, interval, note) == (40.0, (30.0, 50.0), None)
    curves = fit_vectorised(section((40.0, 30.0, 50.0), (None, None, None)))
    assert curves.compile_s == 40.0 and curves.compile_range_s == (30.0, 50.0)
    assert fit_vectorised(section((86.0, 84.0, 88.0), (8, 8, 8))).notes[-1].startswith("every compile")
