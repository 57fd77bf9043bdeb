"""The lack-of-fit test and the monotone interpolant, against hand-worked values and invariants."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.interpolation import chi2_quantile, lack_of_fit, pchip


@pytest.mark.parametrize(("p", "dof", "exact"), [
    (0.999, 1, 10.828), (0.999, 2, 13.816), (0.999, 3, 16.266), (0.999, 5, 20.515), (0.99, 4, 13.277),
    (0.95, 10, 18.307), (0.5, 20, 19.337)])
def test_chi2_quantile_is_within_two_percent_of_the_tables(p, dof, exact):
    assert chi2_quantile(p, dof) == pytest.approx(exact, rel=0.02)


def test_lack_of_fit_by_hand():
    # residuals of 0.1, -0.1 in logs against a noise of 0.03: statistic 0.02 / 0.0009 = 22.2 on
    # 4 - 2 = 2 dof, above the 0.1% critical value (13.8): rejected; the worst miss is e^0.1 - 1
    found = lack_of_fit([0.1, -0.1, 0.0, 0.0], n_params=2, noise_sigma=0.03)
    assert found.statistic == pytest.approx(0.02 / 0.0009)
    assert found.dof == 2 and found.rejected
    assert found.worst == pytest.approx(math.expm1(0.1))
    # the same misses against a noise of 0.06 are what noise does: 5.6 < 13.8
    assert not lack_of_fit([0.1, -0.1, 0.0, 0.0], n_params=2, noise_sigma=0.06).rejected
    # a form with as many parameters as points has nothing to test
    assert lack_of_fit([0.0, 0.0], n_params=2, noise_sigma=0.03) is None


def test_lack_of_fit_false_alarms_at_its_rate_when_the_form_is_right():
    # a straight line fitted to a straight line plus noise: its residuals have points - 2 degrees
    # of freedom, and the test rejects it as often as its false-alarm rate says
    rng = np.random.default_rng(7)
    x = np.log([16, 32, 64, 128, 256, 512])

    def rejected() -> bool:
        y = 0.4 * x + rng.normal(0, 0.03, x.size)
        residuals = np.polyval(np.polyfit(x, y, 1), x) - y
        return lack_of_fit(residuals, n_params=2, noise_sigma=0.03, false_alarm=0.05).rejected

    assert np.mean([rejected() for _ in range(4000)]) == pytest.approx(0.05, abs=0.012)


def test_pchip_by_hand_and_through_its_knots():
    x, y = np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 3.0])
    # slopes: secants 1 and 2; the middle knot's slope is their harmonic mean 4/3 (equal spacing);
    # the ends: (3*1 - 2)/2 = 0.5 and (3*2 - 1)/2 = 2.5. At 0.5 the Hermite cubic gives
    # 0.5*0 + 0.125*0.5 + 0.5*1 - 0.125*4/3 = 0.39583...
    assert pchip(x, y, [0.5])[0] == pytest.approx(0.5 + 0.0625 - 1 / 6)
    assert np.allclose(pchip(x, y, x), y)
    # a flat stretch stays flat: no overshoot past a plateau
    flat = pchip([0, 1, 2, 3], [0, 1, 1, 1], np.linspace(1, 3, 21))
    assert np.allclose(flat, 1.0)
    with pytest.raises(ValueError, match="increasing"):
        pchip([0, 0], [1, 2], [0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.05, 3.0), min_size=2, max_size=8), st.lists(st.floats(-1.0, 1.0), min_size=8, max_size=8))
def test_pchip_is_monotone_and_stays_within_its_knots_between_them(gaps, rises):
    # monotone data (any mix of rises and flat stretches) gives a monotone interpolant that never
    # leaves the range of the two knots around it
    x = np.concatenate(([0.0], np.cumsum(gaps)))
    steps = np.abs(np.array(rises[: x.size - 1]))
    y = np.concatenate(([0.0], np.cumsum(steps)))
    at = np.linspace(x[0], x[-1], 400)
    values = pchip(x, y, at)
    assert np.all(np.diff(values) >= -1e-9)
    i = np.clip(np.searchsorted(x, at, side="right") - 1, 0, x.size - 2)
    assert np.all(values >= y[i] - 1e-9) and np.all(values <= y[i + 1] + 1e-9)
    assert np.allclose(pchip(x, y, x), y)
