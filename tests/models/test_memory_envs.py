"""XLA's bytes along num_envs and the composed peak-memory bound, by hand and on the shipped H100 sweep."""

import numpy as np
import pytest

from advisor import catalog
from models.base import NotFittedError
from models.memory import XlaOverheadModel
from models.memory_envs import EnvsPeakBound, XlaAlongEnvs
from models.validation import validate_envs_memory

MIB = 2**20


def test_chords_and_miss_rates_by_hand():
    # knots (100, 1000), (200, 2500), (400, 4000): the chord of 200's neighbours has slope 3000/300 = 10 and
    # reads 2000 at 200, 500 below; its room there is 10 * 100 * 200 / 300 = 666.7, so the miss rate is 0.75,
    # which the end knots take too
    model = XlaAlongEnvs().fit([400, 100, 200], [4000, 1000, 2500])
    assert model.miss_rates_.tolist() == pytest.approx([0.75, 0.75, 0.75])
    # between 200 and 400 the chord (slope 7.5) reads 3250 at 300; room 7.5 * 100 * 100 / 200 = 375
    assert model.predict([300])[0] == pytest.approx(3250)
    assert model.predict_upper([300])[0] == pytest.approx(3250 + 0.75 * 375)
    # at compiled sizes the bytes are known: no margin
    assert model.predict_upper([100, 200, 400]).tolist() == pytest.approx([1000, 2500, 4000])
    # below the smallest: the first chord continued, no lower than proportional; bounded by the smallest's bytes
    assert model.predict([50])[0] == pytest.approx(500) and model.predict_upper([50])[0] == pytest.approx(1000)
    # beyond the largest: the last chord continued (7000 at 800), plus the rate times the bytes it adds
    assert model.predict([800])[0] == pytest.approx(7000)
    assert model.predict_upper([800])[0] == pytest.approx(7000 + 0.75 * 7.5 * 400)
    assert model.is_extrapolation([50, 300, 800]).tolist() == [True, False, True]


def test_affine_bytes_have_no_miss_and_widen_only_beyond():
    n = np.array([64, 256, 1024, 4096])
    model = XlaAlongEnvs().fit(n, 1e6 + 1e5 * n)
    assert np.all(model.miss_rates_ == 0)
    assert model.predict_upper([2000])[0] == pytest.approx(1e6 + 1e5 * 2000)
    # beyond, the smallest rate assumed: 1% of the bytes added
    assert model.predict_upper([8192])[0] == pytest.approx(1e6 + 1e5 * 8192 + 0.01 * 1e5 * 4096)


def test_two_compiled_sizes_leave_no_chord_to_check_so_the_prior_rate_holds():
    model = XlaAlongEnvs().fit([1000, 4000], [1e8, 4e8])
    assert model.miss_rates_.tolist() == [0.3, 0.3]
    # chord slope 1e5 bytes per env; room at 2000 is 1e5 * 1000 * 2000 / 3000
    assert model.predict_upper([2000])[0] == pytest.approx(2e8 + 0.3 * 1e5 * 1000 * 2000 / 3000)


def test_bytes_that_shrink_are_held_and_inputs_checked():
    model = XlaAlongEnvs().fit([64, 128, 256], [5e6, 4e6, 9e6])  # unphysical dip: held at 5e6
    assert model.knots_[1].tolist() == [5e6, 5e6, 9e6]
    with pytest.raises(ValueError, match="same length"):
        XlaAlongEnvs().fit([1, 2], [3])
    with pytest.raises(NotFittedError):
        XlaAlongEnvs().predict([1])


def test_composed_bound_is_the_calibration_over_xla_and_never_falls():
    n = np.array([64, 256, 1024, 4096, 16384])
    xla = 2e6 + 1.1e5 * n
    rng = np.random.default_rng(0)
    peak = xla + (60 + rng.normal(0, 15, n.size)) * MIB
    calibration = XlaOverheadModel().fit(xla, peak)
    bound = EnvsPeakBound(XlaAlongEnvs().fit(n, xla), calibration)
    grid = np.unique(np.geomspace(1, 2**17, 300).round())
    upper = bound.predict_upper(grid)
    assert np.all(np.diff(upper) >= 0) and np.all(upper >= bound.predict(grid))
    assert bound.predict([2000])[0] == pytest.approx(calibration.predict([2e6 + 1.1e5 * 2000])[0])
    assert bound.is_compiled(1024) and not bound.is_compiled(2000)


def test_leave_one_out_on_the_shipped_h100_sweep_never_undershoots():
    result = validate_envs_memory(catalog.load_shipped("h100-humanoid").section("mjx"))
    assert [r.num_envs for r in result.rows] == [64, 256, 1024, 4096, 16384, 65536]
    assert result.bound_held and result.bound_coverage == 1.0
    # the recorded figures (benchmarks/results/fit_accuracy.md): within 10% at the extrapolated 65536, not at 4096
    ratios = {r.num_envs: r.upper_ratio for r in result.rows}
    assert ratios[65536] <= 1.10 and ratios[16384] < 1.2
