"""RLlib prediction intervals (env steps/s, speedup, efficiency) and their leave-one-out coverage."""

import numpy as np
import pytest

from advisor import catalog
from models.scaling import RunnerScalingModel
from models.scaling_intervals import scaling_intervals
from models.usl import usl_throughput
from models.validation_rllib import validate_rllib

KEYS = [(1, 1), (2, 1), (4, 1), (8, 1), (8, 2), (1, 2)]  # the source write-up's table (env steps/s = 1000 x speedup)
SPS = [1000, 1724, 2680, 4120, 5760, 1568]


def test_primary_curve_intervals_are_the_usl_ones_and_contain_the_prediction():
    model = RunnerScalingModel().fit(KEYS, SPS)
    grid = [(r, 1) for r in (1, 2, 3, 4, 8, 15)]
    iv = scaling_intervals(model, grid)
    low, high = model.usl_.predict_interval([r for r, _ in grid])
    assert iv.env_steps_per_s[0] == pytest.approx(low) and iv.env_steps_per_s[1] == pytest.approx(high)
    pred, speed, eff = model.predict(grid), model.speedup(grid), model.efficiency(grid)
    assert np.all(iv.env_steps_per_s[0] <= pred) and np.all(pred <= iv.env_steps_per_s[1])
    assert np.all(iv.speedup[0] <= speed) and np.all(speed <= iv.speedup[1])
    assert np.all(iv.efficiency[0] <= eff) and np.all(eff <= iv.efficiency[1])
    assert iv.efficiency[0] == pytest.approx(iv.speedup[0] / [r for r, _ in grid])
    # 1r x 1e over itself is exactly 1; beyond the measured 8 runners the interval widens
    assert iv.speedup[0][0] == iv.speedup[1][0] == pytest.approx(1.0)
    widths = np.log(iv.speedup[1] / iv.speedup[0])
    assert widths[-1] > widths[-2] > 0


def test_a_second_env_per_runner_carries_its_multiplier_spread():
    model = RunnerScalingModel().fit(KEYS, SPS)
    one = scaling_intervals(model, [(4, 1)]).env_steps_per_s
    two = scaling_intervals(model, [(4, 2)]).env_steps_per_s
    assert np.log(two[1] / two[0])[0] > np.log(one[1] / one[0])[0]
    assert two[0][0] <= model.predict([(4, 2)])[0] <= two[1][0]


def test_no_baseline_no_speedup_interval():
    model = RunnerScalingModel().fit([(1, 2), (2, 2), (4, 2)], [100, 180, 300])
    iv = scaling_intervals(model, [(2, 2)])
    assert iv.speedup is None and iv.efficiency is None and iv.env_steps_per_s[0][0] < 180 * 1.1


def test_write_up_leave_one_out_meets_the_goals():
    result = validate_rllib(KEYS, SPS)
    assert result.confidence == 0.9 and result.coverage == 1.0
    assert result.worst_interior_error <= 0.10  # 2 and 4 runners held out: +0.4%, +5.7%
    assert [(r.num_env_runners, r.interior) for r in result.rows if r.interior] == [(2, True), (4, True)]


def test_shipped_two_core_profile_reports_its_miss():
    ok = catalog.load_shipped("epyc-2core-cpu-halfcheetah").section("rllib").ok_points
    result = validate_rllib([p.key for p in ok], [p.env_steps_per_s for p in ok], [p.env_steps_per_s_samples for p in ok])
    miss = [(r.num_env_runners, r.num_envs_per_env_runner) for r in result.rows if r.inside is False]
    assert miss == [(2, 1)]  # the sharp peak at 2 runners cannot be seen from 1, 3 and 4 runners
    assert result.coverage == pytest.approx(7 / 8)


def test_held_out_points_fall_inside_at_about_the_stated_rate():
    # USL curves with 5% log-normal run-to-run noise, three timed iterations per point: over many held-out
    # points the 90% interval should hold about 90% of them (not far fewer: too narrow; not all: too wide)
    rng = np.random.default_rng(11)
    runners = np.array([1, 2, 4, 6, 8, 12, 15])
    inside = []
    for _ in range(25):
        lam, sigma, kappa = rng.uniform(500, 2000), rng.uniform(0.0, 0.15), rng.uniform(0.0, 0.004)
        truth = usl_throughput(runners, lam, sigma, kappa)
        samples = [tuple(t * np.exp(rng.normal(0, 0.05, 3))) for t in truth]
        medians = [float(np.median(s)) for s in samples]
        result = validate_rllib([(int(r), 1) for r in runners], medians, samples)
        inside += [r.inside for r in result.rows if r.interior]
    rate = np.mean(inside)
    assert 0.8 <= rate <= 1.0, rate
