import numpy as np
import pytest

from models.base import NotFittedError
from models.memory import PeakMemoryModel


def test_exact_linear_memory_is_recovered():
    # 300 MiB fixed + 0.1 MB per env (the seed write-up's H100 humanoid figure)
    n = np.array([64, 256, 1024, 4096, 16384], dtype=float)
    peak = 300 * 2**20 + 100_000 * n
    model = PeakMemoryModel().fit(n, peak)
    assert model.intercept_bytes_ == pytest.approx(300 * 2**20, rel=1e-6)
    assert model.bytes_per_env_ == pytest.approx(100_000, rel=1e-6)
    assert model.predict([2048])[0] == pytest.approx(300 * 2**20 + 204_800_000, rel=1e-6)


def test_upper_bound_is_above_prediction_and_grows_beyond_the_data():
    rng = np.random.default_rng(1)
    n = np.array([64, 256, 1024, 4096, 16384], dtype=float)
    peak = (2e8 + 1e5 * n) * (1 + rng.normal(0, 0.01, n.size))
    model = PeakMemoryModel().fit(n, peak)
    upper = model.predict_upper(n)
    assert np.all(upper >= model.predict(n) * 1.02 - 1)
    assert np.all(upper >= peak)
    inside = model.predict_upper([16384])[0] / model.predict([16384])[0]
    beyond = model.predict_upper([65536])[0] / model.predict([65536])[0]
    assert beyond > inside
    assert model.is_extrapolation([65536])[0]


def test_unphysical_negative_intercept_falls_back_to_a_proportional_fit():
    n = np.array([100, 200, 400], dtype=float)
    peak = np.array([0.9e6, 2.0e6, 4.1e6])  # a line through these has a negative intercept
    model = PeakMemoryModel().fit(n, peak)
    assert model.intercept_bytes_ >= 0 and model.bytes_per_env_ > 0


def test_not_fitted():
    with pytest.raises(NotFittedError):
        PeakMemoryModel().predict([1])
