"""The Universal Scalability Law fit, checked against hand-worked values."""

import math

import numpy as np
import pytest
from sklearn.base import clone

from models.base import NotFittedError
from models.usl import USLModel, usl_peak, usl_throughput

N = np.array([1, 2, 3, 4, 6, 8, 12, 15], dtype=float)


def test_usl_formula_by_hand():
    # lambda 1000, sigma 0.05, kappa 0.002 at N = 4: 4000 / (1 + 0.05*3 + 0.002*4*3) = 4000 / 1.174
    assert usl_throughput([4], 1000, 0.05, 0.002)[0] == pytest.approx(3407.155025553663, rel=1e-12)
    assert usl_throughput([1], 1000, 0.05, 0.002)[0] == 1000
    # peak at sqrt((1 - 0.05) / 0.002) = sqrt(475)
    assert usl_peak(0.05, 0.002) == pytest.approx(21.794494717703369, rel=1e-12)
    assert usl_peak(0.05, 0.0) is None  # Amdahl: rises for ever towards lambda / sigma
    # all serial: one runner is the peak; a peak below one runner is one runner too
    assert usl_peak(1.0, 0.01) == usl_peak(1.0, 0.0) == 1.0
    assert usl_peak(0.9, 0.5) == 1.0  # sqrt(0.1 / 0.5) = 0.447


def test_exact_usl_data_recovers_parameters_and_the_peak():
    model = USLModel().fit(N, usl_throughput(N, 1000, 0.05, 0.002))
    assert model.form_ == "usl"
    assert model.lambda_ == pytest.approx(1000, rel=1e-6)
    assert model.sigma_ == pytest.approx(0.05, rel=1e-5)
    assert model.kappa_ == pytest.approx(0.002, rel=1e-5)
    assert model.peak_runners_ == pytest.approx(math.sqrt(475), rel=1e-5)
    low, high = model.peak_runners_interval_
    assert low <= model.peak_runners_ <= high
    # the most it ever gives: X(N*) = 1000*21.79 / (1 + 0.05*20.79 + 0.002*21.79*20.79) = 10,715 env steps/s
    assert model.ceiling_env_steps_per_s == pytest.approx(
        1000 * math.sqrt(475) / (1 + 0.05 * (math.sqrt(475) - 1) + 0.002 * 475 - 0.002 * math.sqrt(475)), rel=1e-5)
    assert model.predict([20])[0] == pytest.approx(usl_throughput([20], 1000, 0.05, 0.002)[0], rel=1e-5)


def test_two_runner_counts_give_amdahl_by_hand():
    # X(1) = 1000, X(2) = 1720 (the write-up's 1.72x): 2/1.72 = 1 + sigma, so sigma = 0.1627907
    model = USLModel().fit([1, 2], [1000, 1720])
    assert model.form_ == "amdahl"
    assert model.sigma_ == pytest.approx(2 / 1.72 - 1, rel=1e-6)
    assert model.kappa_ == 0.0 and model.peak_runners_ is None
    # Amdahl's ceiling lambda / sigma = 1000 / 0.1627907 = 6142.86 env steps/s
    assert model.ceiling_env_steps_per_s == pytest.approx(6142.857142857, rel=1e-6)
    # X(4) = 4000 / (1 + 3 * 0.1627907) = 2687.5
    assert model.predict([4])[0] == pytest.approx(2687.5, rel=1e-6)


def test_terms_stay_non_negative():
    # better than linear (a runner cache effect, or noise): the fit falls back to ideal scaling
    model = USLModel().fit([1, 2], [400, 820])
    assert model.form_ == "linear" and model.sigma_ == 0 and model.kappa_ == 0
    # a retrograde curve without contention: coherency only
    model = USLModel().fit(N, usl_throughput(N, 500, 0.0, 0.01))
    assert model.sigma_ == pytest.approx(0.0, abs=1e-6)
    assert model.kappa_ == pytest.approx(0.01, rel=1e-4)
    assert model.peak_runners_ == pytest.approx(10.0, rel=1e-4)


def test_falling_throughput_keeps_sigma_a_fraction():
    # 1000, 800, 700 env steps/s at 1, 2, 4 runners: each runner added makes things slower. A free
    # fit passes through the points with sigma = 1.4286, kappa = 0.0357 (more than all of the work
    # serial); the bounded fit holds sigma at 1 and puts the fall on crosstalk: X = l / (1 + k (N-1)),
    # whose least squares in log (checked with a general-purpose minimiser) is l = 965.93, k = 0.138047.
    model = USLModel().fit([1, 2, 4], [1000, 800, 700])
    assert model.form_ == "serial+coherency"
    assert model.sigma_ == 1.0
    assert model.kappa_ == pytest.approx(0.138047, rel=1e-4) and model.lambda_ == pytest.approx(965.93, rel=1e-4)
    assert model.peak_runners_ == 1.0  # one runner is as fast as it gets
    assert model.ceiling_env_steps_per_s == pytest.approx(model.lambda_)
    assert model.ceiling_env_steps_per_s >= model.predict([2])[0]  # a ceiling, not a floor
    assert model.intervals_["sigma"] == (1.0, 1.0)
    # flat: more runners change nothing; X(N) = lambda exactly
    flat = USLModel().fit([1, 2], [669, 669])
    assert flat.sigma_ == 1.0 and flat.kappa_ == 0.0 and flat.predict([8])[0] == pytest.approx(669, rel=1e-6)
    # two points falling (669 -> 519) fit exactly in several ways; whichever is chosen, sigma is a
    # fraction, the peak is at about one runner and the ceiling is the most the curve ever gives
    fall = USLModel().fit([1, 2], [669, 519])
    assert 0.0 <= fall.sigma_ <= 1.0
    assert fall.predict([1, 2]) == pytest.approx([669, 519], rel=1e-6)
    assert 1.0 <= fall.peak_runners_ < 1.2
    grid = np.linspace(1, 16, 151)
    assert fall.ceiling_env_steps_per_s >= fall.predict(grid).max() * (1 - 1e-9)


def test_intervals_cover_noisy_truth_and_widen_outside():
    rng = np.random.default_rng(1)
    truth = usl_throughput(N, 1000, 0.05, 0.002)
    model = USLModel().fit(N, truth * np.exp(rng.normal(0, 0.03, N.size)))
    low, high = model.predict_interval(N)
    assert np.all(low < truth) and np.all(truth < high)
    lo, hi = model.intervals_["sigma"]
    assert lo <= 0.05 <= hi
    inside = np.log(np.divide(*model.predict_interval([8])[::-1]))
    outside = np.log(np.divide(*model.predict_interval([64])[::-1]))
    assert outside > 1.5 * inside
    assert model.is_extrapolation([0.5, 8, 16]).tolist() == [True, False, True]


def test_estimator_conventions():
    model = USLModel(confidence=0.8)
    assert clone(model).get_params() == {"confidence": 0.8, "extrapolation_widening": 0.5, "prior_sigma": 0.03}
    with pytest.raises(NotFittedError):
        model.predict([2])
    assert model.fit([1, 2, 4], [1, 1.8, 3]) is model
    with pytest.raises(ValueError, match="two or more runner counts"):
        USLModel().fit([2, 2], [1.0, 1.1])
    with pytest.raises(ValueError, match="positive"):
        USLModel().fit([1, 2], [1.0, -1.0])
