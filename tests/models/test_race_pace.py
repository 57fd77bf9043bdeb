"""The race's pace: env steps/s and start-up read off score curves, and the correction that sets a
calibration's figures to it, on hand-worked curves."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.race_pace import config_paces, pace_correction, run_pace


def curve(start_s, sps, steps, every):
    return [(start_s + e / sps, e) for e in range(every, steps + 1, every)]


def test_a_runs_pace_is_its_line_through_the_curve():
    sps, start = run_pace(curve(2.5, 6_000.0, 30_000, 1_024))
    assert sps == pytest.approx(6_000.0, rel=1e-9) and start == pytest.approx(2.5, abs=1e-9)


def test_a_curve_too_short_or_not_advancing_gives_no_pace():
    assert run_pace([(1.0, 100), (1.2, 200)]) is None  # two points
    assert run_pace([(1.0, 100), (1.1, 200), (1.2, 300)]) is None  # 0.2 s
    assert run_pace([(1.0, 300), (2.0, 200), (3.0, 100)]) is None  # steps going back
    assert run_pace([(1.0, 0), (2.0, 0), (3.0, 0), (4.0, 100)]) is None  # no training yet


def test_a_configs_pace_is_the_median_of_its_runs_with_their_range():
    runs = [(8, curve(2.0, sps, 30_000, 1_000)) for sps in (5_000.0, 6_000.0, 6_600.0)] + [(2, [(1.0, 5)])]
    paces = config_paces(runs)
    assert set(paces) == {8}
    p = paces[8]
    assert (p.env_steps_per_s, p.low, p.high, p.runs) == pytest.approx((6_000.0, 5_000.0, 6_600.0, 3))
    assert p.start_s == pytest.approx(2.0)


def test_the_correction_is_the_race_over_the_calibration_and_interpolates_in_log_num_envs():
    # raced at 2 and 8 envs at 1.2x and 1.5x the calibration, started 1 s before its fixed cost;
    # 4 envs lies halfway in log num_envs: ratio sqrt(1.2 x 1.5); 1 and 16 take the nearest
    calibrated = {1: (800.0, 3.0), 2: (1_500.0, 3.0), 4: (2_900.0, 3.0), 8: (5_000.0, 3.2), 16: (7_000.0, 3.4)}
    paces = config_paces([(2, curve(2.0, 1_800.0, 20_000, 500)), (8, curve(2.2, 7_500.0, 40_000, 1_000))])
    fix = pace_correction(paces, calibrated)
    assert set(fix) == set(calibrated)
    assert fix[2].source == fix[8].source == "raced"
    assert fix[2].ratio == pytest.approx(1.2) and fix[8].ratio == pytest.approx(1.5)
    assert fix[2].offset_s == pytest.approx(-1.0) and fix[8].offset_s == pytest.approx(-1.0)
    assert fix[4].source == "between" and fix[4].ratio == pytest.approx(math.sqrt(1.2 * 1.5))
    assert (fix[4].low, fix[4].high) == pytest.approx((1.2, 1.5))  # every raced ratio's range
    assert fix[1].source == fix[16].source == "beyond"
    assert fix[1].ratio == pytest.approx(1.2) and fix[16].ratio == pytest.approx(1.5)


def test_no_raced_pace_means_no_correction():
    assert pace_correction({}, {4: (1_000.0, 1.0)}) == {}
    paces = config_paces([(8, curve(1.0, 500.0, 5_000, 500))])
    assert pace_correction(paces, {4: (1_000.0, 1.0)}) == {}  # the raced config is not in the table


@settings(max_examples=60, deadline=None)
@given(start=st.floats(0.0, 30.0), sps=st.floats(10.0, 1e7), every=st.integers(1, 10_000), n=st.integers(3, 200),
       jitter=st.lists(st.floats(-1e-3, 1e-3), min_size=200, max_size=200))
def test_fuzz_a_straight_curve_gives_back_its_pace(start, sps, every, n, jitter):
    # invariant: a curve on wall = start + steps / sps (jittered by under a millisecond) gives sps and
    # start back, whatever the scale, when it spans enough time to be timed at all
    points = [(start + (i * every) / sps + jitter[i % 200], i * every) for i in range(1, n + 1)]
    span = (n - 1) * every / sps
    pace = run_pace(points)
    if span < 1.0:
        return
    got_sps, got_start = pace
    assert got_sps == pytest.approx(sps, rel=0.01)
    assert got_start == pytest.approx(start, abs=0.01)
