"""Throughput fits checked against hand-worked values and synthetic curves with known answers."""

import numpy as np
import pytest
from sklearn.base import clone

from models.base import NotFittedError
from models.throughput import TrainThroughputModel

N = np.array([64, 128, 256, 512, 1024, 2048, 4096], dtype=float)


def sps_from_time(n, a, b, steps=50):
    return n * steps / (a + b * n)


def test_exact_linear_iteration_time_is_recovered_and_hand_values_match():
    # T(n) = 0.3 s + 0.5 ms per env; at n=1000: T = 0.8 s, train_sps = 1000*50/0.8 = 62,500
    model = TrainThroughputModel(num_steps=50, form="linear").fit(N, sps_from_time(N, 0.3, 0.0005))
    a, b = np.exp(model.fit_.theta)
    assert a == pytest.approx(0.3, rel=1e-6)
    assert b == pytest.approx(0.0005, rel=1e-6)
    assert model.predict([1000])[0] == pytest.approx(62_500, rel=1e-6)
    assert model.predict_iteration_s([1000])[0] == pytest.approx(0.8, rel=1e-6)
    # the asymptote is num_steps / b = 100,000 env steps/s
    assert model.predict([1e9])[0] == pytest.approx(100_000, rel=1e-3)


def test_auto_selection_prefers_the_simple_form_on_linear_data():
    model = TrainThroughputModel().fit(N, sps_from_time(N, 0.3, 0.0005))
    assert model.form_ == "linear"
    assert set(model.loo_errors_) == {"linear", "occupancy", "power", "depth"}
    assert np.max(np.abs(model.loo_errors_["linear"])) < 1e-6


def test_auto_selection_finds_a_growing_per_env_cost():
    # T = 0.2 + 1e-6 * n^1.6: per-env cost grows (memory-bound); a straight line misses it
    n = np.geomspace(64, 65536, 9)
    truth = n * 50 / (0.2 + 1e-6 * n**1.6)
    model = TrainThroughputModel().fit(n, truth)
    assert model.form_ == "power"
    assert model.predict([3000])[0] == pytest.approx(3000 * 50 / (0.2 + 1e-6 * 3000**1.6), rel=1e-3)


def test_auto_selection_finds_a_cost_growing_with_log_n_and_recovers_it():
    # T = 40 ms + 14 us per env + 3 ms * ln(n): the shape of an H100 humanoid sweep, where a
    # straight line is 10-16% off at the ends of the range
    n = np.geomspace(64, 65536, 7)
    truth = n * 50 / (0.04 + 1.4e-5 * n + 0.003 * np.log(n))
    model = TrainThroughputModel().fit(n, truth)
    assert model.form_ == "depth"
    a, b, c = np.exp(model.fit_.theta)
    assert (a, b, c) == (pytest.approx(0.04, rel=1e-4), pytest.approx(1.4e-5, rel=1e-4), pytest.approx(0.003, rel=1e-4))
    # by hand at n=1000: T = 0.04 + 0.014 + 0.003*ln(1000) = 0.0747233 s -> 669,135 env steps/s
    assert model.predict([1000])[0] == pytest.approx(1000 * 50 / 0.0747233, rel=1e-5)
    assert model.predict([1000])[0] == pytest.approx(669_135, rel=1e-5)
    assert np.max(np.abs(model.loo_errors_["depth"])) < 1e-4
    assert np.max(np.abs(model.loo_errors_["linear"])) > 0.05


def test_intervals_cover_noisy_truth_and_widen_outside_the_data():
    rng = np.random.default_rng(0)
    truth = sps_from_time(N, 0.3, 0.0005)
    noisy = truth * np.exp(rng.normal(0, 0.03, N.size))
    model = TrainThroughputModel().fit(N, noisy)
    low, high = model.predict_interval(N)
    assert np.all(low < truth) and np.all(truth < high)
    inside = np.log(model.predict_interval([1024])[1] / model.predict_interval([1024])[0])
    outside = np.log(model.predict_interval([65536])[1] / model.predict_interval([65536])[0])
    assert outside > 1.5 * inside
    assert model.is_extrapolation([32, 1024, 8192]).tolist() == [True, False, True]


