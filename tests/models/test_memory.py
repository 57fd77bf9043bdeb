import numpy as np
import pytest

from models.base import NotFittedError
from models.memory import PeakMemoryModel, XlaOverheadModel
from models.mjx import xla_memory_model
from models.stats import t_quantile

MIB = 2**20


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


def test_xla_overhead_model_hand_worked():
    # overheads 40, 60 and 50 MiB over XLA's bytes: mean 50 MiB; scatter with the 16 MiB prior
    # counted as one observation: sqrt((10^2 + 10^2 + 0 + 16^2) / 3) = sqrt(152) MiB
    xla = np.array([100, 1000, 10000]) * MIB
    model = XlaOverheadModel().fit(xla, xla + np.array([40, 60, 50]) * MIB)
    assert model.overhead_bytes_ == pytest.approx(50 * MIB)
    assert model.overhead_sigma_bytes_ == pytest.approx(np.sqrt(152) * MIB)
    assert model.predict([5000 * MIB])[0] == pytest.approx(5050 * MIB)
    margin = t_quantile(0.95, 3) * np.sqrt(152) * MIB * np.sqrt(4 / 3)  # t(0.95, 3) = 2.353
    assert margin == pytest.approx(33.5 * MIB, rel=1e-3)
    assert model.predict_upper([5000 * MIB])[0] == pytest.approx(5050 * MIB + margin)
    # the relative floor takes over where the absolute margin is negligible
    assert model.predict_upper([1e6 * MIB])[0] == pytest.approx((1e6 + 50) * MIB * 1.005)


def test_xla_overhead_bound_holds_and_is_tight_at_large_batches():
    rng = np.random.default_rng(7)
    xla = np.geomspace(10, 6600, 7) * MIB
    peak = xla + (50 + rng.normal(0, 15, xla.size)) * MIB
    for i in range(xla.size):  # leave one out: the bound holds, within 5% at >= 1 GiB
        keep = np.arange(xla.size) != i
        upper = XlaOverheadModel().fit(xla[keep], peak[keep]).predict_upper([xla[i]])[0]
        assert upper >= peak[i]
        if xla[i] >= 1024 * MIB:
            assert upper <= 1.05 * peak[i]


def test_memory_source_picks_the_xla_model():
    assert isinstance(xla_memory_model("jax_allocator_peak"), XlaOverheadModel)
    assert isinstance(xla_memory_model("host_peak_rss"), PeakMemoryModel)
    with pytest.raises(ValueError, match="two or more"):
        XlaOverheadModel().fit([1e6], [2e6])
