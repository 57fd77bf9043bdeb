"""The phase model: hand-worked iteration times, the fused ratio, widening outside each axis, and
leave-one-out validation along num_envs and num_minibatches on a section."""

import math

import numpy as np
import pytest

from models.base import NotFittedError
from models.phases import PhaseModel, doublings, fit_phases, validate_phases
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload, UpdatePhase
from profiler.profile import Accelerator

# r(n) = 1 ms + 10 us per env per rollout step; u(m) = 0.2 ms + 0.1 us per sample per minibatch step
r = lambda n: 1e-3 + 1e-5 * n  # noqa: E731
u = lambda m: 2e-4 + 1e-7 * m  # noqa: E731


def synthetic(rho: float = 1.0, envs=(16, 64, 256), counts=(1, 4, 16), steps: int = 10, epochs: int = 2):
    X, y, rollouts, fused = [], [], [], []
    for n in envs:
        rollouts.append((n, steps, steps * r(n)))
        for k in counts:
            X.append((n, steps, k, epochs))
            y.append(epochs * k * u(n * steps / k))
        own = epochs * counts[0] * u(n * steps / counts[0])
        fused.append((steps * r(n) + own, rho * (steps * r(n) + own)))
    return X, y, rollouts, fused


def test_hand_worked_iteration_time_and_train_sps():
    X, y, rollouts, _ = synthetic()
    model = PhaseModel().fit(X, y, rollouts=rollouts)
    # n=100, num_steps=10: rollout 10 * (1e-3 + 1e-3) = 0.02 s; K=4, E=2: minibatches of 250 samples,
    # update 2 * 4 * (2e-4 + 2.5e-5) = 0.0018 s; T = 0.0218 s, train_sps = 1000 / 0.0218 = 45,871.6
    rollout, update = model.phase_seconds([[100, 10, 4, 2]])
    assert rollout[0] == pytest.approx(0.02, rel=1e-6) and update[0] == pytest.approx(0.0018, rel=1e-6)
    assert model.predict([[100, 10, 4, 2]])[0] == pytest.approx(45_871.56, rel=1e-5)
    # 64 minibatches of 15.625 samples: 2 * 64 * (2e-4 + 1.5625e-6) = 0.0258 s; T = 0.0458 s
    assert model.predict_iteration_s([[100, 10, 64, 2]])[0] == pytest.approx(0.0458, rel=1e-5)
    # num_steps doubles the rollout only: 50 * 2e-3 + 2 * 4 * (2e-4 + 1.25e-4) = 0.1026 s for 5000 env steps
    assert model.predict([[100, 50, 4, 2]])[0] == pytest.approx(5000 / 0.1026, rel=1e-5)


def test_fused_ratio_scales_the_phase_sum():
    X, y, rollouts, fused = synthetic(rho=1.1)
    model = PhaseModel().fit(X, y, rollouts=rollouts, fused=fused)
    assert model.rho_ == pytest.approx(1.1)
    assert model.predict_iteration_s([[100, 10, 4, 2]])[0] == pytest.approx(1.1 * 0.0218, rel=1e-5)


def test_interval_contains_the_prediction_and_widens_outside_each_axis():
    X, y, rollouts, fused = synthetic()
    model = PhaseModel().fit(X, y, rollouts=rollouts, fused=fused)
    inside, k_out, steps_out = [100, 10, 4, 2], [100, 10, 64, 2], [100, 40, 4, 2]
    low, high = model.predict_interval([inside, k_out, steps_out])
    sps = model.predict([inside, k_out, steps_out])
    assert np.all(low < sps) and np.all(sps < high)
    plain = PhaseModel(axis_widening={"num_minibatches": 0, "num_steps": 0, "update_epochs": 0}).fit(
        X, y, rollouts=rollouts, fused=fused)
    plain_low, plain_high = plain.predict_interval([inside, k_out, steps_out])
    added = np.log(high / low) - np.log(plain_high / plain_low)
    # inside: nothing added; 64 minibatches are two doublings past 16: 0.2 per doubling on each side;
    # num_steps 40 is two doublings past 10: 0.1 per doubling on each side
    np.testing.assert_allclose(added, [0.0, 2 * 2 * 0.2, 2 * 2 * 0.1], atol=1e-9)
    assert model.extrapolated_axes([inside, k_out, steps_out]) == [(), ("num_minibatches",), ("num_steps",)]


def test_doublings_outside_a_range():
    assert doublings(4, np.array([1, 16])) == 0
    assert doublings(64, np.array([1, 16])) == pytest.approx(2)
    assert doublings(0.5, np.array([1, 16])) == pytest.approx(1)


def test_predict_before_fit_and_bad_input():
    with pytest.raises(NotFittedError):
        PhaseModel().predict([[1, 1, 1, 1]])
    with pytest.raises(ValueError):
        PhaseModel().fit([[1, 1, 1, 1]], [0.0], rollouts=[[1, 1, 1]])
    assert PhaseModel().get_params()["confidence"] == 0.9