def test_estimator_conventions():
    model = TrainThroughputModel(num_steps=20, form="linear")
    assert model.get_params()["num_steps"] == 20
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    with pytest.raises(NotFittedError):
        model.predict([64])
    assert model.fit(N, sps_from_time(N, 0.3, 0.0005, steps=20)) is model
    with pytest.raises(ValueError, match="two or more"):
        TrainThroughputModel().fit([64, 64], [1.0, 2.0])
    with pytest.raises(ValueError, match="positive"):
        TrainThroughputModel().fit([64, -1], [1.0, 2.0])
    with pytest.raises(ValueError, match="unknown form"):
        TrainThroughputModel(form="cubic").fit(N, sps_from_time(N, 0.3, 0.0005))


def _select_from(errors: dict[str, list[float]]) -> str:
    model = TrainThroughputModel()
    model.loo_errors_ = {name: np.asarray(e) for name, e in errors.items()}
    return model._select()


def test_selection_charges_extra_parameters_but_not_the_order_forms_are_listed_in():
    # an extra parameter must cut the RMS error by a tenth and by more than 0.5 points
    assert _select_from({"linear": [0.05, -0.05], "power": [0.046, -0.046]}) == "linear"  # 8% better: not enough
    assert _select_from({"linear": [0.05, -0.05], "power": [0.03, -0.03]}) == "power"
    assert _select_from({"linear": [0.004, -0.004], "power": [0.001, 0.001]}) == "linear"  # within timing noise
    # between forms with as many parameters, the smaller error wins however small the gap
    assert _select_from({"linear": [0.2], "power": [0.050], "depth": [0.048]}) == "depth"
    assert _select_from({"linear": [0.2], "occupancy": [0.047], "power": [0.050], "depth": [0.048]}) == "occupancy"
    assert _select_from({}) == "linear"


def _regime_jump(n):
    """env steps/s of a program that changes regime between 64 and 256 envs: slow below, flat
    above (a logistic in log2 n), the shape no two-parameter form goes through."""
    return 360e3 + 340e3 / (1 + np.exp(-(np.log2(n) - 7) * 2.0))


def test_a_form_the_measurements_reject_is_replaced_by_them_between_the_measured_sizes():
    n = np.array([16, 64, 256, 1024], dtype=float)
    anchored = TrainThroughputModel(num_steps=32).fit(n, _regime_jump(n))
    form = TrainThroughputModel(num_steps=32, anchor="never").fit(n, _regime_jump(n))
    assert anchored.anchored_ and not form.anchored_
    assert anchored.lack_of_fit_.rejected and anchored.lack_of_fit_.worst > 0.25
    # through every measurement, and within 2.5% between them where the form misses by 9-19%
    assert np.allclose(anchored.predict(n), _regime_jump(n), rtol=1e-9)
    between = np.array([32, 128, 512], dtype=float)
    assert np.max(np.abs(anchored.predict(between) / _regime_jump(between) - 1)) < 0.025
    assert np.min(np.abs(form.predict(between) / _regime_jump(between) - 1)) > 0.08
    # the interval holds the truth and the form's own answer
    low, high = anchored.predict_interval(between)
    assert np.all(low < _regime_jump(between)) and np.all(_regime_jump(between) < high)
    assert np.all(low <= form.predict(between)) and np.all(form.predict(between) <= high)
    # beyond the measured sizes: the form moved onto the end measurement, continuous there
    edge = anchored.predict([1024 * (1 - 1e-9), 1024 * (1 + 1e-9)])
    assert edge[0] == pytest.approx(edge[1], rel=1e-6)
    assert anchored.predict([4096])[0] / anchored.predict([1024])[0] == pytest.approx(
        form.predict([4096])[0] / form.predict([1024])[0], rel=1e-9)
    assert anchored.predict_iteration_s([128])[0] == pytest.approx(128 * 32 / anchored.predict([128])[0])


def test_a_form_within_the_noise_is_kept():
    # 3% noise on a straight iteration time: the lack-of-fit test passes, the form answers
    rng = np.random.default_rng(3)
    noisy = sps_from_time(N, 0.3, 0.0005) * np.exp(rng.normal(0, 0.02, N.size))
    model = TrainThroughputModel().fit(N, noisy)
    assert not model.anchored_ and not model.lack_of_fit_.rejected
    assert np.array_equal(model.predict(N), TrainThroughputModel(anchor="never").fit(N, noisy).predict(N))
    # two sizes leave nothing to test: the form goes through both
    assert TrainThroughputModel().fit([64, 256], [1e4, 3e4]).lack_of_fit_ is None
    with pytest.raises(ValueError, match="unknown anchor"):
        TrainThroughputModel(anchor="sometimes").fit(N, noisy)
