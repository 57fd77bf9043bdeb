import numpy as np
import pytest

from models.base import NotFittedError
from models.memory import PeakMemoryModel, XlaOverheadModel
from models.num_envs_curves import xla_memory_model
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
    # XLA 1000, 2000, 3000 MiB with peaks 1040, 2060, 3050 MiB: least squares in bytes gives
    # slope 2,010,000/2,000,000 = 1.005 and overhead 2050 - 1.005*2000 = 40 MiB; residuals
    # -5, +10, -5 MiB (150 MiB^2), so with the 16 MiB prior as one observation the spread is
    # sqrt((150 + 256) / 2) = sqrt(203) MiB on 2 degrees of freedom
    xla = np.array([1000, 2000, 3000]) * MIB
    model = XlaOverheadModel().fit(xla, np.array([1040, 2060, 3050]) * MIB)
    assert model.slope_ == pytest.approx(1.005)
    assert model.overhead_bytes_ == pytest.approx(40 * MIB)
    assert model.sigma_bytes_ == pytest.approx(np.sqrt(203) * MIB)
    assert model.predict([5000 * MIB])[0] == pytest.approx(5065 * MIB)
    # at 5000 MiB the leverage is 1/3 + 3000^2/2,000,000 = 4.8333; t(0.95, 2) = 2.920
    margin = t_quantile(0.95, 2) * np.sqrt(203) * np.sqrt(1 + 1 / 3 + 4.5) * MIB
    assert margin == pytest.approx(100.5 * MIB, rel=1e-3)
    assert model.predict_upper([5000 * MIB])[0] == pytest.approx(5065 * MIB + margin)
    # the relative floor takes over where the absolute margin is negligible
    assert model.predict_upper([2000 * MIB])[0] >= 2050 * MIB * 1.005


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
        XlaOverheadModel().fit([1e6, 1e6], [2e6, 3e6])


def test_xla_model_follows_a_peak_that_grows_faster_than_xla():
    # an allocator that rounds every buffer up by 5%: the slope is learned, not assumed to be 1
    xla = np.array([1e7, 1e8, 1e9, 4e9])
    model = XlaOverheadModel().fit(xla, 3e8 + 1.05 * xla)
    assert model.slope_ == pytest.approx(1.05) and model.overhead_bytes_ == pytest.approx(3e8)
    assert model.predict([8e9])[0] == pytest.approx(3e8 + 1.05 * 8e9)
    assert model.predict_upper([8e9])[0] >= 3e8 + 1.05 * 8e9
