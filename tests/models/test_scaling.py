"""Speedup, efficiency, rating bands and the runner x envs model, on the source write-up's table."""

import math

import numpy as np
import pytest

from models.scaling import RunnerScalingModel, efficiency, leave_one_out, rating, speedup

# the write-up's configs; env steps/s = 1000 x speedup (it gives only speedups and efficiencies)
KEYS = [(1, 1), (2, 1), (4, 1), (8, 1), (8, 2), (1, 2)]
SPS = [1000, 1724, 2680, 4120, 5760, 1568]


def test_source_definitions_by_hand():
    s = speedup(1000, [1724, 2680, 4120, 5760, 1568])
    assert s.tolist() == pytest.approx([1.724, 2.68, 4.12, 5.76, 1.568])
    # efficiency = speedup / total envs: the write-up's 86.2%, 67.0%, 51.5%, 36.0%, 78.4%
    assert efficiency(s, [2, 4, 8, 16, 2]).tolist() == pytest.approx([0.862, 0.67, 0.515, 0.36, 0.784])


@pytest.mark.parametrize("value,band", [(0.862, "excellent"), (0.7001, "excellent"), (0.70, "good"), (0.67, "good"),
                                        (0.60, "good"), (0.5999, "acceptable"), (0.515, "acceptable"),
                                        (0.50, "acceptable"), (0.4999, "poor"), (0.36, "poor"), (1.02, "excellent")])
def test_rating_bands(value, band):
    assert rating(value) == band


def test_runner_model_on_the_write_up():
    model = RunnerScalingModel().fit(KEYS, SPS)
    assert model.primary_envs_ == 1 and model.envs_per_runner_ == (1, 2)
    # the second env per runner: 1568/1000 at 1 runner, 5760/4120 at 8 runners (measured primary values)
    (r1, m1), (r8, m8) = model.envs_effect_[2]
    assert (r1, r8) == (1, 8)
    assert m1 == pytest.approx(1.568) and m8 == pytest.approx(5760 / 4120)
    # between them the multiplier is interpolated in log runners: halfway (sqrt(8) runners) it is the geometric
    # mean sqrt(1.568 * 1.39806) = 1.48059; at 4 runners (2/3 of the way) 1.568^(1/3) * 1.39806^(2/3) = 1.45255
    assert model.envs_multiplier([math.sqrt(8)], 2)[0] == pytest.approx(math.sqrt(1.568 * 5760 / 4120), rel=1e-9)
    assert model.envs_multiplier([4], 2)[0] == pytest.approx(1.568 ** (1 / 3) * (5760 / 4120) ** (2 / 3), rel=1e-9)
    assert model.envs_multiplier([4], 2)[0] == pytest.approx(1.45255, abs=1e-5)
    assert model.envs_multiplier([16], 2)[0] == pytest.approx(5760 / 4120)  # held constant beyond
    # predictions divide by the model's own 1r x 1e, so its predicted speedup and efficiency are exactly 1
    assert model.speedup([[1, 1]])[0] == pytest.approx(1.0)
    assert model.efficiency([[1, 1]])[0] == pytest.approx(1.0)
    pred = model.predict(KEYS)
    assert np.max(np.abs(pred / SPS - 1)) < 0.1
    eff = model.efficiency([[2, 1], [4, 1], [8, 1]])
    assert np.all(np.diff(eff) < 0)  # efficiency falls with runners, as measured
    assert model.is_extrapolation([[4, 1], [15, 1], [4, 2], [15, 2]]).tolist() == [False, True, False, True]
    with pytest.raises(ValueError, match="no measurements at 4 envs per runner"):
        model.predict([[2, 4]])


def test_without_a_one_env_point_there_is_no_speedup():
    model = RunnerScalingModel().fit([(1, 2), (2, 2), (4, 2)], [100, 180, 300])
    assert model.baseline_env_steps_per_s_ is None
    with pytest.raises(ValueError, match="1 env per runner"):
        model.speedup([[2, 2]])


def test_fit_rejects_what_it_cannot_model():
    with pytest.raises(ValueError, match="two or more runner counts"):
        RunnerScalingModel().fit([(1, 1), (1, 2)], [100, 150])
    with pytest.raises(ValueError, match="once"):
        RunnerScalingModel().fit([(1, 1), (1, 1), (2, 1)], [100, 100, 150])
    with pytest.raises(ValueError, match="whole numbers"):
        RunnerScalingModel().fit([(1, 1), (2.5, 1)], [100, 150])


def test_leave_one_out_rows():
    rows = leave_one_out(KEYS, SPS)
    assert [r["key"] for r in rows] == KEYS
    for row in rows:
        assert row["predicted"] is not None and abs(row["error"]) < 0.2
        assert row["error"] == pytest.approx(row["predicted"] / row["measured"] - 1)
    # the only point at 2 envs per runner cannot be predicted without it; the others can
    rows = leave_one_out([(1, 1), (2, 1), (4, 1), (1, 2)], [100, 180, 300, 150])
    assert rows[3]["predicted"] is None and "no measurements at 2 envs per runner" in rows[3]["reason"]
    assert all(r["predicted"] is not None for r in rows[:3])
