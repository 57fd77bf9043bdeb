"""The simple noise scale B_simple = tr(Sigma)/|G|^2 from two batch sizes (McCandlish et al. 2018,
appendix A): a hand-worked example, and its definition on least squares with a known gradient
covariance."""

import numpy as np
import pytest

from models.noise_scale import combine, from_per_sample, noise_scale, unbiased


def test_hand_worked_two_batch_estimate():
    # |G_1|^2 = 10 at B = 1 and |G_4|^2 = 4 at B = 4:
    #   tr(Sigma) = (10 - 4) / (1 - 1/4) = 8;  |G|^2 = (4*4 - 1*10) / (4 - 1) = 2;  B_simple = 8 / 2 = 4
    assert unbiased(10.0, 4.0, 1, 4) == (2.0, 8.0)
    scale = noise_scale([12.0, 8.0], [5.0, 3.0], 1, 4)  # averaged first: (10, 4)
    assert (scale.g2, scale.trace_sigma, scale.b_simple, scale.measurements) == (2.0, 8.0, 4.0, 2)
    # E|G_B|^2 = |G|^2 + tr(Sigma)/B holds for both batches with these values
    assert 2.0 + 8.0 / 1 == 10.0 and 2.0 + 8.0 / 4 == 4.0
    assert noise_scale([3.0], [3.5], 8, 64).b_simple is None  # |G|^2 estimate above tr: no scale
    with pytest.raises(ValueError):
        unbiased(1.0, 1.0, 4, 4)


def least_squares(rng, n, d, w, w_star, noise_sd):
    """Per-sample gradients of 0.5 (x.w - y)^2 with x ~ N(0, I_d), y = x.w* + eps: g_i = x_i (x_i.w - y_i)."""
    x = rng.normal(size=(n, d))
    y = x @ w_star + rng.normal(scale=noise_sd, size=n)
    return x * (x @ w - y)[:, None]


def test_least_squares_with_known_gradient_covariance():
    # G = E[g] = v = w - w*; by Isserlis' theorem Sigma = (|v|^2 + s^2) I + v v^T, so
    # tr(Sigma) = d (|v|^2 + s^2) + |v|^2 and B_simple = d (1 + s^2 / |v|^2) + 1
    rng = np.random.default_rng(7)
    d, noise_sd = 8, 0.5
    w_star = rng.normal(size=d)
    w = w_star + np.full(d, 0.25)  # |v|^2 = 0.5
    v2 = 0.5
    true_trace, true_b = d * (v2 + noise_sd**2) + v2, d * (1 + noise_sd**2 / v2) + 1
    # the definition, straight from many per-sample gradients
    grads = least_squares(rng, 200_000, d, w, w_star, noise_sd)
    assert np.trace(np.cov(grads.T)) == pytest.approx(true_trace, rel=0.02)
    # the two-batch estimator, averaged over many pairs of batches of 16 and 1024
    small, big = [], []
    for _ in range(3000):
        g_small = least_squares(rng, 16, d, w, w_star, noise_sd).mean(axis=0)
        g_big = least_squares(rng, 1024, d, w, w_star, noise_sd).mean(axis=0)
        small.append(g_small @ g_small)
        big.append(g_big @ g_big)
    scale = noise_scale(small, big, 16, 1024)
    assert scale.g2 == pytest.approx(v2, rel=0.1)
    assert scale.trace_sigma == pytest.approx(true_trace, rel=0.05)
    assert scale.b_simple == pytest.approx(true_b, rel=0.12)
    # from per-sample gradients at the same parameters (small batches drawn from the large one)
    sampled = from_per_sample(least_squares(rng, 4096, d, w, w_star, noise_sd), 32, rng, repeats=2000)
    assert sampled.b_simple == pytest.approx(true_b, rel=0.2)
    # two halves combined are the whole
    halves = combine([noise_scale(small[:1500], big[:1500], 16, 1024), noise_scale(small[1500:], big[1500:], 16, 1024)])
    assert halves.g2 == pytest.approx(scale.g2) and halves.trace_sigma == pytest.approx(scale.trace_sigma)