def section(counts_at=lambda n: (2, 8), envs=(16, 32, 64, 128)) -> MjxSection:
    """A section whose points time the phases of the synthetic r and u (num_steps 10, epochs 2)."""
    points = []
    for n in envs:
        own, *_ = counts_at(n)
        updates = tuple(UpdatePhase(k, (2 * k * u(n * 10 / k),) * 2) for k in counts_at(n))
        fused_s = 10 * r(n) + 2 * own * u(n * 10 / own)
        points.append(MjxPoint(num_envs=n, num_steps=10, num_minibatches=own, update_epochs=2,
                               train_sps=n * 10 / fused_s, train_sps_samples=(n * 10 / fused_s,) * 2,
                               rollout_s_samples=(10 * r(n),) * 2, update_phases=updates))
    return MjxSection(MjxWorkload(num_steps=10, num_minibatches=2, update_epochs=2), Accelerator("cpu", "c", 2**34),
                      points=tuple(points), sweep_settings={"num_envs": list(envs)})


def test_leave_one_out_along_both_axes_recovers_exact_data():
    rows = validate_phases(section())
    axes = {row.axis for row in rows}
    assert axes == {"num_envs", "num_minibatches"}
    assert sum(row.axis == "num_envs" for row in rows) == 4 and sum(row.axis == "num_minibatches" for row in rows) == 8
    assert all(abs(row.error) < 1e-3 for row in rows), [(row.axis, row.num_envs, row.error) for row in rows]
    assert [row.interior for row in rows if row.axis == "num_envs"] == [False, True, True, False]


def test_section_without_phases_or_with_one_minibatch_size_does_not_fit():
    plain = MjxSection(MjxWorkload(), Accelerator("cpu", "c", 2**34),
                       points=(MjxPoint(num_envs=16, train_sps=1e3), MjxPoint(num_envs=32, train_sps=2e3)),
                       sweep_settings={"num_envs": [16, 32]})
    assert fit_phases(plain) is None and validate_phases(plain) == []
    model = fit_phases(section(counts_at=lambda n: (n // 8,)))  # minibatches of 80 samples at every point
    assert model is None
    varied = fit_phases(section(counts_at=lambda n: (2,)))
    assert varied is not None and not varied.minibatch_variation_
    assert math.isclose(varied.rho_, 1.0, rel_tol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_more_minibatches_of_the_same_batch_never_predict_a_faster_iteration(seed):
    # noisy timings, whichever form leave-one-out picks for u: k * u(B / k) does not fall as k grows
    rng = np.random.default_rng(seed)
    X, y, rollouts, fused = synthetic()
    noisy = [s * float(np.exp(rng.normal(0, 0.15))) for s in y]
    model = PhaseModel().fit(X, noisy, rollouts=rollouts, fused=fused)
    for n in (16, 100, 256):
        times = model.predict_iteration_s([[n, 10, k, 2] for k in (1, 2, 4, 8, 16, 32, 64)])
        assert np.all(np.diff(times) >= -1e-12 * times[:-1])


def test_the_fused_ratio_is_taken_per_num_envs_and_interpolated_along_log_num_envs():
    X, y, rollouts, _ = synthetic(envs=(16, 64, 256))
    sums = {n: 10 * r(n) + 2 * u(n * 10) for n in (16, 64, 256)}  # phases at 1 minibatch, 2 epochs
    ratios = {16: 1.4, 64: 1.1, 256: 1.0}
    fused = [(sums[n], ratios[n] * sums[n]) for n in (16, 64, 256)]
    model = PhaseModel().fit(X, y, rollouts=rollouts, fused=fused, fused_envs=[16, 64, 256])
    # at a measured num_envs its own ratio; halfway in log n (32 = 2^5 between 2^4 and 2^6) the
    # geometric mean of its neighbours'; beyond the ends the nearest one's
    assert model.rho_at([16, 64, 256]) == pytest.approx([1.4, 1.1, 1.0])
    assert model.rho_at([32])[0] == pytest.approx(math.sqrt(1.4 * 1.1))
    assert model.rho_at([4, 4096]) == pytest.approx([1.4, 1.0])
    assert model.predict_iteration_s([[64, 10, 1, 2]])[0] == pytest.approx(1.1 * sums[64], rel=1e-6)
    low, high = model.predict_interval([[32, 10, 4, 2]])
    assert low[0] < model.predict([[32, 10, 4, 2]])[0] < high[0]
    # without the num_envs of the pairs: one ratio for all, their geometric mean
    pooled = PhaseModel().fit(X, y, rollouts=rollouts, fused=fused)
    assert pooled.rho_at([16, 256]) == pytest.approx([(1.4 * 1.1 * 1.0) ** (1 / 3)] * 2)
    with pytest.raises(ValueError, match="fused_envs"):
        PhaseModel().fit(X, y, rollouts=rollouts, fused=fused, fused_envs=[16, 64])
