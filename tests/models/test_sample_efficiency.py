"""McCandlish's E(B) = E_min (1 + B / B_crit), fitted to runs with and without censoring."""

import math

import numpy as np
import pytest

from models.base import NotFittedError
from models.sample_efficiency import SampleEfficiency


def law(b, e_min=20_000.0, b_crit=4_000.0):
    return e_min * (1 + np.asarray(b, dtype=float) / b_crit)


def test_exact_runs_give_back_the_law_between_and_beyond_the_batches():
    batches = np.array([512, 2048, 8192, 32768] * 2, dtype=float)
    model = SampleEfficiency(grid_size=161).fit(batches, law(batches))
    assert model.b_crit_ == pytest.approx(4000, rel=0.15) and model.e_min_ == pytest.approx(20000, rel=0.1)
    # (S/S_min - 1)(E/E_min - 1) = 1 with S = E / B: check it on the predictions
    for b in (1024, 4096, 16384):
        e = model.predict([b])[0]
        assert e == pytest.approx(law(b), rel=0.05)
        s, s_min = e / b, model.e_min_ / model.b_crit_  # updates: E = S B, E_min = S_min B_crit
        assert (s / s_min - 1) * (e / model.e_min_ - 1) == pytest.approx(1, rel=0.1)
    low, high = model.predict_interval([4096], seeds=3)
    assert low[0] < law(4096) < high[0]
    assert model.is_extrapolation([256, 4096, 65536]).tolist() == [True, False, True]


def test_noisy_seeds_cover_the_truth_and_censored_runs_count_as_more_than():
    rng = np.random.default_rng(3)
    batches = np.repeat([256, 1024, 4096, 16384], 3).astype(float)
    steps = law(batches) * np.exp(rng.normal(0, 0.2, batches.size))
    model = SampleEfficiency().fit(batches, steps)
    assert 0.1 < model.sigma_ < 0.35
    lo, hi = model.b_crit_interval()
    assert lo < 4000 < hi
    # the largest batch's runs stopped at 70% of what they needed: censored, they still say "more
    # than", so the fit keeps the slow end instead of believing the runs were fast
    censored = batches == 16384
    shown = np.where(censored, steps * 0.7, steps)
    with_censoring = SampleEfficiency().fit(batches, shown, censored)
    naive = SampleEfficiency().fit(batches, shown)
    truth = law(16384)
    assert abs(math.log(with_censoring.predict([16384])[0] / truth)) < abs(math.log(naive.predict([16384])[0] / truth))
    assert with_censoring.n_censored_ == 3


def test_a_prior_on_the_critical_batch_decides_what_the_runs_cannot():
    # every raced batch far below B_crit: E is flat there and B_crit is not identified by the runs
    batches = np.array([16, 32, 64], dtype=float)
    steps = law(batches, b_crit=100_000)
    flat = SampleEfficiency().fit(batches, steps)
    informed = SampleEfficiency(prior_b_crit=100_000, prior_log_sd=math.log(2)).fit(batches, steps)
    width = lambda m: math.log(m.b_crit_interval()[1] / m.b_crit_interval()[0])
    assert width(informed) < width(flat)
    assert informed.predict([400_000])[0] == pytest.approx(law(400_000, b_crit=100_000), rel=0.35)


def test_it_needs_a_run_that_reached_and_a_fit_before_predicting():
    with pytest.raises(ValueError, match="reached"):
        SampleEfficiency().fit([64, 128], [1000, 2000], [True, True])
    with pytest.raises(NotFittedError):
        SampleEfficiency().predict([64])


def test_a_seed_that_never_reached_widens_the_scatter_and_one_stopped_early_does_not():
    # two seeds of each config reach the score within 10% of each other; a third seed of the first
    # config ran 10x their env steps without reaching it: the seeds scatter far more than the two say
    batch = [64, 64, 256, 256]
    steps = [100_000, 110_000, 200_000, 220_000]
    tight = SampleEfficiency().fit(batch, steps).sigma_
    slow = SampleEfficiency().fit(batch + [64], steps + [1_100_000], [False] * 4 + [True]).sigma_
    early = SampleEfficiency().fit(batch + [64], steps + [30_000], [False] * 4 + [True]).sigma_
    assert tight < 0.1 and slow > 5 * tight  # counted at its bound: at least this wide
    assert early == tight  # stopped by the halving before its config's seeds got there: says nothing
