import math

import numpy as np
import pytest
from scipy import stats

from models.stats import levenberg_marquardt, normal_quantile, t_quantile


@pytest.mark.parametrize("p", [0.001, 0.025, 0.05, 0.5, 0.9, 0.95, 0.975, 0.999])
def test_normal_quantile_matches_scipy(p):
    assert normal_quantile(p) == pytest.approx(stats.norm.ppf(p), abs=1e-8)


@pytest.mark.parametrize("dof", [1, 2, 3, 4, 5, 8, 15, 30, 100])
@pytest.mark.parametrize("p", [0.9, 0.95, 0.975])
def test_t_quantile_within_one_percent_of_scipy(p, dof):
    assert t_quantile(p, dof) == pytest.approx(stats.t.ppf(p, dof), rel=0.01)


def test_levenberg_marquardt_recovers_an_exponential_decay():
    x = np.linspace(0, 4, 30)
    y = 2.5 * np.exp(-1.3 * x) + 0.5
    theta, jac, cost = levenberg_marquardt(lambda t: t[0] * np.exp(-t[1] * x) + t[2] - y, np.array([1.0, 0.5, 0.0]))
    assert theta == pytest.approx([2.5, 1.3, 0.5], rel=1e-5)
    assert cost < 1e-12
    assert jac.shape == (30, 3)
    assert math.isfinite(cost)
